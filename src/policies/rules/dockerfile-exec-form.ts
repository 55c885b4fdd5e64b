/** IMG-DF-008: the final ENTRYPOINT and CMD are written in exec form (hadolint DL3025). */
import { effectiveCommands } from "../../dockerfile/stages.js";
import type { DockerfileInstruction } from "../../dockerfile/types.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, dockerfileOf, shown } from "./dockerfile-helpers.js";
import { commandWords } from "./shell-commands.js";

type Options = Record<string, never>;

/** The shell-form line as a JSON array, word by word as the shell splits it. */
const asArray = (i: DockerfileInstruction) => JSON.stringify(commandWords(i.args)[0] ?? []);

/** A shell-form line that starts with `exec`: the shell replaces itself with the program. */
const execs = (i: DockerfileInstruction) => /^exec\s+\S/.test(i.args);

export const rule: Rule<Options> = {
  id: "IMG-DF-008",
  title: "Dockerfile ENTRYPOINT and CMD in exec form",
  category: "dockerfile",
  severity: "medium",
  description:
    'The ENTRYPOINT and CMD the final image ends up with are JSON arrays (`ENTRYPOINT ["/app"]`), not shell form (`ENTRYPOINT /app`, run as `/bin/sh -c "/app"`). A shell-form line that starts with `exec` passes; a shell-form CMD under an exec-form ENTRYPOINT fails (the program gets `/bin/sh -c …` as its arguments).',
  rationale:
    "In shell form /bin/sh is PID 1 and the program its child: `docker stop` sends SIGTERM to the shell, which does not pass it on, so the program is killed after the grace period without a clean shutdown. Shell form also needs a shell in the image (none on scratch or distroless) and a shell-form ENTRYPOINT ignores CMD and `docker run` arguments. hadolint DL3025, IMG-CMD-001 for the image.",
  remediation:
    "Write the JSON array, one string per argument:\n" +
    '  ENTRYPOINT ["/app"]\n' +
    '  CMD ["--port", "8080"]\n' +
    'Where a shell is needed for expansion, end it with exec: `ENTRYPOINT ["/bin/sh", "-c", "exec /app --port \\"$PORT\\""]`.',
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const { entrypoint, cmd } = effectiveCommands(df);
    const cmdInstr = typeof cmd === "object" ? cmd : undefined;
    if (!entrypoint && !cmdInstr) return skip("the final stage sets neither ENTRYPOINT nor CMD (the base image's apply)");
    const findings: Finding[] = [];
    if (entrypoint?.form === "shell" && !execs(entrypoint)) {
      findings.push({
        message: `${shown(entrypoint, 100)} is in shell form: /bin/sh is PID 1 and does not pass SIGTERM to the program${cmdInstr ? "; CMD is ignored" : ""}.`,
        location: at(df, entrypoint),
        expected: `exec form: ENTRYPOINT ${asArray(entrypoint)}`,
        found: shown(entrypoint),
      });
    }
    if (cmdInstr?.form === "shell" && entrypoint?.form === "exec") {
      findings.push({
        message: `${shown(cmdInstr, 100)} is in shell form under the exec-form ${shown(entrypoint, 60)}: the entrypoint receives "/bin/sh", "-c" and the line as its arguments.`,
        location: at(df, cmdInstr),
        expected: `exec-form arguments: CMD ${asArray(cmdInstr)}`,
        found: shown(cmdInstr),
      });
    } else if (cmdInstr?.form === "shell" && !entrypoint && !execs(cmdInstr)) {
      findings.push({
        message: `${shown(cmdInstr, 100)} is in shell form: /bin/sh is PID 1 and does not pass SIGTERM to the program.`,
        location: at(df, cmdInstr),
        expected: `exec form: CMD ${asArray(cmdInstr)}`,
        found: shown(cmdInstr),
      });
    }
    return failIf(findings);
  },
};
