/** IMG-BIN-005: a Go entrypoint was built with CGO_ENABLED=0. */
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { at, entrypointElf } from "./binary-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-BIN-005",
  title: "Go entrypoint built with CGO_ENABLED=0",
  category: "binary",
  severity: "medium",
  description: "The Go build information embedded in the entrypoint records `CGO_ENABLED=0`.",
  rationale:
    "With cgo on (the default when a C compiler is present, as in the golang images), the net and os/user packages link against libc: the binary becomes dynamic and fails on scratch or distroless/static with `no such file or directory` for its loader, or behaves differently with musl. Pure-Go builds are static and reproducible across bases.",
  remediation:
    "Turn cgo off in the build stage:\n" +
    "  ENV CGO_ENABLED=0\n" +
    "  RUN go build -trimpath -o /out/app .\n" +
    "If the program really needs C code, disable this rule and ship a base with the matching libc.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const ep = entrypointElf(facts);
    if (typeof ep === "string") return skip(ep);
    const go = ep.elf.go;
    if (!go) return skip(`the entrypoint ${ep.path} is not a Go binary (no Go build information)`);
    if (go.cgoEnabled === undefined) return skip(`the Go build information of ${ep.path} does not record CGO_ENABLED (built before Go 1.18?)`);
    if (!go.cgoEnabled) return pass();
    return fail({
      message: `The Go entrypoint ${at(ep.location)} was built with CGO_ENABLED=1${go.goVersion ? ` (${go.goVersion})` : ""}.`,
      location: ep.location,
      expected: "CGO_ENABLED=0",
      found: "CGO_ENABLED=1",
    });
  },
};
