/** IMG-BIN-003: the entrypoint binary carries no symbol table and no debug sections. */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, entrypointElf } from "./binary-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-BIN-003",
  title: "Entrypoint binary is stripped",
  category: "binary",
  severity: "low",
  description: "The entrypoint's ELF file has no symbol table (.symtab) and no .debug_*/.zdebug_* sections.",
  rationale:
    "Symbols and DWARF debug information are not needed to run a program; they make the image larger (often by a third or more of the binary) and hand an attacker a map of the code. Keep them in a separate debug artifact instead.",
  remediation:
    'Strip at build time. Go: `RUN go build -trimpath -ldflags="-s -w" -o /out/app .`; Rust: `strip = true` in [profile.release]; C/C++: `RUN strip --strip-all /out/app` ' +
    "(keep the debug info with `objcopy --only-keep-debug /out/app /out/app.debug` first if you need it).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const ep = entrypointElf(facts);
    if (typeof ep === "string") return skip(ep);
    const { elf } = ep;
    if (elf.problems.includes("section headers not captured")) {
      return skip(`the section headers of ${ep.path} could not be read, so stripping cannot be judged`);
    }
    const findings: Finding[] = [];
    if (!elf.stripped) {
      findings.push({
        message: `The entrypoint ${at(ep.location)} is not stripped: it has a symbol table (.symtab).`,
        location: ep.location,
        expected: "no .symtab section",
        found: ".symtab present",
      });
    }
    if (elf.debugInfo) {
      const debug = (elf.sections ?? []).filter((s) => s.startsWith(".debug_") || s.startsWith(".zdebug_"));
      const list = debug.length ? debug.join(", ") : ".debug_* sections";
      findings.push({
        message: `The entrypoint ${at(ep.location)} carries debug information: ${list}.`,
        location: ep.location,
        expected: "no .debug_*/.zdebug_* sections",
        found: list,
      });
    }
    return failIf(findings);
  },
};
