/** IMG-FS-002: no package manager in the image. */
import { failIf, type Rule } from "../types.js";
import { allowSchema, pathMatcher, where, globLists } from "./path-glob.js";

interface Options {
  /** Package managers that may stay: globs over the path, or names ("npm"). */
  allow: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-FS-002",
  title: "No package manager in the image",
  category: "filesystem",
  severity: "medium",
  optIn: true,
  description:
    "No package manager (apk, apt, apt-get, dpkg, yum, dnf, microdnf, rpm, zypper, pacman, pip, npm, yarn, pnpm, gem, …) is present in a bin directory.",
  rationale:
    "A package manager in a running container lets anyone with code execution install tools at will, and keeps a package database that scanners then report on. The image needs packages at build time, not at run time: install them in a build stage and copy only the result.",
  remediation:
    "Install in a build stage and copy only what the program needs into a final stage without the package manager:\n" +
    "  FROM debian:12-slim AS build\n" +
    "  RUN apt-get update && apt-get install -y --no-install-recommends build-essential\n" +
    "  …\n" +
    "  FROM gcr.io/distroless/base-debian12\n" +
    "  COPY --from=build /out/app /app\n" +
    "A runtime that ships one (Node.js images ship npm) goes in `allow`, e.g. `allow: [npm]`.",
  optionsSchema: {
    type: "object",
    properties: { allow: allowSchema("Package managers that may stay") },
    additionalProperties: false,
  },
  defaultOptions: { allow: [] },
  patterns: globLists("allow"),
  check(facts, options) {
    const allowed = pathMatcher(options.allow);
    return failIf(
      facts.filesystem.packageManagers
        .filter((p) => !allowed(p.path))
        .map((p) => ({
          message: `Package manager ${p.name} found at ${where(p)}.`,
          location: { path: p.path, layer: p.layer },
          expected: "no package manager",
          found: `${p.name} at ${p.path}`,
        })),
    );
  },
};
