/**
 * Parsers for the colon-separated account databases: /etc/passwd, /etc/group
 * and /etc/shadow. Pure functions over the file text.
 *
 * Conventions shared by all three parsers:
 * - line numbers are 1-based; CRLF line endings are accepted;
 * - blank lines and lines starting with `#` are skipped (the same leniency as
 *   glibc's and moby's readers);
 * - lines starting with `+` or `-` are NIS compat hooks, not accounts, and are
 *   skipped as well;
 * - any other line that does not have the expected number of fields, or whose
 *   numeric ids are not plain decimal numbers, is reported in `malformed`.
 */

export interface PasswdEntry {
  name: string;
  /** The raw password field: usually `x` (see /etc/shadow), `*`, or empty. */
  password: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  line: number;
}

export interface GroupEntry {
  name: string;
  password: string;
  gid: number;
  members: string[];
  line: number;
}

export interface ShadowEntry {
  name: string;
  /** The password field is empty: anyone can log in without a password (DKL-LI-0001). */
  emptyPassword: boolean;
  /** The password field starts with `!` or `*`: no password login is possible. */
  locked: boolean;
  line: number;
}

export interface MalformedLine {
  line: number;
  text: string;
}

export interface Parsed<T> {
  entries: T[];
  malformed: MalformedLine[];
}

export interface DuplicateId {
  id: number;
  /** Names sharing the id, in file order. */
  names: string[];
}

const MAX_ID = 0xffffffff;

function parseId(field: string): number | undefined {
  if (!/^\d{1,10}$/.test(field)) return undefined;
  const id = Number(field);
  return id <= MAX_ID ? id : undefined;
}

/** Splits text into records, skipping blanks, comments and NIS hooks. */
function records(text: string): { line: number; text: string; fields: string[] }[] {
  const out: { line: number; text: string; fields: string[] }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (raw.trim() === "" || raw.startsWith("#")) continue;
    if (raw.startsWith("+") || raw.startsWith("-")) continue;
    out.push({ line: i + 1, text: raw, fields: raw.split(":") });
  }
  return out;
}

/** Parses /etc/passwd: `name:password:uid:gid:gecos:home:shell`. */
export function parsePasswd(text: string): Parsed<PasswdEntry> {
  const entries: PasswdEntry[] = [];
  const malformed: MalformedLine[] = [];
  for (const r of records(text)) {
    const [name, password, uidField, gidField, gecos, home, shell] = r.fields;
    const uid = parseId(uidField ?? "");
    const gid = parseId(gidField ?? "");
    if (r.fields.length !== 7 || name === "" || uid === undefined || gid === undefined) {
      malformed.push({ line: r.line, text: r.text });
      continue;
    }
    entries.push({ name, password, uid, gid, gecos, home, shell, line: r.line });
  }
  return { entries, malformed };
}

/** Parses /etc/group: `name:password:gid:member,member`. */
export function parseGroup(text: string): Parsed<GroupEntry> {
  const entries: GroupEntry[] = [];
  const malformed: MalformedLine[] = [];
  for (const r of records(text)) {
    const [name, password, gidField, memberField] = r.fields;
    const gid = parseId(gidField ?? "");
    if (r.fields.length !== 4 || name === "" || gid === undefined) {
      malformed.push({ line: r.line, text: r.text });
      continue;
    }
    const members = memberField
      .split(",")
      .map((m) => m.trim())
      .filter((m) => m !== "");
    entries.push({ name, password, gid, members, line: r.line });
  }
  return { entries, malformed };
}

/**
 * Parses /etc/shadow: `name:password:lastchg:min:max:warn:inactive:expire:reserved`.
 * Only the name and the password state are kept. Lines need at least the
 * name and password fields (some minimal images write just those two) and at
 * most the nine standard fields.
 */
export function parseShadow(text: string): Parsed<ShadowEntry> {
  const entries: ShadowEntry[] = [];
  const malformed: MalformedLine[] = [];
  for (const r of records(text)) {
    const [name, password] = r.fields;
    if (r.fields.length < 2 || r.fields.length > 9 || name === "") {
      malformed.push({ line: r.line, text: r.text });
      continue;
    }
    entries.push({
      name,
      emptyPassword: password === "",
      locked: password.startsWith("!") || password.startsWith("*"),
      line: r.line,
    });
  }
  return { entries, malformed };
}

/**
 * Ids used by more than one entry (DKL-LI-0002): UIDs for passwd entries,
 * GIDs for group entries. Sorted by id.
 */
export function duplicateIds(entries: readonly PasswdEntry[]): DuplicateId[];
export function duplicateIds(entries: readonly GroupEntry[]): DuplicateId[];
export function duplicateIds(entries: readonly (PasswdEntry | GroupEntry)[]): DuplicateId[] {
  const byId = new Map<number, string[]>();
  for (const e of entries) {
    const id = "uid" in e ? e.uid : e.gid;
    const names = byId.get(id);
    if (names) names.push(e.name);
    else byId.set(id, [e.name]);
  }
  return [...byId]
    .filter(([, names]) => names.length > 1)
    .sort(([a], [b]) => a - b)
    .map(([id, names]) => ({ id, names }));
}

/** Names that appear on more than one line, each once, in order of first appearance. */
export function duplicateNames(entries: readonly { name: string }[]): string[] {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([name]) => name);
}
