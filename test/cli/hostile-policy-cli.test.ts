/**
 * Policies are hostile input (a `.imgpolicy.yaml` in an untrusted checkout is used
 * without --policy). Through the real binary (`npm run build` first: bin/ runs dist/):
 * no other file's content is printed, no read blocks or runs away, YAML bombs and
 * catastrophic patterns end as policy errors or in linear time, each within bounds.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";

const BIN = resolve("bin/imgpolicy.js");
const SECRET = "s3cr3t-Hash-0a1b2c3d";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function imgpolicy(cwd: string, ...args: string[]): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

let dir: string;
let tree: string;
let image: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-hostile-policy-cli-"));
  tree = join(dir, "checkout");
  await mkdir(tree);
  await writeFile(join(dir, "shadow"), `root:$6$${SECRET}:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n`);
  await writeFile(join(dir, "creds.yaml"), `token: ${SECRET}\n`);
  execFileSync("mkfifo", [join(tree, "fifo.yaml")]);
  const img = buildImage({
    layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }] }],
    config: { User: "65532", Entrypoint: ["/app"], Labels: { "org.opencontainers.image.version": `${"1".repeat(40)}!` } },
  });
  image = join(dir, "img");
  await writeOciLayout(image, [{ image: img, refName: "1" }]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const noSecret = (r: Run) => {
  expect(r.stdout + r.stderr).not.toContain(SECRET);
  expect(r.stdout + r.stderr).not.toContain("19000");
};

describe("a policy that tries to print other files", () => {
  it("extends outside the checkout is refused, by validate and by check's discovery", async () => {
    await writeFile(join(tree, ".imgpolicy.yaml"), `extends: ${join(dir, "shadow")}\n`);
    const v = imgpolicy(tree, "policy", "validate", ".imgpolicy.yaml");
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/\.imgpolicy\.yaml:1:10: extends '.*shadow', which is outside .*checkout, the directory of the policy given: .*--allow-extends-outside\n$/);
    noSecret(v);
    const c = imgpolicy(tree, "check", `oci:${image}:1`);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^imgpolicy: .*\.imgpolicy\.yaml:1:10: extends '.*shadow', which is outside/);
    noSecret(c);
  });

  it("a secret file given as the policy itself is named, its lines are not", async () => {
    for (const file of [join(dir, "shadow"), join(dir, "creds.yaml")]) {
      const v = imgpolicy(tree, "policy", "validate", file);
      expect(v.code).toBe(2);
      expect(v.stderr).toMatch(/^\/.*:1:1: unknown key /);
      noSecret(v);
      const c = imgpolicy(tree, "check", "-p", file, `oci:${image}:1`);
      expect(c.code).toBe(2);
      noSecret(c);
    }
  });
});

describe("reads that would block or never end", () => {
  it("a FIFO as --policy and in extends fails within a second", async () => {
    await writeFile(join(tree, "via-fifo.yaml"), "extends: ./fifo.yaml\n");
    for (const args of [
      ["policy", "validate", "./fifo.yaml"],
      ["check", "-p", "./fifo.yaml", `oci:${image}:1`],
      ["policy", "validate", "via-fifo.yaml"],
      ["check", "-p", "via-fifo.yaml", `oci:${image}:1`],
    ]) {
      const r = imgpolicy(tree, ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/cannot read .*fifo\.yaml: a FIFO, not a regular file\n$/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.ms).toBeLessThan(5000); // the process; the read itself is refused before opening
    }
  });

  it("/dev/zero as --policy is refused at once", () => {
    const r = imgpolicy(tree, "policy", "validate", "/dev/zero");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cannot read /dev/zero: a character device, not a regular file\n");
  });

  it("a missing policy says cannot read FILE, without :0:0:", () => {
    const v = imgpolicy(tree, "policy", "validate", "missing.yaml");
    expect(v.stderr).toBe(`cannot read ${join(tree, "missing.yaml")}: no such file or directory\n`);
    const c = imgpolicy(tree, "check", "-p", "missing.yaml", `oci:${image}:1`);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe(`imgpolicy: cannot read ${join(tree, "missing.yaml")}: no such file or directory\n`);
  });
});

describe("YAML bombs and catastrophic patterns", () => {
  it("a billion-laughs policy is a file:line:col error, exit 2", async () => {
    const rows = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]", ..."bcdefghi".split("").map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`)];
    await writeFile(join(tree, "bomb.yaml"), `${rows.join("\n")}\n`);
    const r = imgpolicy(tree, "policy", "validate", "bomb.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${join(tree, "bomb.yaml")}:2:8: invalid YAML: its aliases expand too far (more than 100 values for one alias)\n`);
  });

  it("100k nested brackets are a file:line:col error, exit 2", async () => {
    await writeFile(join(tree, "deep.yaml"), "[".repeat(100_000));
    const r = imgpolicy(tree, "check", "-p", "deep.yaml", `oci:${image}:1`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`imgpolicy: ${join(tree, "deep.yaml")}:1:65: the document nests deeper than 64 levels; a policy needs a few\n`);
  });

  it("^([0-9]+\\.?)+$ against '1'×40 + '!' finishes at once (RE2) and reports the mismatch", async () => {
    const policy = ["failOn: low", "rules:", "  IMG-LABEL-002:", "    options:", "      patterns:", "        org.opencontainers.image.version: '^([0-9]+\\.?)+$'"].join("\n");
    await writeFile(join(tree, "redos.yaml"), `${policy}\n`);
    const r = imgpolicy(tree, "check", "-p", "redos.yaml", "--format", "json", `oci:${image}:1`);
    expect(r.code, r.stderr).toBe(1);
    const label = JSON.parse(r.stdout).images[0].results.find((x: { rule: string }) => x.rule === "IMG-LABEL-002");
    expect(label.status).toBe("fail");
    expect(label.findings[0].message).toContain("which does not match /^([0-9]+\\.?)+$/");
    // a backtracking engine does not finish in hours; this is the whole process
    expect(r.ms).toBeLessThan(15_000);
    console.log(`ReDoS check: the whole check took ${r.ms.toFixed(0)} ms`);
  });

  it("a pattern RE2 cannot run is a policy error at file:line:col", async () => {
    await writeFile(join(tree, "backref.yaml"), "rules:\n  IMG-LABEL-002:\n    options: { patterns: { a: '(x)\\1' } }\n");
    const r = imgpolicy(tree, "policy", "validate", "backref.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/backref\.yaml:3:31: rules\.IMG-LABEL-002\.options\.patterns\.a: \/\(x\)\\1\/ is not a regular expression imgpolicy accepts/);
  });
});

describe("discovery of .imgpolicy.yaml", () => {
  it("a FIFO under that name is reported, not skipped for another policy, and does not block", async () => {
    const here = join(dir, "fifo-checkout");
    await mkdir(here);
    execFileSync("mkfifo", [join(here, ".imgpolicy.yaml")]);
    const r = imgpolicy(here, "check", `oci:${image}:1`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`imgpolicy: cannot read ${join(here, ".imgpolicy.yaml")}: a FIFO, not a regular file\n`);
    expect(r.ms).toBeLessThan(5000);
  });
});
