/**
 * The secrets rules stay quiet on what a distribution ships: a Debian-style image made of
 * this host's Debian files with the `ssl-cert` package's snakeoil key
 * (fixtures/debian-like-rootfs.ts: CA certificates, dpkg's database, /usr/share/doc, perl,
 * node_modules; the key made as make-ssl-cert makes it, chmod'ed by a later layer as the
 * postinst does; CA certificates deleted and the bundle rewritten as update-ca-certificates
 * does) gives no finding from IMG-HIST-007, IMG-FS-005, IMG-FS-007 or IMG-FS-008 under
 * `check -p base`, though the rules did run and the key is there (the snakeoil key is in
 * the rules' default vendored list, src/policies/rules/vendored-secrets.ts).
 *
 * Without the engine, ssl-cert, busybox or openssl it is skipped, except in CI (CI=true),
 * where it fails: scripts/bootstrap.sh installs them.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_LABEL } from "../../fixtures/engine-images.js";
import { debianLikeMissing, SNAKEOIL_KEY, writeDebianLikeContext } from "../../fixtures/debian-like-rootfs.js";
import { runCli } from "./run-cli.js";

const exec = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const WAIT = 5 * 60_000;
const RULES = ["IMG-HIST-007", "IMG-FS-005", "IMG-FS-007", "IMG-FS-008"];
const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const missing = [...(existsSync("/var/run/docker.sock") && existsSync(DOCKER) ? [] : ["docker"]), ...debianLikeMissing()];

interface Result { rule: string; status: string; findings: { message: string }[] }

describe.skipIf(missing.length > 0 && !inCI)("the secrets rules on a Debian-style image with ssl-cert's snakeoil key", () => {
  const tag = `imgpolicy-test/secret-free-debian-${randomBytes(4).toString("hex")}:1`;
  let dir = "";
  let built = false;
  let results: Result[] = [];

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`this test needs ${missing.join(", ")} (scripts/bootstrap.sh installs them)`);
    dir = await mkdtemp(join(tmpdir(), "imgpolicy-debian-like-"));
    await writeDebianLikeContext(join(dir, "ctx"));
    built = true;
    await exec(DOCKER, ["build", "-q", "--label", `${TEST_LABEL}=1`, "-t", tag, join(dir, "ctx")], { env: { ...process.env, DOCKER_BUILDKIT: "1" }, timeout: WAIT });
    const r = await runCli("check", "-p", "base", "--format", "json", `docker:${tag}`);
    expect(r.code, r.stderr).toBeLessThan(2);
    results = (JSON.parse(r.stdout) as { images: { results: Result[] }[] }).images[0]!.results;
  }, WAIT);

  afterAll(async () => {
    if (built) await exec(DOCKER, ["image", "rm", "-f", tag]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("holds the snakeoil key (added by the ssl-cert layer, copied up by the chmod) and the Debian text the rules read", async () => {
    const ls = await runCli("ls", "--json", `docker:${tag}`);
    expect(ls.code, ls.stderr).toBe(0);
    const entries = JSON.parse(ls.stdout) as { path: string; layer: number; mode: number }[];
    const key = entries.find((e) => e.path === SNAKEOIL_KEY);
    expect(key && { layer: key.layer, mode: key.mode & 0o777 }).toEqual({ layer: 2, mode: 0o640 });
    expect(entries.some((e) => e.path === "/var/lib/dpkg/status")).toBe(true);
    expect(entries.filter((e) => e.path.startsWith("/usr/share/doc/")).length).toBeGreaterThan(100);
    expect(entries.filter((e) => e.path.startsWith("/usr/lib/node_modules/") || e.path.startsWith("/usr/share/perl5/")).length).toBeGreaterThan(100);
  }, WAIT);

  it.each(RULES)("%s runs and finds nothing", (rule) => {
    const res = results.find((r) => r.rule === rule);
    expect(res?.status, rule).toBe("pass");
    expect(res!.findings.map((f) => f.message)).toEqual([]);
  });
});
