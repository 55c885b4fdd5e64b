/** IMG-CMD-001: ENTRYPOINT and CMD are written in exec (JSON array) form. */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

/** `exec prog …`: the shell replaces itself with the program, which then is PID 1. */
const EXECS = /^\s*exec\s+\S/;

const shown = (argv: readonly string[] | undefined) => JSON.stringify(argv ?? []);

export const rule: Rule<Options> = {
  id: "IMG-CMD-001",
  title: "ENTRYPOINT and CMD use exec form",
  category: "config",
  severity: "medium",
  description:
    "ENTRYPOINT and CMD are JSON arrays (exec form), not `ENTRYPOINT app --flag` (shell form, stored as [\"/bin/sh\", \"-c\", \"app --flag\"]). A shell-form script that starts with `exec` is accepted: the shell replaces itself with the program.",
  rationale:
    "In shell form /bin/sh is PID 1 and the program its child: `docker stop` sends SIGTERM to the shell, which does not forward it, so the program is killed with SIGKILL after the grace period, without a clean shutdown. It also needs a shell in the image, and a shell-form ENTRYPOINT silently ignores CMD and `docker run` arguments.",
  remediation:
    "Write the JSON array form, with the program and each argument as its own string:\n" +
    '  ENTRYPOINT ["/app"]\n' +
    '  CMD ["--port", "8080"]\n' +
    'If a shell is needed for variable expansion, end with exec: `ENTRYPOINT ["/bin/sh", "-c", "exec /app --port \\"$PORT\\""]`.',
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const c = facts.config;
    if (c.entrypointForm === "none" && c.cmdForm === "none") return skip("the image sets neither ENTRYPOINT nor CMD (IMG-CMD-002)");
    const findings: Finding[] = [];
    const execs = (argv: readonly string[] | undefined) => EXECS.test(argv?.[argv.length - 1] ?? "");
    if (c.entrypointForm === "shell" && !execs(c.entrypoint)) {
      findings.push({
        message: `ENTRYPOINT is in shell form ${shown(c.entrypoint)}: /bin/sh is PID 1 and does not pass SIGTERM to the program${c.cmd ? "; CMD is ignored" : ""}.`,
        location: { config: "Entrypoint" },
        expected: 'exec form, e.g. ENTRYPOINT ["/app"]',
        found: shown(c.entrypoint),
      });
    }
    if (c.cmdForm === "shell" && c.entrypointForm === "exec") {
      findings.push({
        message: `CMD is in shell form ${shown(c.cmd)} under an exec-form ENTRYPOINT: the entrypoint receives the shell and "-c" as its arguments.`,
        location: { config: "Cmd" },
        expected: 'exec form arguments, e.g. CMD ["--port", "8080"]',
        found: shown(c.cmd),
      });
    } else if (c.cmdForm === "shell" && c.entrypointForm === "none" && !execs(c.cmd)) {
      findings.push({
        message: `CMD is in shell form ${shown(c.cmd)}: /bin/sh is PID 1 and does not pass SIGTERM to the program.`,
        location: { config: "Cmd" },
        expected: 'exec form, e.g. CMD ["/app"]',
        found: shown(c.cmd),
      });
    }
    return failIf(findings);
  },
};
