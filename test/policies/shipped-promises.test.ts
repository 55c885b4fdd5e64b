/**
 * Each shipped policy blocks what its description promises, end to end: images built
 * here by the real engine FROM scratch — one that every shipped policy passes, and one
 * defect each beside it (an unstripped static Go binary, a world-writable directory
 * without the sticky bit, …) — checked with `imgpolicy check --policy NAME`.
 *
 * What each policy must block is read from the policies' own `promises` (and those of
 * the policies they extend), so the descriptions, the severities and the verdicts are
 * held together: a promised rule that a defect trips must fail the image, at or above
 * the policy's threshold. src/policies/shipped-policies.test.ts checks the same promises
 * against the resolved severities without images.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGo, hasGo } from "../../fixtures/binaries.js";
import { BUSYBOX_PATH, removeImages, TEST_LABELS } from "../../fixtures/engine-images.js";
import { tarBuffer, type TarEntry } from "../../fixtures/tar-writer.js";
import { SHIPPED_DIR } from "../../src/policies/load-policy.js";
import { claimsOf } from "../../src/policies/policy-promises.js";
import type { PolicyFile } from "../../src/policies/policy-types.js";
import type { Report } from "../../src/policies/report-types.js";
import { severityRank } from "../../src/policies/types.js";
import { engineClient } from "../../src/engine/client.js";
import { runCli } from "../cli/run-cli.js";

const POLICIES = ["base", "cis-docker", "debian-service", "glassops", "go-alpine", "go-distroless", "go-scratch"] as const;
const client = engineClient();
const RUN = `${process.pid}-${Date.now().toString(36)}`;

/** A file of the image: content, mode; a directory when `dir`. */
interface ImageFile {
  content?: string | Buffer;
  mode?: number;
  dir?: boolean;
}

interface Variant {
  /** What is wrong with it (nothing, for the baseline). */
  about: string;
  /** The rules its defect trips that a policy may promise. */
  trips: string[];
  files: (b: Binaries) => Record<string, ImageFile>;
  user?: string;
  entrypoint?: string[];
}

interface Binaries {
  stripped: Buffer;
  unstripped: Buffer;
  cgo: Buffer;
}

const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
const GROUP = "root:x:0:\nnonroot:x:65532:\n";
const host = (path: string) => readFileSync(path);

/** The scratch image every shipped policy passes: a static, stripped Go binary, CA bundle, zoneinfo, accounts, USER 65532. */
const baseFiles = (b: Binaries, app: Buffer = b.stripped): Record<string, ImageFile> => ({
  app: { content: app, mode: 0o755 },
  "etc/passwd": { content: PASSWD },
  "etc/group": { content: GROUP },
  "etc/ssl/certs/ca-certificates.crt": { content: host("/etc/ssl/certs/ca-certificates.crt") },
  "usr/share/zoneinfo/UTC": { content: host("/usr/share/zoneinfo/UTC") },
  "usr/share/zoneinfo/Europe/Paris": { content: host("/usr/share/zoneinfo/Europe/Paris") },
});

const without = (files: Record<string, ImageFile>, ...paths: string[]) => Object.fromEntries(Object.entries(files).filter(([p]) => !paths.includes(p)));

