/**
 * Test-time derivation of the facts sections each rule reads (rule-facts.ts holds the
 * result, rule-catalog.test.ts holds the two equal): the sections its check touches when
 * run over facts documents from an empty image to a rich one (every top-level section a
 * proxy recording access), together with the sections its rule file names as
 * `facts.SECTION` (branches those documents do not reach).
 */
import { readFile } from "node:fs/promises";
import type { Facts } from "../inspect/facts/types.js";
import { SEED_DOCKERFILES, type SeedName } from "../dockerfile/seed-dockerfiles.fixture.js";
import { seedFacts } from "./rules/dockerfile-facts.fixture.js";
import { baseFacts, elf, entrypointAt, facts, goInfo, userFacts } from "./rules/test-facts.js";
import type { AnyRule } from "./types.js";

export const SECTIONS = Object.keys(baseFacts()).filter((k) => k !== "schema").concat(["runtime", "dockerfile"]);

function documents(): Facts[] {
  const rich = facts(
    entrypointAt("/app", elf({ go: goInfo({ CGO_ENABLED: "0", "-trimpath": "true", "-ldflags": "-s -w" }) })),
    userFacts("app", [{ name: "app", uid: 1000, gid: 1000 }], [{ name: "app", gid: 1000 }]),
    {
      config: { exposedPorts: ["8080/tcp"], labels: { "org.opencontainers.image.source": "https://example.test" }},
      certificates: { present: true },
      zoneinfo: { present: true, zones: 1 },
      runtime: {
        status: "ran",
        profile: { readOnly: true, tmpfs: ["/tmp"], capDrop: ["ALL"], capAdd: [], noNewPrivileges: true },
        health: { method: "http", healthy: true, timeToHealthyMs: 1 },
        stayedUp: true,
        identity: { uid: 1000, gid: 1000, capEff: "0000000000000000", capabilities: [], noNewPrivs: true },
        stop: { signal: "SIGTERM", exitCode: 0, timeToStopMs: 1, killed: false },
      },
    },
  );
  return [baseFacts(), rich, ...(Object.keys(SEED_DOCKERFILES) as SeedName[]).map(seedFacts)];
}

/** The top-level sections `rule.check` reads over the documents above. */
function touched(rule: AnyRule): Set<string> {
  const seen = new Set<string>();
  for (const doc of documents()) {
    const watched = new Proxy(doc, {
      get(target, key, receiver) {
        if (typeof key === "string") seen.add(key);
        return Reflect.get(target, key, receiver);
      },
      has(target, key) {
        if (typeof key === "string") seen.add(key);
        return Reflect.has(target, key);
      },
    });
    try {
      rule.check(watched, rule.defaultOptions);
    } catch {
      // a document this rule's deeper branches do not expect: what it read so far counts
    }
  }
  return seen;
}

/** The sections each rule reads, by id (the rule files found in rules/ by their `id:`). */
export async function deriveRuleFacts(rules: readonly AnyRule[]): Promise<Record<string, string[]>> {
  const dir = new URL("./rules/", import.meta.url);
  const { readdir } = await import("node:fs/promises");
  const named = new Map<string, Set<string>>();
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".ts") || name.includes(".test.") || name.includes(".fixture.") || name.startsWith("test-")) continue;
    const text = await readFile(new URL(name, dir), "utf8");
    const id = /\bid: "(IMG-[A-Z]+-\d+)"/.exec(text)?.[1];
    if (id) named.set(id, new Set([...text.matchAll(/\bfacts\??\.([a-z]+)/g)].map((m) => m[1]!)));
  }
  const out: Record<string, string[]> = {};
  for (const r of rules) {
    const all = new Set([...touched(r), ...(named.get(r.id) ?? [])]);
    out[r.id] = SECTIONS.filter((s) => all.has(s));
  }
  return out;
}
