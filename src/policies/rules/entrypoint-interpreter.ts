/** IMG-BIN-007: a dynamic entrypoint's program interpreter (ELF loader) exists in the image. */
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { at, entrypointElf } from "./binary-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-BIN-007",
  title: "Dynamic entrypoint's loader exists in the image",
  category: "binary",
  severity: "critical",
  description:
    "For a dynamically linked entrypoint, the program interpreter named in its PT_INTERP header (e.g. /lib64/ld-linux-x86-64.so.2, /lib/ld-musl-x86_64.so.1) resolves inside the image.",
  rationale:
    "Without its loader the kernel cannot start the program and the container dies with the misleading `exec /app: no such file or directory` although /app exists. Typical causes: a cgo or glibc-built binary copied into scratch, distroless/static or Alpine (musl), or a glibc binary on a musl base.",
  remediation:
    "Build a static binary (`RUN CGO_ENABLED=0 go build -o /out/app .`), or ship the libc it was built against: " +
    "`FROM gcr.io/distroless/base-debian12` for glibc binaries, or build on the same base you run on (`FROM alpine` for both stages for musl).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const ep = entrypointElf(facts);
    if (typeof ep === "string") return skip(ep);
    const { elf } = ep;
    if (elf.interpreter === undefined) return skip(`the entrypoint ${ep.path} has no program interpreter (${elf.linkage} linkage)`);
    const present = facts.entrypoint.interpreterPresent;
    if (present === undefined) return skip(`whether ${elf.interpreter} exists in the image was not checked`);
    if (present) return pass();
    return fail({
      message: `The entrypoint ${at(ep.location)} needs the loader ${elf.interpreter}, which is not in the image: the container cannot start.`,
      location: ep.location,
      expected: `${elf.interpreter} present`,
      found: `${elf.interpreter} missing`,
    });
  },
};
