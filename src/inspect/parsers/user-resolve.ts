/**
 * Resolves an image's `User` setting the way Docker (moby/sys/user
 * GetExecUser) does when it starts a container, without starting one.
 *
 * Rules:
 * - an empty or missing spec means root: uid 0, gid 0 (or root's gid from
 *   /etc/passwd when the image has an entry for uid 0);
 * - the spec is `user` or `user:group` (anything after a second `:` is
 *   ignored, as Docker does);
 * - a numeric user is always a uid, looked up in /etc/passwd only to find its
 *   name and primary gid; it need not be listed (gid then defaults to 0);
 * - a non-numeric user must be listed in /etc/passwd;
 * - an explicit group overrides the primary gid; a numeric group is always a
 *   gid and need not be listed; a group name must be listed in /etc/group;
 * - ids must lie in 0..2^31-1.
 *
 * `root` is true when the resulting uid is 0, and also when the spec names
 * user `root` but cannot be resolved (the intent is still root).
 * `numeric` is true when the user part of the spec is a number (what
 * Kubernetes' runAsNonRoot needs to verify the user without the image).
 */
import type { GroupEntry, PasswdEntry } from "./passwd.js";

export interface ResolvedUser {
  spec: string;
  user?: string;
  uid?: number;
  gid?: number;
  group?: string;
  root: boolean;
  numeric: boolean;
  resolved: boolean;
  problem?: string;
}

const MAX_ID = 0x7fffffff;

/** Like Go's strconv.Atoi: optional sign, decimal digits. */
function asNumber(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

function inRange(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 0 && id <= MAX_ID;
}

export function resolveUser(
  userSpec: string | undefined,
  passwd?: readonly PasswdEntry[],
  group?: readonly GroupEntry[],
): ResolvedUser {
  const spec = userSpec ?? "";
  const [userArg, groupArg = ""] = spec.split(":");
  const uidArg = asNumber(userArg);
  const gidArg = asNumber(groupArg);
  const numeric = uidArg !== undefined;
  const out: ResolvedUser = { spec, root: false, numeric, resolved: false };
  const fail = (problem: string): ResolvedUser => {
    out.problem = problem;
    out.root = out.uid === 0 || (out.uid === undefined && userArg === "root");
    return out;
  };

  let uid = 0;
  let gid = 0;
  let user: string | undefined;
  const match =
    userArg === ""
      ? passwd?.find((e) => e.uid === 0)
      : uidArg !== undefined
        ? passwd?.find((e) => e.uid === uidArg)
        : passwd?.find((e) => e.name === userArg);
  if (match) {
    user = match.name;
    uid = match.uid;
    gid = match.gid;
  } else if (userArg !== "") {
    if (uidArg === undefined) {
      return fail(
        passwd
          ? `user '${userArg}' is not in /etc/passwd`
          : `image has no /etc/passwd to resolve user '${userArg}'`,
      );
    }
    if (!inRange(uidArg)) return fail(`uid ${userArg} is out of range (0..${MAX_ID})`);
    uid = uidArg;
  }
  out.user = user;
  out.uid = uid;

  let groupName: string | undefined;
  if (groupArg !== "") {
    const g =
      gidArg !== undefined
        ? group?.find((e) => e.gid === gidArg)
        : group?.find((e) => e.name === groupArg);
    if (g) {
      gid = g.gid;
      groupName = g.name;
    } else if (gidArg === undefined) {
      return fail(
        group
          ? `group '${groupArg}' is not in /etc/group`
          : `image has no /etc/group to resolve group '${groupArg}'`,
      );
    } else if (!inRange(gidArg)) {
      return fail(`gid ${groupArg} is out of range (0..${MAX_ID})`);
    } else {
      gid = gidArg;
    }
  } else {
    groupName = group?.find((e) => e.gid === gid)?.name;
  }

  out.gid = gid;
  out.group = groupName;
  out.root = uid === 0;
  out.resolved = true;
  return out;
}
