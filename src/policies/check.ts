/** check(): open each image, inspect it (reading the files the rules ask for), evaluate, one report. */
import { inspectImage } from "../inspect/facts/collect.js";
import { mapLimit } from "../inspect/read-layers.js";
import { openImage, type OpenOptions } from "../inspect/resolve.js";
import { addCounts, emptyCounts, evaluate, ruleEnabled, ruleOptions } from "./evaluate.js";
import type { ResolvedPolicy } from "./policy-types.js";
import { REPORT_SCHEMA, type ImageReport, type Report } from "./report-types.js";
import { RULES } from "./rules/index.js";
import type { AnyRule } from "./types.js";
import { VERSION } from "../version.js";

export interface CheckOptions extends OpenOptions {
  policy: ResolvedPolicy;
  /** Names or files the policy came from, for the report. */
  policyNames?: string[];
  rules?: readonly AnyRule[];
  /** Images checked at once (default 2). */
  concurrency?: number;
  now?: Date;
}

/** The image paths the enabled rules need to see. */
export function filesWanted(policy: ResolvedPolicy, rules: readonly AnyRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    const files = (r as { files?: (o: Record<string, unknown>) => string[] }).files;
    if (files && ruleEnabled(r, policy)) for (const f of files(ruleOptions(r, policy))) out.add(f);
  }
  return [...out];
}

async function checkOne(ref: string, opts: CheckOptions, rules: readonly AnyRule[]): Promise<ImageReport> {
  const image = await openImage(ref, opts);
  try {
    const facts = await inspectImage(image, { files: filesWanted(opts.policy, rules), ...(opts.now ? { now: opts.now } : {}) });
    return evaluate(facts, opts.policy, { rules, ...(opts.now ? { now: opts.now } : {}) });
  } finally {
    await image.close();
  }
}

/** Checks images against a policy. An image that cannot be read gets `error` and no results. */
export async function check(refs: readonly string[], opts: CheckOptions): Promise<Report> {
  const rules = opts.rules ?? RULES;
  const images = await mapLimit(refs, opts.concurrency ?? 2, async (ref) => {
    try {
      return await checkOne(ref, opts, rules);
    } catch (err) {
      const r: ImageReport = { reference: ref, error: (err as Error).message, results: [], counts: emptyCounts(), passed: false };
      return r;
    }
  });
  const counts = emptyCounts();
  for (const i of images) addCounts(counts, i.counts);
  return {
    schema: REPORT_SCHEMA,
    tool: { name: "imgpolicy", version: VERSION },
    policies: opts.policyNames ?? opts.policy.sources,
    failOn: opts.policy.failOn,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    images,
    counts,
    passed: images.every((i) => i.passed),
  };
}

/** 0 every image passed, 1 a finding at or above the threshold, 2 an image could not be read. */
export function exitStatus(report: Report): 0 | 1 | 2 {
  if (report.images.some((i) => i.error)) return 2;
  return report.passed ? 0 : 1;
}
