/** IMG-DF-011: no RUN hides a failing command with `|| true` or a trailing `; true`. */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, dockerfileOf, lineMatching, shown } from "./dockerfile-helpers.js";
import { runs, shellList, type ListItem } from "./dockerfile-run.js";

type Options = Record<string, never>;

/** `true`, `:`, `/bin/true`, `exit 0`: a command that always succeeds. */
const succeeds = (w: readonly string[]) =>
  (w.length === 1 && (w[0] === ":" || /^(?:\/(?:usr\/)?bin\/)?true$/.test(w[0]!))) || (w.length === 2 && w[0] === "exit" && w[1] === "0");

/** `set -e`, `set -eux`, `set -o errexit`: a failing command stops the script anyway. */
const errexit = (items: readonly ListItem[]) =>
  items.some((it) => it.words[0] === "set" && it.words.slice(1).some((a, k, all) => /^-[a-z]*e/.test(a) || (a === "-o" && all[k + 1] === "errexit")));

export const rule: Rule<Options> = {
  id: "IMG-DF-011",
  title: "Dockerfile does not mask failures",
  category: "dockerfile",
  severity: "medium",
  description:
    "No RUN (in the stages the build runs: the final or `--target` stage and the stages it uses) follows a command with `|| true`, `|| :` or `|| exit 0`, or ends its script with `; true` (without `set -e`): those make the RUN succeed whatever the command did.",
  rationale:
    "A masked failure turns a broken build into a broken image: `go mod download || true` (a seed's runtime image) lets a network or checksum failure through to a `go build` that fails later with a less clear error or, worse, a download or install that half-happened ships. A build should stop at the first command that fails.",
  remediation:
    "Let the command fail the build, or handle the one failure you expect explicitly:\n" +
    "  RUN go mod download\n" +
    '  RUN if ! grep -q "^app:" /etc/passwd; then adduser -D app; fi\n' +
    "If the command may legitimately fail, test for that case (if … then … fi) instead of ignoring every failure.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const findings: Finding[] = [];
    for (const run of runs(df)) {
      const items = shellList(run.script);
      items.forEach((it, k) => {
        if (k === 0 || !succeeds(it.words)) return;
        const masked = items[k - 1]!.words.join(" ");
        const always = it.words.join(" ");
        if (it.op === "||") {
          findings.push({
            message: `${shown(run.instr, 80)} masks a failure of \`${masked}\` with \`|| ${always}\`: the build goes on whatever it did.`,
            location: at(df, lineMatching(run.instr, /\|\|\s*(?:true|:|\/\S*true|exit\s+0)/)),
            expected: `${masked} failing the build when it fails`,
            found: `${masked} || ${always}`,
          });
        } else if ((it.op === ";" || it.op === "\n") && k === items.length - 1 && !errexit(items)) {
          findings.push({
            message: `${shown(run.instr, 80)} ends with \`${always}\` after \`${masked}\`: the RUN succeeds even when \`${masked}\` fails.`,
            location: at(df, lineMatching(run.instr, /(?:^|;)\s*(?:true|:|exit\s+0)\s*(?:\\)?\s*$/)),
            expected: "the script's status is its last real command's",
            found: `${masked}; ${always}`,
          });
        }
      });
    }
    return failIf(findings);
  },
};
