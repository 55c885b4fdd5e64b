/** IMG-BIN-001: the program the container runs exists in the image and can be executed. */
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { at } from "./binary-helpers.js";

type Options = Record<string, never>;

/** Words a shell runs itself: with one of these first, the program of a shell-form command is unknown. */
const SHELL_BUILTINS = new Set([".", ":", "cd", "eval", "export", "set", "source", "trap", "ulimit", "umask", "unset", "if", "for", "while", "case", "{", "("]);

export const rule: Rule<Options> = {
  id: "IMG-BIN-001",
  title: "Entrypoint program exists and is executable",
  category: "binary",
  severity: "high",
  description:
    "The program ENTRYPOINT/CMD starts (argv[0], or for shell form the first word of the script) is found through the image's PATH and symlinks, is a regular file with an execute bit, and, when it is ELF, a usable ELF file.",
  rationale:
    "A missing or non-executable entrypoint only shows when the container starts: `exec: \"/app\": stat /app: no such file or directory`, `permission denied` or `exec format error`, usually after a COPY to the wrong path, a multi-stage build that copied from the wrong stage, or a file that lost its mode.",
  remediation:
    "Copy the program to the path ENTRYPOINT names and make it executable in the same step:\n" +
    "  COPY --from=build --chmod=0755 /out/app /app\n" +
    '  ENTRYPOINT ["/app"]\n' +
    "A program named without a path must be in a directory of the image's PATH (`ENV PATH=/usr/local/bin:/usr/bin:/bin`).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const ep = facts.entrypoint;
    if (ep.argv.length === 0) return skip("the image sets neither ENTRYPOINT nor CMD (IMG-CMD-002)");
    const field = facts.config.entrypoint?.length ? "Entrypoint" : "Cmd";
    if (!ep.found || !ep.resolved) {
      if (ep.viaShell && ep.program !== undefined && SHELL_BUILTINS.has(ep.program)) {
        return skip(`the shell-form command starts with the shell builtin '${ep.program}', so the program it runs is not known without running it`);
      }
      return fail({
        message: `The entrypoint program '${ep.program ?? ""}' is not in the image: ${ep.problem ?? "not found"}.`,
        location: { config: field },
        expected: "an executable file at the path ENTRYPOINT/CMD names, or in a PATH directory",
        found: ep.problem ?? "not found",
      });
    }
    const where = { path: ep.resolved.path, layer: ep.resolved.layer };
    if (ep.executable === false) {
      return fail({
        message: `The entrypoint program ${at(where)} has no execute bit: ${ep.problem ?? "not executable"}.`,
        location: where,
        expected: "a mode with execute bits, e.g. 0755",
        found: ep.problem ?? "not executable",
      });
    }
    if (ep.elf?.error !== undefined) {
      return fail({
        message: `The entrypoint program ${at(where)} starts like ELF but cannot be loaded: ${ep.elf.error}.`,
        location: where,
        expected: "a complete, loadable ELF executable",
        found: ep.elf.error,
      });
    }
    return pass();
  },
};
