/**
 * IMG-CST-001: what a container-structure-test config asks for that imgpolicy cannot check
 * yet (commandTests need a running container). Enabled by the CST converter; always skips,
 * so the report says what was left out instead of staying silent.
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
    "Reports, as a skipped result, the parts of a container-structure-test config that imgpolicy does not check: commandTests (they run commands in a container, which needs the runtime section) and settings that only shape those containers (globalEnvVars, setup, containerRunOptions), plus any license check that could only be made in part. The converter enables it; it never fails.",
  rationale:
    "A team moving its container-structure-test config over should see which of its tests did not run, rather than read a passing report as covering them.",
  remediation:
    "Keep running container-structure-test for the commandTests until imgpolicy's runtime section can run them, or rewrite the checks they make as file or config assertions (IMG-FILE-001, IMG-META-001) where the answer is in the image.",
  optionsSchema: {
    type: "object",
    properties: {
      commandTests: { type: "array", items: { type: "string" }, description: "Names of the commandTests not run." },
      notes: { type: "array", items: { type: "string" }, description: "Other parts not converted, one sentence each." },
    },
    additionalProperties: false,
  },
  defaultOptions: { commandTests: [], notes: [] },
  check(_facts, options) {
    const parts: string[] = [];
    const n = options.commandTests.length;
    if (n === 1) parts.push(`1 commandTest (${names(options.commandTests)}) needs the runtime section, which is not available yet`);
    else if (n > 1) parts.push(`${n} commandTests (${names(options.commandTests)}) need the runtime section, which is not available yet`);
    parts.push(...options.notes);
    if (!parts.length) return skip("nothing in the container-structure-test config was left unchecked");
    return skip(parts.join("; "));
  },
};
