/** IMG-DF-016: the final ENTRYPOINT and CMD are what the image config records. */
import { effectiveCommands, recordedArgv } from "../../dockerfile/stages.js";
import { redactArgv } from "../../inspect/parsers/redact-text.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, dockerfileOf } from "./dockerfile-helpers.js";

type Options = Record<string, never>;

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const json = (argv: readonly string[]) => JSON.stringify(argv);

export const rule: Rule<Options> = {
  id: "IMG-DF-016",
  title: "Dockerfile ENTRYPOINT and CMD match the image",
  category: "dockerfile",
  severity: "medium",
  description:
    "The ENTRYPOINT the Dockerfile's final stage ends up with is the image config's Entrypoint, and so is its CMD (an ENTRYPOINT clears a CMD inherited from the stage's base, as the builder does). Shell form is compared as the builder records it: the SHELL (default `/bin/sh -c`) and the line. Skipped when the final stage sets neither. The final stage is the `--target` stage when the build was given one.",
  rationale:
    "The Dockerfile is reviewed, the image is what runs. A different Entrypoint means the image came from another stage (`--target`), another revision of the Dockerfile, or was changed after the build (`docker commit`, `--change`): what the review approved is not what starts.",
  remediation:
    "Rebuild the image from this Dockerfile's final stage (imgpolicy check --build), or make the Dockerfile say what the image runs:\n" +
    '  ENTRYPOINT ["/app"]',
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const { entrypoint, cmd, resetBy, shell } = effectiveCommands(df);
    if (!entrypoint && cmd === undefined) return skip("the Dockerfile's final stage sets neither ENTRYPOINT nor CMD (the base image's apply)");
    const findings: Finding[] = [];
    if (entrypoint) {
      // the facts hold the image's arguments with their credentials redacted: the Dockerfile's are compared redacted too
      const want = redactArgv(recordedArgv(entrypoint, shell));
      const got = facts.config.entrypoint ?? [];
      if (!same(want, got)) {
        findings.push({
          message: `The Dockerfile's final ENTRYPOINT (line ${entrypoint.line}) records ${json(want)}, but the image config's Entrypoint is ${json(got)}.`,
          location: at(df, entrypoint, { config: "Entrypoint" }),
          expected: `Entrypoint ${json(want)}`,
          found: `Entrypoint ${json(got)}`,
        });
      }
    }
    if (cmd !== undefined) {
      const want = cmd === "reset" ? [] : redactArgv(recordedArgv(cmd, shell));
      const got = facts.config.cmd ?? [];
      if (!same(want, got)) {
        const line = cmd === "reset" ? resetBy! : cmd;
        findings.push({
          message:
            cmd === "reset"
              ? `The Dockerfile's ENTRYPOINT (line ${line.line}) clears the CMD inherited from the stage's base, but the image config's Cmd is ${json(got)}.`
              : `The Dockerfile's final CMD (line ${cmd.line}) records ${json(want)}, but the image config's Cmd is ${json(got)}.`,
          location: at(df, line, { config: "Cmd" }),
          expected: `Cmd ${json(want)}`,
          found: `Cmd ${json(got)}`,
        });
      }
    }
    return failIf(findings);
  },
};
