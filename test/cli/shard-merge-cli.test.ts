/**
 * Sharded release gates through the built CLI: `check --from LIST --shard K/N` checks a
 * stable part of the list, and `imgpolicy report merge` joins the shards' JSON reports
 * into the report the unsharded gate writes (timestamps aside), in every format, with
 * the gate's exit status. Bad inputs to the merge are one line and exit 2.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureImages, type FixtureImages } from "../api/fixture-images.js";
import { runBin } from "./run-bin.js";

let img: FixtureImages;
let dir: string;
let list: string;
const env = { IMGPOLICY_IGNORE: undefined };

interface JsonReport {
  generatedAt: string;
  passed: boolean;
  images: { reference: string; platform?: string; entry: number; policies: string[] }[];
  gate: { shard?: { index: number; count: number }; images: number };
}
const read = async (file: string) => JSON.parse(await readFile(file, "utf8")) as JsonReport;
const timeless = ({ generatedAt: _t, ...rest }: JsonReport) => rest;
const out = (name: string) => join(dir, name);

/** Runs the gate's shards K/3, in the list's directory, each writing shard-K.json. */
async function shards(count: number, prefix: string): Promise<string[]> {
  const files: string[] = [];
  for (let k = 1; k <= count; k++) {
    const file = out(`${prefix}-${k}.json`);
    const r = await runBin(["check", "--from", "gate.yaml", "--shard", `${k}/${count}`, "--format", `json=${file}`], { cwd: dir, env });
    expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
    files.push(file);
  }
  return files;
}

