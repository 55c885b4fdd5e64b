/** IMG-BIN-002: the entrypoint binary is statically linked (static-pie counts as static). */
import { fail, pass, skip, type Rule } from "../types.js";
import { at, entrypointElf } from "./binary-helpers.js";

interface Options {
  /** Accept a dynamically linked entrypoint (the rule then only reports what it links). */
  allowDynamic: boolean;
}

export const rule: Rule<Options> = {
  id: "IMG-BIN-002",
  title: "Entrypoint binary is statically linked",
  category: "binary",
  severity: "medium",
  description:
    "The entrypoint's ELF file has no program interpreter and needs no shared libraries (linkage `static` or `static-pie`).",
  rationale:
    "A static binary runs on `scratch` or distroless/static with nothing else in the image: no libc to patch, no loader or library that a base-image change can remove or replace with an incompatible version. A dynamic binary ties the image to the libc it was built against (glibc vs musl) and to every library in its DT_NEEDED list.",
  remediation:
    "Build statically. Go: `RUN CGO_ENABLED=0 go build -o /out/app .`; Rust: `RUN cargo build --release --target x86_64-unknown-linux-musl`; C: `RUN cc -static -o /out/app app.c`. " +
    "Keep a dynamic binary deliberately with the option `allowDynamic: true`, on a base that ships its libc (e.g. `FROM gcr.io/distroless/base-debian12`).",
  optionsSchema: {
    type: "object",
    properties: { allowDynamic: { type: "boolean", description: "Accept a dynamically linked entrypoint." } },
    additionalProperties: false,
  },
  defaultOptions: { allowDynamic: false },
  check(facts, options) {
    const ep = entrypointElf(facts);
    if (typeof ep === "string") return skip(ep);
    const { elf } = ep;
    if (elf.linkage === "static" || elf.linkage === "static-pie") return pass();
    if (options.allowDynamic) return pass();
    const parts = [
      elf.interpreter ? `interpreter ${elf.interpreter}` : "no interpreter",
      elf.needed.length ? `needs ${elf.needed.join(", ")}` : "no DT_NEEDED libraries",
    ];
    return fail({
      message: `The entrypoint ${at(ep.location)} is dynamically linked (${parts.join("; ")}).`,
      location: ep.location,
      expected: "static or static-pie linkage",
      found: `dynamic: ${parts.join("; ")}`,
    });
  },
};
