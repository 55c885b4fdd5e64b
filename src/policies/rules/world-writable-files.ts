/** IMG-FS-004: no world-writable files, nor world-writable directories without the sticky bit. */
import { failIf, type Rule } from "../types.js";
import { allowSchema, octal, pathMatcher, where, globLists } from "./path-glob.js";

interface Options {
  /** Paths that may stay world-writable: globs over the path, or base names. */
  allow: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-FS-004",
  title: "No world-writable files or directories",
  category: "filesystem",
  severity: "medium",
  description:
    "No regular file is writable by others (mode o+w), and no directory is writable by others without the sticky bit (directories like /tmp, mode 1777, are fine).",
  rationale:
    "Whatever user the container runs as can rewrite a world-writable file, including a program or configuration another (more privileged) process later runs or reads. A world-writable directory without the sticky bit lets any user delete or replace the files of others in it. CIS Docker Benchmark section 4 asks for minimal permissions; trivy and most Linux hardening guides report these.",
  remediation:
    "Set the permissions when the files are added, and drop the write bit for others:\n" +
    "  COPY --chmod=0755 app /app\n" +
    "  RUN chmod -R o-w /app\n" +
    "A shared scratch directory keeps the sticky bit: `RUN mkdir -p /data/tmp && chmod 1777 /data/tmp`.",
  optionsSchema: {
    type: "object",
    properties: { allow: allowSchema("Paths that may stay world-writable") },
    additionalProperties: false,
  },
  defaultOptions: { allow: [] },
  patterns: globLists("allow"),
  check(facts, options) {
    const allowed = pathMatcher(options.allow);
    return failIf(
      facts.filesystem.worldWritable
        .filter((f) => !allowed(f.path))
        .map((f) => {
          const what = f.type === "dir" ? "directory" : "file";
          return {
            message: `The ${what} ${where(f)} is writable by everyone (mode ${octal(f.mode)}${f.type === "dir" ? ", no sticky bit" : ""}).`,
            location: { path: f.path, layer: f.layer },
            expected: f.type === "dir" ? "not writable by others, or the sticky bit set (1777)" : "not writable by others",
            found: `${what} mode ${octal(f.mode)}, owner ${f.uid}:${f.gid}`,
          };
        }),
    );
  },
};
