/**
 * USER resolution against the engine: for each case (fixtures/conformance/user-cases.ts,
 * hand-picked quirks and seeded random mutations of /etc/passwd and /etc/group), an
 * image FROM nothing holds a static program that prints the ids it runs with, the two
 * files, and a USER. The engine loads it and starts it; imgpolicy inspects the same
 * archive. Where the engine starts the container, imgpolicy's facts must say "runs"
 * with the same uid, gid and supplementary groups; where it refuses, they must not
 * claim any user ("refused", or "unknown").
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspect } from "../../src/inspect/facts/collect.js";
import type { ResolvedUser } from "../../src/inspect/parsers/user-resolve.js";
import { TEST_LABEL } from "../../fixtures/engine-images.js";
import { DOCKER, exec, missingTools } from "../../fixtures/conformance/exec.js";
import { loadCrafted, removeCrafted, type CraftedImage } from "../../fixtures/conformance/load-archive.js";
import { handPicked, randomCases, type AccountFile, type UserCase } from "../../fixtures/conformance/user-cases.js";
import { tarBuffer, type TarEntry } from "../../fixtures/tar-writer.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const missing = (await missingTools()).filter((t) => t.startsWith("docker") || t === "go");
const SEED = 20_261_123;

interface Run {
  case: UserCase;
  user: string;
  tag: string;
}

type EngineSaw = { runs: true; uid: number; gid: number; groups: number[] } | { runs: false; why: string };

/** Starts the image once: what the program printed, or why the engine did not start it. */
async function engineRun(tag: string): Promise<EngineSaw> {
  const id = (await exec(DOCKER, ["create", "--label", `${TEST_LABEL}=1`, "--network", "none", tag], { timeoutMs: 60_000 })).trim();
  try {
    const out = await exec(DOCKER, ["start", "-a", id], { timeoutMs: 60_000 });
    const m = /^(\d+) (\d+) ([\d,]*)$/.exec(out.trim());
    if (!m) return { runs: false, why: `printed ${JSON.stringify(out)}` };
    return { runs: true, uid: Number(m[1]), gid: Number(m[2]), groups: m[3] === "" ? [] : m[3]!.split(",").map(Number) };
  } catch (err) {
    const why = (err as Error).message;
    // the engine itself went away (restarted, socket closed): no answer about this image
    if (/error during connect|Cannot connect to the Docker daemon/.test(why)) throw err;
    return { runs: false, why: why.split("\n").slice(-1)[0]!.slice(0, 200) };
  } finally {
    await exec(DOCKER, ["rm", "-f", id], { timeoutMs: 60_000 }).catch(() => {});
  }
}

function accountEntry(name: string, f: AccountFile): TarEntry[] {
  if (f === null) return [];
  if (f === "dir") return [{ name: `${name}/`, type: "dir" }];
  return [{ name, content: f }];
}

/** Runs `fn` over the items, `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

function disagreement(saw: EngineSaw, ours: ResolvedUser): string | undefined {
  if (saw.runs) {
    if (ours.status !== "runs") return `engine runs ${saw.uid}:${saw.gid} [${saw.groups}], imgpolicy says ${ours.status}: ${ours.problem}`;
    if (ours.uid !== saw.uid || ours.gid !== saw.gid || JSON.stringify(ours.groups) !== JSON.stringify(saw.groups)) {
      return `engine runs ${saw.uid}:${saw.gid} [${saw.groups}], imgpolicy says ${ours.uid}:${ours.gid} [${ours.groups}]`;
    }
    return undefined;
  }
  if (ours.status === "runs") return `engine refuses (${saw.why}), imgpolicy says it runs as ${ours.uid}:${ours.gid}`;
  return undefined;
}

describe.skipIf(missing.length > 0 && !inCI)("conformance: USER resolves to what the engine runs", () => {
  const run = randomBytes(4).toString("hex");
  const runs: Run[] = [];
  let work = "";
  let archive = "";

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "imgpolicy-user-conformance-"));
    const bin = join(work, "whoami");
    await exec("go", ["build", "-o", bin, join(HERE, "../../fixtures/conformance/whoami/main.go")], { env: { CGO_ENABLED: "0", GO111MODULE: "off" }, timeoutMs: 180_000 });
    const base = tarBuffer([{ name: "whoami", mode: 0o755, content: await readFile(bin) }]);
    const images: CraftedImage[] = [];
    const cases = [...handPicked(), ...randomCases(SEED, 40)];
    cases.forEach((c, i) => {
      const layer = tarBuffer([{ name: "etc/", type: "dir" }, ...accountEntry("etc/passwd", c.passwd), ...accountEntry("etc/group", c.group)]);
      c.users.forEach((user, j) => {
        const tag = `imgpolicy-conformance/user-${run}:${i}-${j}`;
        runs.push({ case: c, user, tag });
        images.push({ tag, layers: [base, layer], config: { User: user, Entrypoint: ["/whoami"], Labels: { [TEST_LABEL]: "1" } } });
      });
    });
    archive = join(work, "users.tar");
    await loadCrafted(archive, images);
  }, 600_000);

  afterAll(async () => {
    await removeCrafted(runs.map((r) => r.tag));
    if (work) await rm(work, { recursive: true, force: true });
  }, 600_000);

  it("agrees with the engine on every case: the uid, gid and groups it runs with, or that it refuses", async () => {
    const results = await pool(runs, 4, async (r) => {
      const [saw, facts] = await Promise.all([engineRun(r.tag), inspect(`docker-archive:${archive}:${r.tag}`, { workers: 0 })]);
      return { r, saw, ours: facts.users.user };
    });
    const problems = results.flatMap(({ r, saw, ours }) => {
      const d = disagreement(saw, ours);
      return d ? [`${r.case.id} USER ${JSON.stringify(r.user)}: ${d}`] : [];
    });
    const started = results.filter((x) => x.saw.runs).length;
    const rootRuns = results.filter((x) => x.saw.runs && x.saw.uid === 0).length;
    console.info(
      `user conformance: ${results.length} starts of ${new Set(runs.map((r) => r.case.id)).size} cases: engine ran ${started} (${rootRuns} as uid 0), refused ${results.length - started}; disagreements ${problems.length}`,
    );
    expect(problems).toEqual([]);
    // the corpus is worth something only if both outcomes and the quirks are in it
    expect(started).toBeGreaterThan(100);
    expect(results.length - started).toBeGreaterThan(20);
  }, 900_000);
});
