/**
 * Resolves an image's `User` setting to the uid, gid and groups a container of it gets,
 * as the engine and runc compute them (exec-user.ts), without starting one; or says
 * that the engine would refuse to start it, or that we cannot tell (an account file
 * that is there but could not be read).
 *
 * `root` is true when the resulting uid is 0; when the user is not resolved, it is true
 * when the spec's intent is root (unset, `root`, or the number 0).
 * `numeric` is true when the user part of the spec is a number (what Kubernetes'
 * runAsNonRoot needs to verify the user without the image).
 */
import { engineUser, type AccountSource } from "./exec-user.js";

export type { AccountSource } from "./exec-user.js";

export interface ResolvedUser {
  spec: string;
  user?: string;
  uid?: number;
  gid?: number;
  group?: string;
  /** The supplementary groups the process starts with (runc's setgroups), sorted. */
  groups?: number[];
  root: boolean;
  numeric: boolean;
  /** The uid and gid are what a container runs with (`status` "runs"). */
  resolved: boolean;
  /**
   * "runs": uid, gid and groups are what the engine starts the container with;
   * "refused": the engine would not start it (`problem` says why);
   * "unknown": an account file is there but could not be read, so the user is not known.
   */
  status: "runs" | "refused" | "unknown";
  problem?: string;
  /** The file the problem is in. */
  problemFile?: "passwd" | "group";
}

const ABSENT: AccountSource = { kind: "absent" };

/** The user part is a number, as the engine tells (strconv.Atoi). */
const isNumber = (s: string) => /^[+-]?\d+$/.test(s) && s.replace(/^[+-]/, "").length <= 18;

export function resolveUser(userSpec: string | undefined, passwd: AccountSource = ABSENT, group: AccountSource = ABSENT): ResolvedUser {
  const spec = userSpec ?? "";
  const userArg = spec.split(":")[0] ?? "";
  const numeric = isNumber(userArg);
  const r = engineUser(spec, passwd, group);
  if (r.outcome === "runs") {
    const out: ResolvedUser = { spec, uid: r.uid, gid: r.gid, groups: r.groups, root: r.uid === 0, numeric, resolved: true, status: "runs" };
    if (r.user !== undefined) out.user = r.user;
    if (r.group !== undefined) out.group = r.group;
    return out;
  }
  const rootIntent = userArg === "" || userArg === "root" || (numeric && Number(userArg) === 0);
  const out: ResolvedUser = { spec, root: rootIntent, numeric, resolved: false, status: r.outcome, problem: r.problem };
  if (r.file !== undefined) out.problemFile = r.file;
  return out;
}
