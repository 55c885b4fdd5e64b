/**
 * IMG-FS-005 against private keys that are not at the start of their file: an
 * HAProxy-style combined PEM (certificates, then the key, past the first 4 KiB) and a
 * key behind 4 KiB of zeros, in an image the engine builds FROM scratch. `check`
 * fails on both; a file of certificates alone does not.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX_PATH, TEST_LABEL } from "../../fixtures/engine-images.js";
import { runCli } from "../cli/run-cli.js";

const exec = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const WAIT = 5 * 60_000;
const engine = existsSync("/var/run/docker.sock") && existsSync(DOCKER);

/** A PEM certificate block the size of an RSA-4096 one (its bytes are not parsed here). */
function certificate(): string {
  const body = randomBytes(1400).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

describe.runIf(engine)("a private key behind certificates or zeros, in an image built FROM scratch", () => {
  const tag = `imgpolicy-test/combined-pem-${randomBytes(4).toString("hex")}:1`;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "imgpolicy-pem-"));
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const chain = certificate() + certificate() + certificate();
    expect(chain.length).toBeGreaterThan(4096);
    await copyFile(BUSYBOX_PATH, join(dir, "busybox"));
    await writeFile(join(dir, "site.pem"), chain + key);
    await writeFile(join(dir, "chain.pem"), chain);
    await writeFile(join(dir, "app.txt"), Buffer.concat([Buffer.alloc(4096), Buffer.from(key)]));
    await writeFile(join(dir, "policy.yaml"), "rules:\n  IMG-FS-005: {}\n");
    await writeFile(
      join(dir, "Dockerfile"),
      ["FROM scratch", "COPY busybox /bin/busybox", "COPY site.pem chain.pem /etc/haproxy/", "COPY app.txt /etc/app.txt", 'ENTRYPOINT ["/bin/busybox", "true"]', ""].join("\n"),
    );
    await exec(DOCKER, ["build", "-q", "--label", `${TEST_LABEL}=1`, "-t", tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: "1" }, timeout: WAIT });
  }, WAIT);

  afterAll(async () => {
    await exec(DOCKER, ["image", "rm", "-f", tag]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("check fails IMG-FS-005 on the combined PEM and the key after zeros, not on the certificates alone", async () => {
    const r = await runCli("check", `docker:${tag}`, "--policy", join(dir, "policy.yaml"), "--format", "json");
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const fs5 = report.images[0].results.find((x: { rule: string }) => x.rule === "IMG-FS-005");
    expect(fs5.status).toBe("fail");
    const found = fs5.findings.map((f: { found: string }) => f.found).sort();
    expect(found).toEqual(["rsa-private-key at /etc/app.txt", "rsa-private-key at /etc/haproxy/site.pem"]);
    // the key never reaches the report
    expect(r.stdout).not.toContain("MII");
  }, WAIT);
});
