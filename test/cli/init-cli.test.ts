/**
 * `imgpolicy init` through the built bin/imgpolicy.js (`npm run build` first): a starter
 * .imgpolicy.yaml with $schema, extending the shipped policy the image (or the
 * Dockerfile's final stage) points to, or the one named; never over a file without --force.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { runBin } from "./run-bin.js";

let dir: string;
let scratch: string;
let alpine: string;
let n = 0;
/** A fresh, empty working directory for one run. */
async function workdir(): Promise<string> {
  const d = join(dir, `w${n++}`);
  await mkdir(d);
  return d;
}
const policyIn = async (d: string) => parse(await readFile(join(d, ".imgpolicy.yaml"), "utf8")) as Record<string, any>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-init-"));
  const passwd = "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";
  const s = buildImage({
    layers: [{ files: [{ path: "/etc/passwd", content: passwd }, { path: "/app", content: "#!/app\n", mode: 0o755 }] }],
    config: { User: "65532", Entrypoint: ["/app"], ExposedPorts: { "8080/tcp": {} }, Labels: { "org.opencontainers.image.source": "https://example.com/app" } },
  });
  const a = buildImage({
    layers: [
      {
        files: [
          { path: "/bin/sh", content: "#!sh\n", mode: 0o755 },
          { path: "/sbin/apk", content: "#!apk\n", mode: 0o755 },
          { path: "/etc/os-release", content: 'ID=alpine\nPRETTY_NAME="Alpine Linux v3.20"\n' },
        ],
      },
    ],
    config: { Cmd: ["/bin/sh"] },
  });
  scratch = `oci:${join(dir, "scratch")}:1`;
  alpine = `oci:${join(dir, "alpine")}:1`;
  await writeOciLayout(join(dir, "scratch"), [{ image: s, refName: "1" }]);
  await writeOciLayout(join(dir, "alpine"), [{ image: a, refName: "1" }]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("imgpolicy init", () => {
  it("for an image: extends the policy its contents point to, pins its USER, ports and labels, with $schema; check reads it", async () => {
    const d = await workdir();
    const r = await runBin(["init", scratch], { cwd: d });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote \.imgpolicy\.yaml: extends go-scratch \(built FROM scratch: /);
    const text = await readFile(join(d, ".imgpolicy.yaml"), "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=node_modules/imgpolicy/schema/policy.schema.json");
    const p = await policyIn(d);
    expect(p.$schema).toBe("node_modules/imgpolicy/schema/policy.schema.json");
    expect(p.extends).toBe("go-scratch");
    expect(p.rules["IMG-META-001"]).toEqual({ options: { user: "65532" } });
    expect(p.rules["IMG-PORT-001"].options.allowed).toEqual(["8080/tcp"]);
    expect(p.rules["IMG-LABEL-001"].options.required).toContain("org.opencontainers.image.source");

    expect((await runBin(["policy", "validate", ".imgpolicy.yaml"], { cwd: d })).code).toBe(0);
    const check = await runBin(["check", "--format", "json", scratch], { cwd: d });
    expect([0, 1]).toContain(check.code);
    expect(JSON.parse(check.stdout).policies).toEqual([".imgpolicy.yaml"]);
  });

  it("an alpine image gets go-alpine; --policy-name overrides the choice", async () => {
    const d = await workdir();
    expect((await runBin(["init", alpine], { cwd: d })).code).toBe(0);
    expect((await policyIn(d)).extends).toBe("go-alpine");
    const named = await workdir();
    const r = await runBin(["init", "--policy-name", "cis-docker", alpine], { cwd: named });
    expect(r.code).toBe(0);
    expect((await policyIn(named)).extends).toBe("cis-docker");
    expect(await readFile(join(named, ".imgpolicy.yaml"), "utf8")).toMatch(/^# cis-docker, as asked \(the facts point to go-alpine: /m);
  });

  it("without an image: from ./Dockerfile's final stage when its base is plain, else base", async () => {
    const d = await workdir();
    await writeFile(join(d, "Dockerfile"), "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n");
    const r = await runBin(["init"], { cwd: d });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/extending go-distroless \(the final stage is built on gcr\.io\/distroless\/static-debian12:nonroot \(Dockerfile:3\): a distroless base\)/);
    expect((await policyIn(d)).extends).toBe("go-distroless");

    const other = await workdir();
    await writeFile(join(other, "build.Dockerfile"), "FROM scratch\nCOPY app /app\n");
    expect((await runBin(["init", "--dockerfile", "build.Dockerfile"], { cwd: other })).code).toBe(0);
    expect((await policyIn(other)).extends).toBe("go-scratch");

    const none = await workdir();
    const g = await runBin(["init"], { cwd: none });
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^wrote \.imgpolicy\.yaml: a generic starter extending base;/);
    expect(await policyIn(none)).toEqual({ $schema: "node_modules/imgpolicy/schema/policy.schema.json", description: "Starter policy (extends base).", extends: "base", failOn: "high" });
  });

  it("agrees with examples/run.sh on each example Dockerfile, and writes into the working directory, not beside the Dockerfile", async () => {
    const root = join(import.meta.dirname, "..", "..");
    const runSh = await readFile(join(root, "examples", "run.sh"), "utf8");
    const table = /^variants=\(\n([\s\S]*?)^\)/m.exec(runSh)?.[1] ?? "";
    const variants = [...table.matchAll(/^\s*"(\S+)\s+(\S+)\s+(?:pass|fail)"/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(variants.map(([v]) => v)).toEqual(["scratch", "distroless", "alpine", "debian", "naive"]);
    for (const [variant, policy] of variants) {
      const d = await workdir();
      const file = join(root, "examples", "hello-service", `Dockerfile.${variant}`);
      const r = await runBin(["init", "--dockerfile", file], { cwd: d });
      expect([variant, r.code, r.stderr]).toEqual([variant, 0, ""]);
      expect([variant, (await policyIn(d)).extends]).toEqual([variant, policy]);
    }
  });

  it("never replaces a policy without --force, nor writes beside another policy file", async () => {
    const d = await workdir();
    await writeFile(join(d, ".imgpolicy.yaml"), "extends: base\n# mine\n");
    const r = await runBin(["init", scratch], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("imgpolicy: .imgpolicy.yaml already exists: imgpolicy init leaves it as it is (--force replaces it)\n");
    expect(await readFile(join(d, ".imgpolicy.yaml"), "utf8")).toBe("extends: base\n# mine\n");
    const f = await runBin(["init", "--force", scratch], { cwd: d });
    expect(f.code).toBe(0);
    expect((await policyIn(d)).extends).toBe("go-scratch");

    const yml = await workdir();
    await writeFile(join(yml, ".imgpolicy.yml"), "extends: base\n");
    const y = await runBin(["init", "--force"], { cwd: yml });
    expect(y.code).toBe(2);
    expect(y.stderr).toMatch(/^imgpolicy: \.imgpolicy\.yml is already the policy here/);
  });

  it("bad input is one line and exit 2: an unknown policy name, a missing Dockerfile, an unreadable image", async () => {
    const d = await workdir();
    const name = await runBin(["init", "--policy-name", "go-scrach"], { cwd: d });
    expect(name.code).toBe(2);
    expect(name.stderr).toMatch(/^imgpolicy: --policy-name: unknown shipped policy 'go-scrach' \(did you mean go-scratch\?\)/);
    const df = await runBin(["init", "--dockerfile", "nope"], { cwd: d });
    expect([df.code, df.stderr]).toEqual([2, "imgpolicy: --dockerfile nope: no such file\n"]);
    const img = await runBin(["init", `oci:${join(dir, "missing")}`], { cwd: d });
    expect(img.code).toBe(2);
    expect(img.stderr.trimEnd().split("\n")).toHaveLength(1);
    for (const r of [name, df, img]) expect(r.stderr).not.toMatch(/\n\s+at /);
    await expect(readFile(join(d, ".imgpolicy.yaml"))).rejects.toThrow(/ENOENT/);
  });
});
