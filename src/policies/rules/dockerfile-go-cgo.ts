/** IMG-DF-005: `go build` runs with CGO_ENABLED=0. */
import { rootBase, stageChain } from "../../dockerfile/stages.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, builtScope, dockerfileOf, lineMatching, shown } from "./dockerfile-helpers.js";
import { goBuilds, goSetting } from "./dockerfile-run.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-DF-005",
  title: "Go built with CGO_ENABLED=0",
  category: "dockerfile",
  severity: "medium",
  description:
    "Every `go build` and `go install` (of the module itself, not `go install tool@version`) in the stages the build runs (the final or `--target` stage and the stages it uses) runs with CGO_ENABLED=0: set in the command (`CGO_ENABLED=0 go build`), exported earlier in the RUN, by ENV or ARG (its default or the build's --build-arg value) in the stage or a stage it is built FROM, or by `go env -w` in an earlier RUN.",
  rationale:
    "cgo is on by default wherever the build image has a C compiler (golang:*-bullseye, -bookworm do; golang:*-alpine does not, so the same Dockerfile changes meaning with the base). With cgo on, net and os/user link against the builder's libc: the binary is dynamic and fails on scratch or distroless/static with `no such file or directory`, or behaves differently on musl. Setting it explicitly makes the build static and reproducible (IMG-BIN-005 checks the binary that came out).",
  remediation:
    "Turn cgo off for the build:\n" +
    "  RUN CGO_ENABLED=0 go build -ldflags=\"-s -w\" -o /out/app .\n" +
    "or once for the stage: `ENV CGO_ENABLED=0`. If the program needs C code, disable this rule and ship a base with the matching libc.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const builds = goBuilds(df);
    if (builds.length === 0) return skip(`no RUN in ${builtScope(df)} runs \`go build\` or \`go install\` of the module`);
    const findings: Finding[] = [];
    for (const g of builds) {
      const setting = goSetting(df, g, "CGO_ENABLED", stageChain(df, g.run.stage));
      if (setting?.value === "0") continue;
      const base = rootBase(df, g.run.stage);
      const external = g.args.some((a) => /-extldflags\b.*-static|-linkmode[= ]external/.test(a));
      const why = setting
        ? `it sets ${setting.how}`
        : `CGO_ENABLED is not set, so cgo is on if ${base.scratch ? "the stage" : base.image} has a C compiler`;
      findings.push({
        message: `${shown(g.run.instr, 80)} does not disable cgo for go ${g.sub}: ${why}${external ? "; the static link through the external linker (-extldflags -static) needs gcc and a static libc in the builder instead" : ""}.`,
        location: at(df, lineMatching(g.run.instr, new RegExp(`\\bgo\\s+(?:-C\\s+\\S+\\s+)?${g.sub}\\b`))),
        expected: "CGO_ENABLED=0",
        found: setting ? setting.how : "CGO_ENABLED unset (default: 1 where a C compiler is found)",
      });
    }
    return failIf(findings);
  },
};
