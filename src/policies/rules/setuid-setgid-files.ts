/** IMG-FS-003: no setuid, setgid or file-capability programs outside an allow list (CIS 4.8, dockle CIS-DI-0008). */
import type { FileFact } from "../../inspect/facts/types.js";
import { capabilitySetText } from "../../inspect/parsers/file-capabilities.js";
import { failIf, type Finding, type Rule } from "../types.js";
import { allowSchema, octal, pathMatcher, where, globLists } from "./path-glob.js";

interface Options {
  /** Files whose setuid/setgid bits and file capabilities are accepted: globs over the path, or base names. */
  allow: string[];
}

function bits(f: FileFact): string {
  return [f.mode & 0o4000 ? "setuid" : "", f.mode & 0o2000 ? "setgid" : ""].filter(Boolean).join(" and ");
}

export const rule: Rule<Options> = {
  id: "IMG-FS-003",
  title: "No setuid or setgid files, nor file capabilities",
  category: "filesystem",
  severity: "high",
  cis: "4.8",
  description:
    "No regular file has the setuid (04000) or setgid (02000) bit, or file capabilities (the security.capability attribute, `setcap`), apart from those in `allow`.",
  rationale:
    "CIS Docker Benchmark 4.8 (Ensure setuid and setgid permissions are removed), dockle CIS-DI-0008: a setuid-root program runs as root whoever starts it, so any flaw in it (su, passwd, mount, chsh, newgrp, …) is a privilege escalation from the container's user to root in the container. Containers rarely need them: there is no interactive login. File capabilities are the same escalation by other means: `setcap cap_setuid+ep` on a program lets any user who runs it become root, and no mode bit shows it.",
  remediation:
    "Clear the bits in the last stage, after every package is installed:\n" +
    "  RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true\n" +
    "and remove file capabilities with `setcap -r FILE` (a server that binds a low port can be given NET_BIND_SERVICE by the runtime instead);\n" +
    "or ship a base without them (distroless, scratch). A program that must keep its bit or capability goes in `allow`, e.g. `allow: [/usr/bin/ping]`.",
  optionsSchema: {
    type: "object",
    properties: { allow: allowSchema("Files whose setuid/setgid bits and file capabilities are accepted") },
    additionalProperties: false,
  },
  defaultOptions: { allow: [] },
  patterns: globLists("allow"),
  check(facts, options) {
    const allowed = pathMatcher(options.allow);
    const byPath = new Map<string, FileFact>();
    for (const f of [...facts.filesystem.setuid, ...facts.filesystem.setgid]) byPath.set(f.path, f);
    const findings: Finding[] = [];
    for (const f of byPath.values()) {
      if (allowed(f.path)) continue;
      findings.push({
        message: `${where(f)} is ${bits(f)} (mode ${octal(f.mode)}, owner ${f.uid}:${f.gid}).`,
        location: { path: f.path, layer: f.layer },
        expected: "no setuid or setgid bit",
        found: `mode ${octal(f.mode)} (${bits(f)}), owner ${f.uid}:${f.gid}`,
      });
    }
    for (const f of facts.filesystem.fileCapabilities ?? []) {
      if (allowed(f.path)) continue;
      const caps = f.malformed ? "an unreadable security.capability attribute" : `file capabilities ${capabilitySetText(f.capabilities, f.effective)}`;
      findings.push({
        message: `${where(f)} has ${caps} (owner ${f.uid}:${f.gid}).`,
        location: { path: f.path, layer: f.layer },
        expected: "no file capabilities",
        found: caps,
      });
    }
    return failIf(findings);
  },
};
