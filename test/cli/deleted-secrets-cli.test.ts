/**
 * IMG-FS-008 on an image the real engine builds (BuildKit, FROM scratch + busybox): a
 * private key and a `.env` with AWS keys that a layer adds and a later RUN deletes each make
 * one finding naming the layer that added it and the layer that deleted it; a public key and
 * known_hosts deleted the same way make none; IMG-FS-005 does not see them; `check -p base`
 * fails, from the engine and from a `docker save` archive alike; no output format (nor
 * inspect) repeats the planted key material. The project's example images and bases give no
 * finding from the rule.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX_PATH, TEST_LABEL } from "../../fixtures/engine-images.js";
import { FORMATS } from "../../src/policies/report/index.js";
import { binText, projectImages as listProjectImages } from "./secret-leak-helpers.js";

const exec = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const WAIT = 5 * 60_000;

// a key-shaped block (the scan looks at its header), made here so that the source holds none
const KEY_BODY = randomBytes(48).toString("base64");
const KEY = ["-----BEGIN", `OPENSSH PRIVATE KEY-----\n${KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`].join(" ");
const AWS_ID = "AKIA" + randomBytes(8).toString("hex").toUpperCase();
const AWS_SECRET = randomBytes(30).toString("base64");
const PLANTED = [KEY_BODY, KEY_BODY.slice(0, 16), AWS_ID, AWS_SECRET, AWS_SECRET.slice(0, 16)];
const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPublicKeyOnly user@host\n";

const bin = (args: string[]) => binText(dir, args, WAIT);

interface JsonFinding { message: string; location?: { path?: string; layer?: number } }
/** The rule's findings in `check -p base --format json` (the rule must have run: a pass has none). */
async function findings(ref: string, rule: string): Promise<{ code: number; findings: JsonFinding[] }> {
  const r = await bin(["check", "-p", "base", "--format", "json", ref]);
  const report = JSON.parse(r.text.slice(r.text.indexOf("{"))) as { images: { results: { rule: string; status: string; findings: JsonFinding[] }[] }[] };
  const res = report.images[0]!.results.find((x) => x.rule === rule);
  expect(res?.status, `${rule} on ${ref}`).toMatch(/^(pass|fail)$/);
  return { code: r.code, findings: res?.findings ?? [] };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-delsec-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const engine = existsSync("/var/run/docker.sock") && existsSync(DOCKER) && existsSync(BUSYBOX_PATH);
const DOCKERFILE = [
  "FROM scratch",
  "COPY busybox /bin/busybox",
  "COPY id_rsa /root/.ssh/id_rsa",
  "COPY id_rsa.pub known_hosts /root/.ssh/",
  "COPY env /app/.env",
  'RUN ["/bin/busybox", "rm", "/root/.ssh/id_rsa", "/root/.ssh/id_rsa.pub", "/root/.ssh/known_hosts"]',
  'RUN ["/bin/busybox", "rm", "/app/.env"]',
  "USER 65534:65534",
  'ENTRYPOINT ["/bin/busybox", "true"]',
  "",
].join("\n");

describe.runIf(engine)("IMG-FS-008 on an image the engine builds", () => {
  const tag = `imgpolicy-test/delsec-${randomBytes(4).toString("hex")}:1`;
  let archive: string;
  beforeAll(async () => {
    const ctx = join(dir, "ctx");
    await mkdir(ctx, { recursive: true });
    await copyFile(BUSYBOX_PATH, join(ctx, "busybox"));
    await writeFile(join(ctx, "id_rsa"), KEY, { mode: 0o600 });
    await writeFile(join(ctx, "id_rsa.pub"), PUB);
    await writeFile(join(ctx, "known_hosts"), `github.com ${PUB}`);
    await writeFile(join(ctx, "env"), `AWS_ACCESS_KEY_ID=${AWS_ID}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n`);
    await writeFile(join(ctx, "Dockerfile"), DOCKERFILE);
    await exec(DOCKER, ["build", "-q", "--label", `${TEST_LABEL}=1`, "-t", tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "1" }, timeout: WAIT });
    archive = join(dir, "delsec.tar");
    await exec(DOCKER, ["save", "-o", archive, tag], { timeout: WAIT });
  }, WAIT);
  afterAll(async () => {
    await exec(DOCKER, ["image", "rm", "-f", tag]).catch(() => undefined);
  });

  it("-p base fails with one finding per leak, naming the layers that added and deleted it (engine and docker save alike)", async () => {
    const refs = [`docker:${tag}`, `docker-archive:${archive}`];
    const messages: string[][] = [];
    for (const ref of refs) {
      const { code, findings: found } = await findings(ref, "IMG-FS-008");
      expect(code, ref).toBe(1);
      const msgs = found.map((f) => f.message);
      expect(msgs, msgs.join("\n")).toHaveLength(2);
      expect(msgs[0]).toMatch(/^\/root\/\.ssh\/id_rsa \(openssh-private-key, \d+ bytes, found by its content\) was added by layer 2 \(sha256:[0-9a-f]{12}, COPY id_rsa \/root\/\.ssh\/id_rsa # buildkit\) and deleted by layer 5 \(sha256:[0-9a-f]{12}, RUN \/bin\/busybox rm \/root\/\.ssh\/id_rsa [^)]*# buildkit\); its bytes still ship in layer 2\.$/);
      expect(msgs[1]).toMatch(/^\/app\/\.env \(dotenv, \d+ bytes, found by its path\) was added by layer 4 \(sha256:[0-9a-f]{12}, COPY env \/app\/\.env # buildkit\) and deleted by layer 6 \(sha256:[0-9a-f]{12}, RUN \/bin\/busybox rm \/app\/\.env # buildkit\); its bytes still ship in layer 4\.$/);
      expect(found.map((f) => f.location)).toEqual([{ path: "/root/.ssh/id_rsa", layer: 1 }, { path: "/app/.env", layer: 3 }]);
      // the final filesystem holds neither: IMG-FS-005 does not see them
      expect((await findings(ref, "IMG-FS-005")).findings).toEqual([]);
      messages.push(msgs.map((m) => m.replace(/sha256:[0-9a-f]{12}/g, "sha256:…")));
    }
    // (the archive's layer digests are the uncompressed tars', the engine's may differ: the rest is the same)
    expect(messages[1]).toEqual(messages[0]);

    const runs: string[][] = [["inspect", `docker:${tag}`], ["inspect", "--json", `docker:${tag}`], ...FORMATS.map((f) => ["check", "-p", "base", "--format", f, `docker:${tag}`]), ["check", "-p", "cis-docker", `docker-archive:${archive}`]];
    for (const args of runs) {
      const r = await bin(args);
      expect(r.code, `${args.join(" ")}: ${r.text.slice(0, 300)}`).toBeLessThan(2);
      expect(PLANTED.filter((p) => r.text.includes(p)), args.join(" ")).toEqual([]);
    }
    // inspect names them too
    const shown = await bin(["inspect", `docker:${tag}`]);
    expect(shown.text).toMatch(/deleted secret +\/root\/\.ssh\/id_rsa \(openssh-private-key, layer 2, whiteout in layer 5\), \/app\/\.env \(dotenv, layer 4, whiteout in layer 6\)\n/);
    const cis = await bin(["check", "-p", "cis-docker", `docker-archive:${archive}`]);
    expect(cis.code).toBe(1);
    expect(cis.text).toContain("IMG-FS-008");
  }, WAIT);
});

const projectImages = listProjectImages(DOCKER, Boolean(engine));

describe.runIf(projectImages.length > 0)("IMG-FS-008 on the project's examples and bases", () => {
  it.each(projectImages)("finds nothing in %s", async (ref) => {
    const { findings: found } = await findings(`docker:${ref}`, "IMG-FS-008");
    expect(found.map((f) => f.message)).toEqual([]);
  }, WAIT);
});
