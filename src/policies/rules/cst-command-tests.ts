/**
 * IMG-CST-001: where a container-structure-test config's commandTests are judged, and
 * what of the config is not checked. commandTests run in containers: with `--runtime` the
 * probe runs them and IMG-RUN-007 judges them; without it they are not run. Enabled by the
 * CST converter; always skips, so the report says what was left out instead of staying silent.
 */
import { skip, type Rule } from "../types.js";

interface Options {
  /** Names of the config's commandTests. */
  commandTests: string[];
  /** Other parts of the config that were not converted, one sentence each. */
  notes: string[];
}

const MAX_NAMES = 10;

function names(list: readonly string[]): string {
  const shown = list.slice(0, MAX_NAMES).join(", ");
  return list.length > MAX_NAMES ? `${shown} and ${list.length - MAX_NAMES} more` : shown;
}

export const rule: Rule<Options> = {
  id: "IMG-CST-001",
  title: "container-structure-test parts not checked",
  category: "runtime",
  severity: "info",
  optIn: true,
  description:
    "Reports, as a skipped result, where the commandTests of a container-structure-test config are judged (by IMG-RUN-007 when `--runtime` is given; without it they are not run) and the parts of the config imgpolicy does not check: settings that only shape the test containers (setup, teardown, containerRunOptions), plus any license check that could only be made in part. The converter enables it; it never fails.",
  rationale:
    "A team moving its container-structure-test config over should see which of its tests did not run, rather than read a passing report as covering them.",
  remediation:
    "Run `imgpolicy check --runtime` so the commandTests run (IMG-RUN-007 judges them), or rewrite the checks they make as file or config assertions (IMG-FILE-001, IMG-META-001) where the answer is in the image.",
  optionsSchema: {
    type: "object",
    properties: {
      commandTests: { type: "array", items: { type: "string" }, description: "Names of the config's commandTests (run by IMG-RUN-007 with --runtime)." },
      notes: { type: "array", items: { type: "string" }, description: "Other parts not converted, one sentence each." },
    },
    additionalProperties: false,
  },
  defaultOptions: { commandTests: [], notes: [] },
  check(facts, options) {
    const parts: string[] = [];
    const n = options.commandTests.length;
    const tests = `${n} commandTest${n === 1 ? "" : "s"}`;
    if (n && facts.runtime) parts.push(`${tests} (${names(options.commandTests)}) ${n === 1 ? "is" : "are"} run by IMG-RUN-007`);
    else if (n) parts.push(`${tests} ${n === 1 ? "needs" : "need"} --runtime (${names(options.commandTests)})`);
    parts.push(...options.notes);
    if (!parts.length) return skip("nothing in the container-structure-test config was left unchecked");
    return skip(parts.join("; "));
  },
};
