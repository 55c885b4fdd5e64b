/**
 * The user a container starts as, computed the way the engine and runc compute it, so
 * that what we report is what runs. The engine (moby's daemon, with runc's
 * libcontainer/user, as Docker 20.10 builds it) resolves the config's USER against the
 * image's /etc/passwd and /etc/group into numbers, truncated to uint32; runc then looks
 * `uid:gid` up again in the container, adds the supplementary groups, and calls
 * setgroups, setgid and setuid. Their reading of the files is lenient in ways that
 * matter:
 *
 * - every line is split on ':' and fields are assigned in order (missing ones stay empty
 *   or 0); numbers are strconv.Atoi with the error ignored, so `10001x` is 0 and a number
 *   past 2^63 is clamped to it; leading and trailing white space (Unicode's) is trimmed;
 * - /etc/passwd: no comment lines (`#x` is a user named `#x` with uid 0); a line of 64 KiB
 *   or more fails the whole lookup (bufio.Scanner), whatever USER is;
 * - /etc/group: blank lines and `#` lines skipped, lines of any length;
 * - the FIRST matching line wins; a numeric USER matches by number, anything else by name;
 * - a uid found in /etc/passwd is not range-checked, so `uid 4294967296` is 0 (root);
 * - a supplementary group is looked up by name or number, so a group named `1000` gives
 *   its gid to whoever runs with gid 1000.
 *
 * Our own (strict) parse of the files for the account facts is passwd.ts; this file
 * answers only "which uid, gid and groups does the process get, or does it not start".
 */
import { asBytes, fromBytes, goAtoi, goItoa, splitColons, toUint32, trimSpace } from "./go-text.js";

/** What the engine finds at an account file's path (symlinks followed inside the root). */
export type AccountSource =
  | { kind: "absent" }
  | { kind: "bytes"; bytes: Uint8Array }
  /** It opens but cannot be read (a directory): the lookup fails when it reads it. */
  | { kind: "read-error"; why: string }
  /** It is there, but what the engine would read from it is not known (too big to read, a device…). */
  | { kind: "unknown"; why: string };

export type EngineUser =
  | { outcome: "runs"; uid: number; gid: number; groups: number[]; user?: string; group?: string }
  | { outcome: "refused"; problem: string; file?: "passwd" | "group" }
  | { outcome: "unknown"; problem: string; file: "passwd" | "group" };

/** bufio.Scanner's default limit: /etc/passwd lines must be shorter. */
export const SCANNER_MAX_LINE = 64 * 1024;
const MAX_ID = 2n ** 31n - 1n;
const NO_ID = 0xffffffff;

interface PwLine {
  name: string;
  uid: bigint;
  gid: bigint;
}
interface GrLine {
  name: string;
  gid: bigint;
  list: string[];
}

type Step<T> = { ok: true; value: T } | { ok: false; fail: EngineUser & { outcome: "refused" | "unknown" } };
const refused = (problem: string, file?: "passwd" | "group"): { ok: false; fail: EngineUser & { outcome: "refused" } } => ({ ok: false, fail: { outcome: "refused", problem, ...(file ? { file } : {}) } });

/** The trimmed, non-blank lines of a file; undefined when one is as long as `maxLine` or longer. */
function lines(b: Uint8Array, maxLine: number, skipComments: boolean): [number, number][] | undefined {
  const out: [number, number][] = [];
  let s = 0;
  while (s < b.length) {
    let e = b.indexOf(0x0a, s);
    const next = e < 0 ? b.length : e + 1;
    if (e < 0) e = b.length;
    if (e - s >= maxLine) return undefined;
    const [ts, te] = trimSpace(b, s, e);
    if (te > ts && !(skipComments && b[ts] === 0x23)) out.push([ts, te]);
    s = next;
  }
  return out;
}

const num = (f: string | undefined): bigint => (f === undefined ? 0n : goAtoi(f).value);

function readPasswd(src: AccountSource, who: string): Step<PwLine[]> {
  if (src.kind === "absent") return { ok: true, value: [] };
  if (src.kind === "unknown") return { ok: false, fail: { outcome: "unknown", problem: `/etc/passwd cannot be read here (${src.why})`, file: "passwd" } };
  if (src.kind === "read-error") return refused(`unable to find user ${who}: /etc/passwd cannot be read (${src.why})`, "passwd");
  const ls = lines(src.bytes, SCANNER_MAX_LINE, false);
  if (ls === undefined) return refused(`unable to find user ${who}: /etc/passwd has a line of 64 KiB or more (bufio.Scanner: token too long)`, "passwd");
  return {
    ok: true,
    value: ls.map(([s, e]) => {
      const f = splitColons(src.bytes, s, e);
      return { name: f[0]!, uid: num(f[2]), gid: num(f[3]) };
    }),
  };
}

function readGroup(src: AccountSource, what: string): Step<GrLine[]> {
  if (src.kind === "absent") return { ok: true, value: [] };
  if (src.kind === "unknown") return { ok: false, fail: { outcome: "unknown", problem: `/etc/group cannot be read here (${src.why})`, file: "group" } };
  if (src.kind === "read-error") return refused(`${what}: /etc/group cannot be read (${src.why})`, "group");
  const ls = lines(src.bytes, Infinity, true)!;
  return {
    ok: true,
    value: ls.map(([s, e]) => {
      const f = splitColons(src.bytes, s, e);
      return { name: f[0]!, gid: num(f[2]), list: f[3] === undefined || f[3] === "" ? [] : f[3].split(",") };
    }),
  };
}

interface ExecUser {
  uid: bigint;
  gid: bigint;
  sgids: bigint[];
  /** The name of the /etc/passwd line that matched ("" when none did). */
  name: string;
}

