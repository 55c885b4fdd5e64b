/**
 * Which settings of a policy's `runtime` section make the sandbox the image runs in
 * weaker than the hardened defaults (runtime-spec.ts): a writable root, no-new-privileges
 * off, a drop that is not ALL, any capability added, and a user that is, or may be, root.
 * A policy found in a checkout is as untrusted as the checkout's code, so these need an
 * opt-in there (load-policy.ts, `hardenOnly`). Everything else in the section only
 * hardens the run (limits, tmpfs mounts, which the probe mounts nosuid, nodev, 64 MB
 * whatever the policy says), or decides what is run and judged inside the container
 * (entrypoint, command, env, health, stop, timeouts), which the image decides anyway.
 */
import { shownText } from "./policy-types.js";

/** One weakening setting: where it is in the section (JSON path below `runtime`), and what it does. */
export interface Weakening {
  path: string[];
  what: string;
}

const capName = (c: string): string => c.trim().toUpperCase().replace(/^CAP_/, "");

/** A numeric id other than 0 ("65532"); a name may be 0 in the image's own /etc/passwd. */
const nonRootId = (id: string): boolean => /^\d+$/.test(id) && Number(id) !== 0;

function userWeakening(user: string): string | undefined {
  const [uid = "", gid] = user.split(":");
  if (/^\d+$/.test(uid) && Number(uid) === 0) return `runtime.user ${shownText(user)} runs it as root`;
  if (!nonRootId(uid)) return `runtime.user ${shownText(user)} names a user the image may map to root (a numeric uid other than 0 is allowed)`;
  if (gid !== undefined && !nonRootId(gid)) return `runtime.user ${shownText(user)} runs it in a group that is, or may be, root (a numeric gid other than 0 is allowed)`;
  return undefined;
}

/** The weakening settings of a runtime section as a policy file writes it (validated against the schema). */
export function runtimeWeakenings(section: Record<string, unknown> | undefined): Weakening[] {
  if (!section || typeof section !== "object") return [];
  const out: Weakening[] = [];
  if (section.readOnly === false) out.push({ path: ["readOnly"], what: "runtime.readOnly false makes the root filesystem writable" });
  if (section.noNewPrivileges === false) {
    out.push({ path: ["noNewPrivileges"], what: "runtime.noNewPrivileges false lets setuid files and file capabilities raise privileges" });
  }
  const drop = section.capDrop;
  if (Array.isArray(drop) && !drop.some((c) => typeof c === "string" && capName(c) === "ALL")) {
    out.push({ path: ["capDrop"], what: "runtime.capDrop does not drop ALL capabilities" });
  }
  const add = section.capAdd;
  if (Array.isArray(add)) {
    add.forEach((c, i) => {
      if (typeof c === "string") out.push({ path: ["capAdd", String(i)], what: `runtime.capAdd adds ${shownText(capName(c), 40, false)}` });
    });
  }
  if (typeof section.user === "string") {
    const what = userWeakening(section.user);
    if (what) out.push({ path: ["user"], what });
  }
  return out;
}

/** The message of a weakening setting found in an untrusted policy: what it does, and the opt-in. */
export function weakeningMessage(w: Weakening): string {
  return `${w.what}, which weakens the sandbox the image runs in: a policy found in the working directory (not named with --policy) may only harden it, unless allowed with --trust-policy`;
}