beforeAll(async () => {
  img = await writeFixtureImages("imgpolicy-shard-");
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-shard-cli-"));
  await writeFile(join(dir, "strict.yaml"), "extends: base\nfailOn: medium\n");
  list = join(dir, "gate.yaml");
  await writeFile(
    list,
    [
      "policy: base",
      "images:",
      `  - ${img.good}`,
      `  - ${img.bad}`,
      `  - image: ${img.multi}`,
      "    platform: linux/amd64",
      `  - image: ${img.multi}`,
      "    platform: linux/arm64",
      `  - image: ${img.good}`,
      "    policy: ./strict.yaml",
      `  - image: ${img.good}`,
      "    policy: cis-docker",
      "",
    ].join("\n"),
  );
});
afterAll(async () => {
  await img.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe("check --from --shard K/N", () => {
  it("splits the list: every image in one shard, the same one on every run and in any order of the list", async () => {
    const files = await shards(3, "split");
    const reports = await Promise.all(files.map(read));
    const entries = reports.flatMap((r) => r.images.map((i) => i.entry)).sort();
    expect(entries).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reports.map((r) => r.gate.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    for (const r of reports) expect(r.gate.images).toBe(6);
    // the same reference (other platform, other policy) lands in one shard
    const shardOfRef = new Map<string, number>();
    for (const [k, r] of reports.entries()) for (const i of r.images) shardOfRef.set(i.reference, k);
    for (const [k, r] of reports.entries()) for (const i of r.images) expect(shardOfRef.get(i.reference)).toBe(k);

    // the list reversed: each reference stays in its shard
    const text = await readFile(list, "utf8");
    const reversed = join(dir, "reversed.yaml");
    const [head, ...items] = text.split("\n  - ");
    await writeFile(reversed, [head, ...items.map((s) => s.trimEnd()).reverse()].join("\n  - ") + "\n");
    for (let k = 1; k <= 3; k++) {
      const r = await runBin(["check", "--from", reversed, "--shard", `${k}/3`, "--format", "json"], { env });
      const refs = new Set((JSON.parse(r.stdout) as JsonReport).images.map((i) => i.reference));
      expect(refs).toEqual(new Set(reports[k - 1]!.images.map((i) => i.reference)));
    }
  });

  it("is a usage error without --from, or with a shard that is not K/N of 1 ≤ K ≤ N", async () => {
    const alone = await runBin(["check", img.good, "--shard", "1/2"], { env });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe("imgpolicy: --shard goes with --from FILE: it checks one part of the list's images\n");
    const bad = await runBin(["check", "--from", list, "--shard", "3/2"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe("imgpolicy: --shard: K is the shard to check, 1 to N (2), found '3/2'\n");
  });
});

describe("report merge", () => {
  it("joins 3 shards into the JSON the unsharded gate writes, timestamps aside, with its exit status", async () => {
    const whole = await runBin(["check", "--from", "gate.yaml", "--format", `json=${out("whole.json")}`], { cwd: dir, env });
    expect(whole.code).toBe(1);
    const files = await shards(3, "merge");
    const merged = await runBin(["report", "merge", ...files, "--format", `json=${out("merged.json")}`], { cwd: dir, env });
    expect(merged.stderr).toMatch(/^6 images: 3 passed, 3 failed/);
    expect(merged.code).toBe(1);
    const [a, b] = [await read(out("whole.json")), await read(out("merged.json"))];
    expect(timeless(b)).toEqual(timeless(a));
    expect(b.gate.shard).toBeUndefined();
    // policy files of the list are named from the working directory, the same in every shard
    expect(b.images.find((i) => i.entry === 4)!.policies).toEqual(["./strict.yaml"]);
  });

  it("renders every format from the merged report, the gate's table in text and Markdown", async () => {
    const files = await shards(3, "formats");
    const formats = ["junit", "sarif", "markdown", "codequality"].map((f) => `--format=${f}=${out(`merged.${f}`)}`);
    const r = await runBin(["report", "merge", ...files, "--format", "text", ...formats], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^release gate: 6 images, 3 policies: 3 passed, 3 not$/m);
    expect(r.stdout.slice(r.stdout.indexOf("release gate:"))).toMatch(/\(linux\/arm64\) +base \(fails on high\) +failed/);
    expect(await readFile(out("merged.markdown"), "utf8")).toMatch(/^## imgpolicy release gate: ❌ 6 images, 3 policies: 3 passed, 3 not/);
    expect(await readFile(out("merged.junit"), "utf8")).toMatch(/<testsuites[\s\S]*IMG-ENV-001/);
    const sarif = JSON.parse(await readFile(out("merged.sarif"), "utf8")) as { runs: { results: { locations: unknown[] }[] }[] };
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
    for (const x of sarif.runs[0]!.results) expect(x.locations.length).toBe(1);
    const cq = JSON.parse(await readFile(out("merged.codequality"), "utf8")) as { check_name: string }[];
    expect(cq.map((i) => i.check_name)).toContain("IMG-ENV-001");
  });

  it("exits 0 when every shard passed", async () => {
    const passing = join(dir, "passing.yaml");
    await writeFile(passing, `- ${img.good}\n- image: ${img.multi}\n  platform: linux/amd64\n`);
    const files: string[] = [];
    for (const k of [1, 2]) {
      files.push(out(`pass-${k}.json`));
      const r = await runBin(["check", "--from", passing, "--shard", `${k}/2`, "--format", `json=${files.at(-1)!}`], { env });
      expect(r.code).toBe(0);
    }
    const r = await runBin(["report", "merge", ...files, "-q"], { env });
    expect(r.code).toBe(0);
  });

  it("refuses a missing shard, a file that is no report, and one over the limit, each in one line, exit 2", async () => {
    const files = await shards(3, "bad");
    const missing = await runBin(["report", "merge", files[0]!, files[2]!], { env });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toBe("imgpolicy: shard 2/3 of gate.yaml is missing: give every shard's report (the gate is not complete without them)\n");
    const twice = await runBin(["report", "merge", ...files, files[1]!], { env });
    expect(twice.stderr).toMatch(/^imgpolicy: .*bad-2\.json and .*bad-2\.json are both shard 2\/3 of gate\.yaml: each shard once\n$/);

    const notReport = out("secret.json");
    await writeFile(notReport, "root:$6$hash:19000:0:99999:7:::\n");
    const r = await runBin(["report", "merge", notReport], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`imgpolicy: ${notReport}: not an imgpolicy report: not JSON (write it with check --format json=${notReport})\n`);
    expect(r.stderr).not.toMatch(/hash/);

    const none = await runBin(["report", "merge", out("nope.json")], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`imgpolicy: cannot read the report ${out("nope.json")}: no such file or directory\n`);
    const nothing = await runBin(["report", "merge"], { env });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/missing required argument 'report'/);
  });
});

describe("report merge: what the shards must agree on", () => {
  /** Shard K/2 of the gate in `cwd`, with these extra arguments and environment, to OUT.json. */
  const shard = async (k: number, name: string, args: string[] = [], extra: Record<string, string | undefined> = {}, cwd = dir) => {
    const file = out(`${name}.json`);
    const r = await runBin(["check", "--from", "gate.yaml", "--shard", `${k}/2`, ...args, "--format", `json=${file}`], { cwd, env: { ...env, ...extra } });
    expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
    return file;
  };

  it("refuses shards run with other --ignore settings; the same rules however given are one setting", async () => {
    const a = await shard(1, "ign-a", ["--ignore", "IMG-ENV-001"]);
    const b = await shard(2, "ign-b");
    const r = await runBin(["report", "merge", a, b], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`imgpolicy: ${a} and ${b} checked the list with different policies, thresholds or flags (--fail-on, --runtime-only, --ignore): run every shard with the same command\n`);

    // order, case and the way they were given (flag or IMGPOLICY_IGNORE) do not matter: the rules are sorted, as the registry spells them
    const c = await shard(1, "ign-c", ["--ignore", "img-user-001,IMG-ENV-001"]);
    const d = await shard(2, "ign-d", [], { IMGPOLICY_IGNORE: "IMG-ENV-001 IMG-USER-001 IMG-ENV-001" });
    expect((await read(c)).gate).toMatchObject({ ignore: ["IMG-ENV-001", "IMG-USER-001"] });
    const merged = await runBin(["report", "merge", c, d, "--format", `json=${out("ign-merged.json")}`], { env });
    expect(merged.code === 0 || merged.code === 1, merged.stderr).toBe(true);
    expect((await read(out("ign-merged.json"))).gate).toMatchObject({ ignore: ["IMG-ENV-001", "IMG-USER-001"] });
    // without ignores the field is absent
    expect("ignore" in (await read(b)).gate).toBe(false);
  });

  it("merges shards run from two checkouts: waiver sources are relative to the working directory", async () => {
    const checkouts = [join(dir, "checkout-1"), join(dir, "checkout-2")];
    for (const co of checkouts) {
      await mkdir(join(co, "ci"), { recursive: true });
      await writeFile(join(co, "ci", "policy.yaml"), "extends: base\nwaivers:\n  - rule: IMG-USER-001\n    reason: root until the base moves\n    expires: 2999-12-31\n");
      await writeFile(join(co, "gate.yaml"), `policy: ci/policy.yaml\nimages:\n  - ${img.good}\n  - ${img.bad}\n  - ${img.multi}\n`);
    }
    const a = await shard(1, "co-a", [], {}, checkouts[0]);
    const b = await shard(2, "co-b", [], {}, checkouts[1]);
    const ra = JSON.parse(await readFile(a, "utf8")) as { gate: { groups: { waivers: { source: string }[] }[] } };
    expect(ra.gate.groups[0]!.waivers[0]!.source).toBe("ci/policy.yaml:3");
    const r = await runBin(["report", "merge", a, b, "--format", "json"], { env });
    expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
    const merged = JSON.parse(r.stdout) as { images: unknown[]; gate: { groups: { policies: string[]; waivers: { source: string }[] }[] } };
    expect(merged.images).toHaveLength(3);
    expect(merged.gate.groups).toEqual([{ policies: ["ci/policy.yaml"], failOn: "high", waivers: [{ rule: "IMG-USER-001", reason: "root until the base moves", expires: "2999-12-31", source: "ci/policy.yaml:3" }] }]);
    expect(r.stdout).not.toContain(dir);
  });
});