/** libcontainer/user GetExecUser: `spec` in latin1-of-UTF-8 form. */
function getExecUser(spec: string, passwd: AccountSource, group: AccountSource): Step<ExecUser> {
  const parts = spec.split(":");
  const userArg = parts[0] ?? "";
  const groupArg = parts[1] ?? "";
  const uidArg = goAtoi(userArg);
  const gidArg = goAtoi(groupArg);
  const user: ExecUser = { uid: 0n, gid: 0n, sgids: [], name: "" };
  const shownUser = fromBytes(userArg === "" ? "0" : userArg);

  const pw = readPasswd(passwd, shownUser);
  if (!pw.ok) return pw;
  const match = pw.value.find((u) => (userArg === "" ? u.uid === user.uid : uidArg.error === undefined ? u.uid === uidArg.value : u.name === userArg));
  if (match) {
    user.name = match.name;
    user.uid = match.uid;
    user.gid = match.gid;
  } else if (userArg !== "") {
    if (uidArg.error !== undefined) {
      const why = passwd.kind === "absent" ? `the image has no /etc/passwd to resolve user '${shownUser}'` : `user '${shownUser}' is not in /etc/passwd`;
      return refused(why, "passwd");
    }
    user.uid = uidArg.value;
    if (user.uid < 0n || user.uid > MAX_ID) return refused(`uid ${shownUser} is out of range (0..${MAX_ID})`, "passwd");
  }

  if (groupArg !== "" || user.name !== "") {
    const shownGroup = fromBytes(groupArg);
    const gr = readGroup(group, groupArg !== "" ? `unable to find group ${shownGroup}` : `unable to find groups for user ${fromBytes(user.name)}`);
    if (!gr.ok) return gr;
    const matched = gr.value.filter((g) => (groupArg === "" ? g.list.includes(user.name) : gidArg.error === undefined ? g.gid === gidArg.value : g.name === groupArg));
    if (groupArg !== "") {
      if (matched.length > 0) user.gid = matched[0]!.gid;
      else {
        if (gidArg.error !== undefined) {
          const why = group.kind === "absent" ? `the image has no /etc/group to resolve group '${shownGroup}'` : `group '${shownGroup}' is not in /etc/group`;
          return refused(why, "group");
        }
        user.gid = gidArg.value;
        if (user.gid < 0n || user.gid > MAX_ID) return refused(`gid ${shownGroup} is out of range (0..${MAX_ID})`, "group");
      }
    } else user.sgids = matched.map((g) => g.gid);
  }
  return { ok: true, value: user };
}

/** libcontainer/user GetAdditionalGroups: each group by name or number, the first line not yet taken. */
function additionalGroups(wanted: string[], group: AccountSource): Step<bigint[]> {
  let lines: GrLine[] = [];
  if (group.kind !== "absent") {
    const gr = readGroup(group, `unable to find additional groups ${wanted.join(",")}`);
    if (!gr.ok) return gr;
    lines = gr.value.filter((g) => wanted.some((w) => g.name === w || goItoa(g.gid) === w));
  }
  const gids = new Set<bigint>();
  for (const w of wanted) {
    const hit = lines.find((g) => (g.name === w || goItoa(g.gid) === w) && !gids.has(g.gid));
    if (hit) {
      gids.add(hit.gid);
      continue;
    }
    const n = goAtoi(w);
    if (n.error !== undefined) return refused(`unable to find group ${fromBytes(w)}`, "group");
    if (n.value < 0n || n.value > MAX_ID) return refused(`additional gid ${w} is out of range (0..${MAX_ID})`, "group");
    gids.add(n.value);
  }
  return { ok: true, value: [...gids] };
}

/**
 * The uid, gid and supplementary groups a container of the image starts with, given the
 * config's USER and what the engine finds at /etc/passwd and /etc/group; or why it does
 * not start; or why we cannot tell.
 */
export function engineUser(spec: string, passwd: AccountSource, group: AccountSource): EngineUser {
  // the daemon: the config's USER to numbers
  const daemon = getExecUser(asBytes(spec), passwd, group);
  if (!daemon.ok) return daemon.fail;
  const uid = toUint32(daemon.value.uid);
  const gid = toUint32(daemon.value.gid);
  const extra = [gid, ...daemon.value.sgids.map(toUint32)].map(String);
  // runc, in the container: `uid:gid` looked up again, then the supplementary groups
  const runc = getExecUser(`${uid}:${gid}`, passwd, group);
  if (!runc.ok) return runc.fail;
  const sup = additionalGroups(extra, group);
  if (!sup.ok) return sup.fail;
  const groups = sup.value.map(toUint32).sort((a, b) => a - b);
  const finalGid = toUint32(runc.value.gid);
  const finalUid = toUint32(runc.value.uid);
  if (groups.includes(NO_ID)) return { outcome: "refused", problem: `setgroups: gid ${NO_ID} is not a valid group`, file: "group" };
  if (finalGid === NO_ID) return { outcome: "refused", problem: `setgid: gid ${NO_ID} is not a valid group`, file: "group" };
  if (finalUid === NO_ID) return { outcome: "refused", problem: `setuid: uid ${NO_ID} is not a valid user`, file: "passwd" };
  const out: EngineUser = { outcome: "runs", uid: finalUid, gid: finalGid, groups };
  if (daemon.value.name !== "") out.user = fromBytes(daemon.value.name);
  // (for display: the first group line with that gid)
  const named = group.kind === "bytes" ? readGroup(group, "") : undefined;
  const g = named?.ok ? named.value.find((l) => l.gid === runc.value.gid && l.name !== "") : undefined;
  if (g) out.group = fromBytes(g.name);
  return out;
}
