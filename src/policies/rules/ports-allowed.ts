/** IMG-PORT-001: exposed ports are allowed, required ones are exposed, forbidden ones (SSH, telnet) are not. */
import { failIf, type Finding, type Rule } from "../types.js";

interface Options {
  /** When given, only these may be exposed. "8080/tcp", "53/udp", "8080" (tcp), "8000-8099/tcp". */
  allowed?: string[];
  /** Ports that must be exposed (single ports; a range means every port in it). */
  required?: string[];
  /** Ports that must not be exposed. */
  forbidden: string[];
}

const PORT_SPEC = "^[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp|sctp|TCP|UDP|SCTP))?$";

interface PortSpec {
  from: number;
  to: number;
  proto: string;
  text: string;
}

/** "8080" → 8080/tcp; "8000-8099/udp" → that range; undefined for anything else. */
export function parsePortSpec(text: string): PortSpec | undefined {
  const m = /^\s*(\d{1,5})(?:-(\d{1,5}))?(?:\/([a-z]+))?\s*$/i.exec(text);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535 || to < from) return undefined;
  const proto = (m[3] ?? "tcp").toLowerCase();
  return { from, to, proto, text: from === to ? `${from}/${proto}` : `${from}-${to}/${proto}` };
}

const covers = (spec: PortSpec, port: PortSpec) => spec.proto === port.proto && port.from >= spec.from && port.to <= spec.to;

export const rule: Rule<Options> = {
  id: "IMG-PORT-001",
  title: "Exposed ports are allowed",
  category: "config",
  severity: "medium",
  description:
    "No exposed port is in `forbidden` (default 22/tcp SSH and 23/tcp telnet); when `allowed` is given, every exposed port is in it; every port in `required` is exposed. A port without protocol means tcp; ranges like 8000-8099/tcp are accepted.",
  rationale:
    "An exposed SSH or telnet port means the image runs, or expects, a remote login daemon: a second way into the container beside the application, with its own credentials to leak (trivy's AVD-DS-0004 \"Port 22 exposed\"). CIS Docker Benchmark 5.8 asks that only needed ports are open on a container. Listing the ports a service may expose catches a debug or admin port left in by mistake.",
  remediation:
    "Expose only what the service listens on and drop the rest from the Dockerfile:\n" +
    "  EXPOSE 8080/tcp\n" +
    "Remove `EXPOSE 22` and the SSH server; use `docker exec` / `kubectl exec` (or an ephemeral debug container) to get a shell instead.",
  optionsSchema: {
    type: "object",
    properties: {
      allowed: { type: "array", items: { type: "string", pattern: PORT_SPEC }, description: "Only these may be exposed." },
      required: { type: "array", items: { type: "string", pattern: PORT_SPEC }, description: "These must be exposed." },
      forbidden: { type: "array", items: { type: "string", pattern: PORT_SPEC }, description: "These must not be exposed." },
    },
    additionalProperties: false,
  },
  defaultOptions: { forbidden: ["22/tcp", "23/tcp"] },
  check(facts, options) {
    const exposed = facts.config.exposedPorts.map((p) => ({ raw: p, spec: parsePortSpec(p) }));
    const list = (specs: string[] | undefined) => (specs ?? []).map(parsePortSpec).filter((s): s is PortSpec => s !== undefined);
    const forbidden = list(options.forbidden);
    const allowed = options.allowed === undefined ? undefined : list(options.allowed);
    const findings: Finding[] = [];
    const shownExposed = exposed.map((e) => e.raw).join(", ") || "none";

    for (const { raw, spec } of exposed) {
      const hit = spec && forbidden.find((f) => covers(f, spec));
      if (hit) {
        findings.push({
          message: `Port ${raw} is exposed, but the policy forbids ${hit.text}.`,
          location: { config: `ExposedPorts.${raw}` },
          expected: `not ${hit.text}`,
          found: raw,
        });
      } else if (allowed && !(spec && allowed.some((a) => covers(a, spec)))) {
        findings.push({
          message: `Port ${raw} is exposed, but is not among the allowed ports (${allowed.map((a) => a.text).join(", ") || "none"}).`,
          location: { config: `ExposedPorts.${raw}` },
          expected: `one of ${allowed.map((a) => a.text).join(", ") || "no ports"}`,
          found: raw,
        });
      }
    }
    for (const req of list(options.required)) {
      for (let port = req.from; port <= req.to; port++) {
        const want = { from: port, to: port, proto: req.proto, text: `${port}/${req.proto}` };
        if (exposed.some((e) => e.spec && covers(want, e.spec))) continue;
        findings.push({
          message: `Port ${want.text} is required but not exposed (exposed: ${shownExposed}).`,
          location: { config: "ExposedPorts" },
          expected: `EXPOSE ${want.text}`,
          found: shownExposed,
        });
      }
    }
    return failIf(findings);
  },
};
