/** IMG-RUN-007: the container-structure-test commandTests run in the container passed. */
import { fail, pass, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { ranOrSkip } from "./runtime-helpers.js";

interface Options {
  /** How many commandTests the policy's container-structure-test configs hold (check() supplies it; not written in a policy). */
  commandTests?: number;
}

const MAX_DETAIL = 300;

export const rule: Rule<Options> = {
  id: "IMG-RUN-007",
  title: "container-structure-test commandTests pass",
  category: "runtime",
  severity: "high",
  description:
    "When the policy is (or includes) a container-structure-test config, each of its commandTests is run in a container of the image under the runtime profile, and must pass: the exit code and the stdout/stderr expectations the test states. Not applicable when the policy has no commandTests.",
  rationale:
    "A team moving from container-structure-test keeps its commandTests; they check what only running a command shows (`/app --version` prints the release, `openssl version` works, a config file parses). Reporting them next to the static checks keeps one report and one exit status.",
  remediation:
    "Read the test's detail in the finding (the exit code and the output that did not match). Note that the commands run under imgpolicy's hardened profile (read-only root, no capabilities, the image's user): a test that needs to write or to be root fails here although it passed under container-structure-test's default `docker run`. Make the command fit the profile, or adjust `runtime` in the policy (tmpfs, user) when the production profile really differs.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts, options) {
    // commandTests run even when the service itself could not (an image with nothing to start)
    const ran = facts.runtime?.commandTests?.length ? { rt: facts.runtime } : ranOrSkip(facts);
    if (!ran.rt) return ran.outcome;
    const tests = ran.rt.commandTests ?? [];
    const asked = options.commandTests ?? 0;
    if (!tests.length) {
      return skip(asked ? `the policy's ${asked} commandTest${asked === 1 ? " was" : "s were"} not run by the runtime probe` : "the policy has no commandTests");
    }
    const failed = tests.filter((t) => !t.passed);
    if (!failed.length) return pass();
    return fail(
      ...failed.map((t): Finding => {
        const detail = t.detail?.trim();
        const shown = detail && detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
        return {
          message: `commandTest '${t.name}' failed${shown ? `: ${shown}` : ""}${t.exitCode !== undefined && !shown?.includes("exit code") ? ` (exit code ${t.exitCode})` : ""}.`,
          expected: "the test's expectations met (exit code, expectedOutput, excludedOutput, expectedError, excludedError)",
          found: shown || (t.exitCode !== undefined ? `exit code ${t.exitCode}` : "failed"),
        };
      }),
    );
  },
};
