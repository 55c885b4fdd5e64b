/** IMG-RUN-005: PID 1 has no effective capability beyond those the policy adds back. */
import { CAPABILITIES } from "../runtime-spec.js";
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { listOf, ranOrSkip } from "./runtime-helpers.js";

type Options = Record<string, never>;

const capName = (c: string): string => c.trim().toUpperCase().replace(/^CAP_/, "");

/** Capability names from a CapEff mask as /proc/PID/status shows it (hex, e.g. "00000000a80425fb"). */
export function decodeCapEff(hex: string): string[] {
  const text = hex.trim().replace(/^0x/i, "");
  if (!/^[0-9a-f]+$/i.test(text)) return [];
  const mask = BigInt(`0x${text}`);
  const out: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) out.push(CAPABILITIES[bit] ?? `CAP_${bit}`);
  }
  return out;
}

export const rule: Rule<Options> = {
  id: "IMG-RUN-005",
  title: "The container has no capabilities beyond those the policy adds",
  category: "runtime",
  severity: "high",
  cis: "5.3",
  description:
    "The effective capability set of PID 1, read from the kernel while the container runs, holds only the capabilities in `runtime.capAdd` (none by default; the profile drops ALL). A capability the process has without the policy adding it fails, named.",
  rationale:
    "CIS Docker Benchmark 5.3 (Ensure that Linux kernel capabilities are restricted within containers): the engine's default set (CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW, …) lets a compromised process read and change any file, change its uid, and craft raw packets. Proving the service runs with none, or only the one it needs (NET_BIND_SERVICE for a port below 1024), is what lets it run under `--cap-drop ALL` and Kubernetes `capabilities: { drop: [ALL] }`.",
  remediation:
    "Keep `runtime.capDrop: [ALL]` (the default) and add back only what the service needs in `runtime.capAdd`, with the same list in the deployment (`docker run --cap-drop ALL --cap-add NET_BIND_SERVICE`, Kubernetes `securityContext.capabilities`). Listen on a port above 1024 instead of adding NET_BIND_SERVICE. A non-root process gets capabilities from file capabilities on its program (`setcap`): remove them (`setcap -r /app`) unless the policy adds them.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const { rt, outcome } = ranOrSkip(facts);
    if (!rt) return outcome;
    const id = rt.identity;
    if (!id) return skip(rt.exited ? "the container exited before the capabilities of its PID 1 could be read" : "the capabilities of PID 1 were not read");
    const allowed = new Set((rt.profile?.capAdd ?? []).map(capName));
    if (allowed.has("ALL")) return pass();
    const named = id.capabilities.map(capName).filter((c) => c !== "");
    const effective = named.length ? named : decodeCapEff(id.capEff);
    const extra = [...new Set(effective)].filter((c) => !allowed.has(c));
    if (!extra.length) return pass();
    const drop = (rt.profile?.capDrop ?? []).map(capName);
    const why = drop.includes("ALL")
      ? id.uid === 0
        ? ""
        : " A non-root process gets them from file capabilities on its program (setcap) or from ambient capabilities."
      : ` The profile does not drop ALL (runtime.capDrop: [${drop.join(", ")}]), so the engine's default set stays.`;
    const allowedText = allowed.size ? [...allowed].join(", ") : "none";
    return fail({
      message: `PID 1 (uid ${id.uid}) has ${extra.length === 1 ? "an effective capability" : `${extra.length} effective capabilities`} the policy does not add: ${listOf(extra, 12)} (CapEff ${id.capEff}).${why}`,
      expected: `effective capabilities: ${allowedText} (runtime.capAdd)`,
      found: listOf(effective, 12),
    });
  },
};
