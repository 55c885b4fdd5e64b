/** IMG-BIN-006: a Go entrypoint was built with -trimpath. */
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { at, entrypointElf } from "./binary-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-BIN-006",
  title: "Go entrypoint built with -trimpath",
  category: "binary",
  severity: "low",
  description: "The Go build information embedded in the entrypoint records `-trimpath=true`.",
  rationale:
    "Without -trimpath the binary embeds the build machine's absolute paths (GOPATH, the checkout directory, often a user's home) in file names and stack traces, and two builds of the same commit in different directories differ: the build is not reproducible.",
  remediation: "Add -trimpath to the build: `RUN go build -trimpath -o /out/app .` (or `ENV GOFLAGS=-trimpath` in the build stage).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const ep = entrypointElf(facts);
    if (typeof ep === "string") return skip(ep);
    const go = ep.elf.go;
    if (!go) return skip(`the entrypoint ${ep.path} is not a Go binary (no Go build information)`);
    if (go.trimpath === undefined) return skip(`the Go build information of ${ep.path} has no build settings (built before Go 1.18?)`);
    if (go.trimpath) return pass();
    return fail({
      message: `The Go entrypoint ${at(ep.location)} was built without -trimpath${go.goVersion ? ` (${go.goVersion})` : ""}.`,
      location: ep.location,
      expected: "-trimpath=true",
      found: go.settings["-trimpath"] === undefined ? "no -trimpath setting" : `-trimpath=${go.settings["-trimpath"]}`,
    });
  },
};
