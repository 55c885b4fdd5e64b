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

  // (planting a file of another owner needs root)
  it.skipIf(process.getuid?.() !== 0)("a policy another user planted above the working directory (a sticky world-writable one, as /tmp) is refused, not adopted", async () => {
    const shared = join(dir, "shared");
    await mkdir(join(shared, "sub", "deeper"), { recursive: true });
    execFileSync("chmod", ["1777", shared]);
    await writeFile(join(shared, ".imgpolicy.yaml"), "failOn: critical\nrules:\n  IMG-FS-003: off\n");
    execFileSync("chown", ["65534:65534", join(shared, ".imgpolicy.yaml")]);
    const r = imgpolicy(join(shared, "sub", "deeper"), "check", "-q", `oci:${image}:1`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `imgpolicy: ${join("..", "..", ".imgpolicy.yaml")} belongs to uid 65534, neither you (uid 0) nor root: a policy another user could have put there is not used unnamed; name it with --policy to use it\n`,
    );
    const named = imgpolicy(join(shared, "sub", "deeper"), "check", "-p", "../../.imgpolicy.yaml", "--format", "json", `oci:${image}:1`);
    expect([0, 1], named.stderr).toContain(named.code);
  });
});

describe("a found policy cannot weaken the runtime sandbox without --trust-policy", () => {
  const WEAK = "runtime:\n  capAdd: [SYS_ADMIN]\n  user: \"0\"\n  noNewPrivileges: false\n";
  const TAIL = "which weakens the sandbox the image runs in: a policy found in the working directory (not named with --policy) may only harden it, unless allowed with --trust-policy";
  let here: string;
  beforeAll(async () => {
    here = join(dir, "weak-checkout");
    await mkdir(here);
    await writeFile(join(here, ".imgpolicy.yaml"), WEAK);
  });

  it("with --runtime (and --runtime-only, --require-runtime): one line per setting, file:line:col, exit 2, before anything runs", () => {
    const f = join(here, ".imgpolicy.yaml");
    for (const flag of ["--runtime", "--runtime-only", "--require-runtime"]) {
      const r = imgpolicy(here, "check", flag, `oci:${image}:1`);
      expect(r.code, flag).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        [
          `imgpolicy: ${f}:2:12: runtime.capAdd adds SYS_ADMIN, ${TAIL}`,
          `imgpolicy: ${f}:3:9: runtime.user '0' runs it as root, ${TAIL}`,
          `imgpolicy: ${f}:4:20: runtime.noNewPrivileges false lets setuid files and file capabilities raise privileges, ${TAIL}`,
        ].join("\n") + "\n",
      );
    }
  });

  it("is allowed with --trust-policy, when named with --policy, and when nothing is run", () => {
    for (const args of [["--runtime", "--trust-policy"], ["--runtime", "-p", ".imgpolicy.yaml"], []]) {
      const r = imgpolicy(here, "check", ...args, "--format", "json", `oci:${image}:1`);
      expect([0, 1], `${args.join(" ")}: ${r.stderr}`).toContain(r.code);
      expect(r.stderr).not.toContain("trust-policy");
      expect(JSON.parse(r.stdout).images).toHaveLength(1);
    }
  });

  it("a found policy that only hardens the sandbox is used as it is", async () => {
    const strong = join(dir, "strong-checkout");
    await mkdir(strong);
    await writeFile(join(strong, ".imgpolicy.yaml"), "runtime:\n  user: \"65532\"\n  capDrop: [ALL]\n  tmpfs: [/run]\n  memory: 64m\n");
    const r = imgpolicy(strong, "check", "--runtime", "--format", "json", `oci:${image}:1`);
    expect([0, 1], r.stderr).toContain(r.code);
    expect(r.stderr).not.toContain("trust-policy");
  });

  it("the files a found policy extends are held to it, shipped policies aside; a user that may be root is named", async () => {
    const ext = join(dir, "extends-checkout");
    const found = join(ext, ".imgpolicy.yaml");
    const run = join(ext, "ci", "run.yaml");
    await mkdir(join(ext, "ci"), { recursive: true });
    await writeFile(found, "extends: [base, ./ci/run.yaml]\n");
    await writeFile(run, "runtime:\n  readOnly: false\n  capDrop: [NET_RAW]\n");
    const r = imgpolicy(ext, "check", "--runtime", `oci:${image}:1`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [`imgpolicy: ${run}:2:13: runtime.readOnly false makes the root filesystem writable, ${TAIL}`, `imgpolicy: ${run}:3:12: runtime.capDrop does not drop ALL capabilities, ${TAIL}`].join("\n") + "\n",
    );

    await writeFile(found, "extends: base\nruntime:\n  user: nobody\n");
    const named = imgpolicy(ext, "check", "--runtime", `oci:${image}:1`);
    expect(named.code).toBe(2);
    expect(named.stderr).toBe(`imgpolicy: ${found}:3:9: runtime.user 'nobody' names a user the image may map to root (a numeric uid other than 0 is allowed), ${TAIL}\n`);

    // extending only a shipped policy, with a numeric user other than root: used as it is
    await writeFile(found, "extends: base\nruntime:\n  user: \"65532:65532\"\n");
    const ok = imgpolicy(ext, "check", "--runtime", "--format", "json", `oci:${image}:1`);
    expect([0, 1], ok.stderr).toContain(ok.code);
    expect(ok.stderr).not.toContain("trust-policy");
    expect(JSON.parse(ok.stdout).images).toHaveLength(1);
  });

  it("check --from: the found policy of a list that runs its images is held to it; one the list names is not", async () => {
    await writeFile(join(here, "images.yaml"), `images:\n  - image: oci:${image}:1\n    runtime: true\n`);
    const r = imgpolicy(here, "check", "--from", "images.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^imgpolicy: ${join(here, ".imgpolicy.yaml").replace(/[.]/g, "\\.")}:2:12: runtime\\.capAdd adds SYS_ADMIN, `));
    expect(r.stderr.trim().split("\n")).toHaveLength(3);
    const trusted = imgpolicy(here, "check", "--from", "images.yaml", "--trust-policy", "--format", "json");
    expect([0, 1], trusted.stderr).toContain(trusted.code);
    await writeFile(join(here, "static.yaml"), `images:\n  - oci:${image}:1\n`);
    const notRun = imgpolicy(here, "check", "--from", "static.yaml", "--format", "json");
    expect([0, 1], notRun.stderr).toContain(notRun.code);
    await writeFile(join(here, "named.yaml"), `policy: ./.imgpolicy.yaml\nimages:\n  - image: oci:${image}:1\n    runtime: true\n`);
    const named = imgpolicy(here, "check", "--from", "named.yaml", "--format", "json");
    expect([0, 1], named.stderr).toContain(named.code);
    expect(named.stderr).not.toContain("trust-policy");
  });
});
