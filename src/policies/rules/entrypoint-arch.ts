/** IMG-BIN-004: the entrypoint binary is built for the architecture the image says it runs on. */
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { archMismatch, at, entrypointElf, platformArch } from "./binary-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-BIN-004",
  title: "Entrypoint architecture matches the image platform",
  category: "binary",
  severity: "high",
  description:
    "The ELF machine of the entrypoint (as an OCI architecture name) equals the image config's `architecture`; for a Go binary built with GOARM or GOAMD64, the level is not above the platform's variant (arm/v6 cannot run GOARM=7 code).",
  rationale:
    "A binary for another architecture fails at start with `exec format error`, or runs slowly under emulation when binfmt/QEMU happens to be installed, which hides the mistake on build machines. It comes from a cross-build that copied the wrong stage, a `--platform` missing on `FROM`, or a prebuilt download for the wrong architecture.",
  remediation:
    "Build for the target platform in a multi-platform Dockerfile:\n" +
    "  FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n" +
    "  ARG TARGETOS TARGETARCH\n" +
    "  RUN GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -o /out/app .\n" +
    "and set the image platform to match (`docker buildx build --platform linux/arm64 .`).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const ep = entrypointElf(facts);
    if (typeof ep === "string") return skip(ep);
    const platform = facts.image.platform;
    const wrong = archMismatch(ep.elf, platform);
    if (wrong === undefined) return pass();
    return fail({
      message: `The entrypoint ${at(ep.location)} is ${wrong}, but the image platform is ${platform.os}/${platformArch(platform)}.`,
      location: ep.location,
      expected: platformArch(platform),
      found: wrong,
    });
  },
};
