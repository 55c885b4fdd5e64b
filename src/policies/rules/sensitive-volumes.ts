/** IMG-VOL-001: no VOLUME on a sensitive path (dockle DKL-DI-0002). */
import { failIf, type Rule } from "../types.js";
import { allowSchema, pathMatcher, globLists } from "./path-glob.js";

interface Options {
  /** Sensitive paths: globs over the volume path. */
  sensitive: string[];
  /** Volumes accepted even though they match `sensitive`. */
  allow: string[];
}

/** "/etc/" → "/etc", "//var//run/" → "/var/run" */
function normalVolume(v: string): string {
  return "/" + v.split("/").filter((s) => s !== "" && s !== ".").join("/");
}

export const rule: Rule<Options> = {
  id: "IMG-VOL-001",
  title: "No VOLUME on a sensitive path",
  category: "config",
  severity: "medium",
  description:
    "No VOLUME in the config (`config.volumes`) is the root, a system directory or the engine's socket: /, /etc, /root, /home, /boot, /usr, /bin, /sbin, /lib, /lib64, /proc, /sys, /dev (and below these three), /run, /var/run, /var/run/docker.sock, /run/docker.sock, /var/lib/docker. The list is the option `sensitive` (globs).",
  rationale:
    "dockle DKL-DI-0002 (Avoid sensitive directory mounting): a VOLUME makes the engine mount something there on every run. On /proc, /sys or /dev it hides what the kernel provides; on /, /etc, /usr or /root it copies system files into an anonymous volume that outlives the container, so the next image version runs with the old files; and a VOLUME for the Docker socket invites `-v /var/run/docker.sock:/var/run/docker.sock`, which hands the container root on the host.",
  remediation:
    "Declare volumes only for the data the program writes:\n" +
    "  VOLUME /var/lib/app\n" +
    "and remove the VOLUME line for the sensitive path; bind what must be bound at run time, deliberately, with `docker run -v`.",
  optionsSchema: {
    type: "object",
    properties: {
      sensitive: allowSchema("Sensitive volume paths"),
      allow: allowSchema("Volumes accepted though they match `sensitive`"),
    },
    additionalProperties: false,
  },
  defaultOptions: {
    sensitive: [
      "/", "/etc", "/root", "/home", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib64",
      "/proc", "/proc/**", "/sys", "/sys/**", "/dev", "/dev/**",
      "/run", "/var/run", "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker",
    ],
    allow: [],
  },
  patterns: globLists("sensitive", "allow"),
  check(facts, options) {
    const sensitive = pathMatcher(options.sensitive);
    const allowed = pathMatcher(options.allow);
    return failIf(
      facts.config.volumes
        .filter((v) => sensitive(normalVolume(v)) && !allowed(normalVolume(v)))
        .map((v) => ({
          message: `VOLUME ${v} mounts over a sensitive path.`,
          location: { path: normalVolume(v), config: "Volumes" },
          expected: "volumes only for application data",
          found: `VOLUME ${v}`,
        })),
    );
  },
};