const VARIANTS: Record<string, Variant> = {
  good: { about: "nothing", trips: [], files: (b) => baseFiles(b) },
  unstripped: { about: "an unstripped static Go binary", trips: ["IMG-BIN-003"], files: (b) => baseFiles(b, b.unstripped) },
  "world-writable": {
    about: "a world-writable directory without the sticky bit",
    trips: ["IMG-FS-004"],
    files: (b) => ({ ...baseFiles(b), "data/": { dir: true, mode: 0o777 }, "data/cache": { content: "x\n" } }),
  },
  cgo: { about: "a Go binary built with cgo, dynamically linked", trips: ["IMG-BIN-002", "IMG-BIN-005"], files: (b) => baseFiles(b, b.cgo) },
  "no-ca": { about: "no CA bundle", trips: ["IMG-CA-001"], files: (b) => without(baseFiles(b), "etc/ssl/certs/ca-certificates.crt") },
  "bad-ca": { about: "a CA bundle that does not parse", trips: ["IMG-CA-002"], files: (b) => ({ ...baseFiles(b), "etc/ssl/certs/ca-certificates.crt": { content: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" } }) },
  "no-tz": { about: "no zoneinfo", trips: ["IMG-TZ-001"], files: (b) => without(baseFiles(b), "usr/share/zoneinfo/UTC", "usr/share/zoneinfo/Europe/Paris") },
  shell: { about: "a shell (busybox as /bin/sh)", trips: ["IMG-FS-001"], files: (b) => ({ ...baseFiles(b), "bin/sh": { content: host(BUSYBOX_PATH), mode: 0o755 } }) },
  "package-manager": { about: "apk", trips: ["IMG-FS-002"], files: (b) => ({ ...baseFiles(b), "sbin/apk": { content: host(BUSYBOX_PATH), mode: 0o755 } }) },
  root: { about: "USER root", trips: ["IMG-USER-001"], files: (b) => baseFiles(b), user: "0:0" },
  "named-user-no-passwd": { about: "a named USER and no /etc/passwd", trips: ["IMG-USER-002"], files: (b) => without(baseFiles(b), "etc/passwd", "etc/group"), user: "nonroot" },
  "unknown-user": { about: "a USER that is not in /etc/passwd", trips: ["IMG-USER-003"], files: (b) => baseFiles(b), user: "app" },
  "shell-form": { about: "a shell-form ENTRYPOINT", trips: ["IMG-CMD-001"], files: (b) => baseFiles(b), entrypoint: ["/bin/sh", "-c", "/app"] },
  "private-key": {
    about: "a private key",
    trips: ["IMG-FS-005"],
    files: (b) => ({ ...baseFiles(b), "home/nonroot/.ssh/id_ed25519": { content: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n", mode: 0o600 } }),
  },
  "no-entrypoint": { about: "an ENTRYPOINT that is not there", trips: ["IMG-BIN-001"], files: (b) => without(baseFiles(b), "app") },
};

const tagOf = (variant: string) => `imgpolicy-test/promises-${variant}:${RUN}`;

/** The build context: rootfs/ holding the files with their modes (directories included), and the Dockerfile. */
function context(v: Variant, b: Binaries): Buffer {
  const entries: TarEntry[] = [{ name: "rootfs/", type: "dir", mode: 0o755 }];
  const dirs = new Set(["rootfs"]);
  const files = v.files(b);
  for (const [path, f] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const parts = `rootfs/${path.replace(/\/$/, "")}`.split("/");
    for (let i = 2; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!dirs.has(dir)) entries.push({ name: `${dir}/`, type: "dir", mode: files[`${dir.slice(7)}/`]?.mode ?? 0o755 });
      dirs.add(dir);
    }
    const name = parts.join("/");
    if (f.dir) {
      if (!dirs.has(name)) entries.push({ name: `${name}/`, type: "dir", mode: f.mode ?? 0o755 });
      dirs.add(name);
    } else entries.push({ name, type: "file", mode: f.mode ?? 0o644, content: f.content ?? "" });
  }
  const dockerfile = ["FROM scratch", "COPY rootfs/ /", `USER ${v.user ?? "65532:65532"}`, `ENTRYPOINT ${JSON.stringify(v.entrypoint ?? ["/app"])}`, ""].join("\n");
  entries.push({ name: "Dockerfile", type: "file", mode: 0o644, content: dockerfile });
  return tarBuffer(entries);
}

/** The rules a shipped policy promises to block: its own promises and those of the policies it extends. */
async function promisedRules(name: string): Promise<Set<string>> {
  const file = parse(await readFile(join(SHIPPED_DIR, `${name}.yaml`), "utf8")) as PolicyFile;
  const parents = file.extends === undefined ? [] : Array.isArray(file.extends) ? file.extends : [file.extends];
  const out = new Set(claimsOf(name, file.promises).flatMap((c) => c.rules));
  for (const p of parents) for (const r of await promisedRules(p)) out.add(r);
  return out;
}

const built: string[] = [];
let dir = "";
const reports = new Map<string, { code: number; report: Report }>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-promises-"));
  const bins: Binaries = {
    stripped: await readFile(await buildGo(dir, { name: "stripped", ldflags: "-s -w", trimpath: true })),
    unstripped: await readFile(await buildGo(dir, { name: "unstripped", trimpath: true })),
    cgo: await readFile(await buildGo(dir, { name: "cgo", cgo: true, ldflags: "-s -w", trimpath: true })),
  };
  for (const [name, v] of Object.entries(VARIANTS)) {
    // no cache: an intermediate image of an earlier run may be removed while this build would reuse it
    const result = await client.imageBuild(context(v, bins), { tag: tagOf(name), labels: TEST_LABELS, noCache: true });
    built.push(result.id);
  }
  // one check per policy, every image in it
  await Promise.all(
    POLICIES.map(async (policy) => {
      const r = await runCli("check", "--policy", policy, "--format", "json", "--concurrency", "4", ...Object.keys(VARIANTS).map((v) => `docker:${tagOf(v)}`));
      reports.set(policy, { code: r.code, report: JSON.parse(r.stdout) as Report });
    }),
  );
}, 600_000);

afterAll(async () => {
  await removeImages(client, built);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

function image(policy: string, variant: string) {
  const img = reports.get(policy)!.report.images.find((i) => i.reference === tagOf(variant))!;
  expect(img.error, `${policy} ${variant}`).toBeUndefined();
  const failOn = reports.get(policy)!.report.failOn;
  const blocking = img.results.filter((r) => r.status === "fail" && severityRank(r.severity) >= severityRank(failOn)).map((r) => r.rule);
  return { img, blocking, status: (rule: string) => img.results.find((r) => r.rule === rule)?.status };
}

describe.skipIf(!hasGo())("shipped policies block what their descriptions promise (images built by the engine)", () => {
  it.each(POLICIES)("%s passes the clean scratch image, and fails the run with defects (exit 1)", (policy) => {
    const { img, blocking } = image(policy, "good");
    expect(blocking).toEqual([]);
    expect(img.passed).toBe(true);
    expect(reports.get(policy)!.code).toBe(1);
  });

  it.each(POLICIES)("%s fails an image with a world-writable directory without the sticky bit, for that alone", (policy) => {
    const { img, blocking } = image(policy, "world-writable");
    expect(blocking).toEqual(["IMG-FS-004"]);
    expect(img.results.find((r) => r.rule === "IMG-FS-004")!.findings.map((f) => f.location?.path)).toEqual(["/data"]);
  });

  it.each(POLICIES)("%s fails an unstripped static Go binary FROM scratch exactly when it promises a stripped binary", async (policy) => {
    const { img, blocking, status } = image(policy, "unstripped");
    expect(status("IMG-BIN-003")).toBe("fail");
    const promised = (await promisedRules(policy)).has("IMG-BIN-003");
    expect(blocking).toEqual(promised ? ["IMG-BIN-003"] : []);
    expect(img.passed).toBe(!promised);
  });

  it("a stripped binary is promised by go-scratch and go-distroless (its descriptions say 'stripped')", async () => {
    const promising = [];
    for (const p of POLICIES) if ((await promisedRules(p)).has("IMG-BIN-003")) promising.push(p);
    expect(promising).toEqual(["go-distroless", "go-scratch"]);
  });

  const cases = Object.entries(VARIANTS).filter(([name]) => name !== "good").flatMap(([name, v]) => POLICIES.map((p) => [p, name, v] as const));
  it.each(cases)("%s on the image with %s: every promised rule it trips fails the image", async (policy, variant, v) => {
    const promised = await promisedRules(policy);
    const { blocking, status } = image(policy, variant);
    for (const rule of v.trips.filter((r) => promised.has(r))) {
      expect(status(rule), `${rule} on ${v.about}`).toBe("fail");
      expect(blocking, `${policy} promises ${rule}`).toContain(rule);
    }
  });

  it("every defect here is one some shipped policy promises to block", async () => {
    const all = new Set<string>();
    for (const p of POLICIES) for (const r of await promisedRules(p)) all.add(r);
    for (const [name, v] of Object.entries(VARIANTS)) for (const rule of v.trips) expect(all.has(rule), `${name}: ${rule}`).toBe(true);
  });
});
