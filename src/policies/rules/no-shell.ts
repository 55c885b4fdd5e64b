/** IMG-FS-001: no shell in the image (scratch and distroless policies). */
import { failIf, type Rule } from "../types.js";
import { allowSchema, pathMatcher, where, globLists } from "./path-glob.js";

interface Options {
  /** Shells that may stay: globs over the path, or names ("busybox"). */
  allow: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-FS-001",
  title: "No shell in the image",
  category: "filesystem",
  severity: "high",
  optIn: true,
  description:
    "No shell (sh, bash, ash, dash, zsh, ksh, busybox, …) is present in a bin directory (/bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin), as a file or as a symlink that resolves.",
  rationale:
    "A shell is what an attacker who gets code execution in the container reaches for first: to chain commands, download tools and explore. Images built `FROM scratch` or on distroless bases ship none, and their entrypoint does not need one (an exec-form ENTRYPOINT starts the program directly). Enabled by the scratch and distroless policies.",
  remediation:
    "Ship the program on a base without a shell and start it in exec form:\n" +
    "  FROM gcr.io/distroless/static-debian12:nonroot\n" +
    "  COPY --from=build /out/app /app\n" +
    '  ENTRYPOINT ["/app"]\n' +
    "or `FROM scratch` with only the binary (plus /etc/passwd and CA certificates if it needs them). A shell kept on purpose goes in `allow`.",
  optionsSchema: {
    type: "object",
    properties: { allow: allowSchema("Shells that may stay") },
    additionalProperties: false,
  },
  defaultOptions: { allow: [] },
  patterns: globLists("allow"),
  check(facts, options) {
    const allowed = pathMatcher(options.allow);
    return failIf(
      facts.filesystem.shells
        .filter((s) => !allowed(s.path))
        .map((s) => ({
          message: `Shell ${s.name} found at ${where(s)}.`,
          location: { path: s.path, layer: s.layer },
          expected: "no shell",
          found: `${s.name} at ${s.path}`,
        })),
    );
  },
};
