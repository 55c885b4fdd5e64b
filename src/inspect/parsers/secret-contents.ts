/**
 * Finds known token formats inside a text file as its bytes stream by (file-watch.ts,
 * in the one pass over a layer that also searches for private keys):
 *
 * - the detectors of secret-detectors.ts that have a literal prefix: AWS access key ids
 *   (`AKIA`/`ASIA`), GitHub (`ghp_`, `gho_`, `ghs_`, `ghu_`, `ghr_`, `github_pat_`),
 *   GitLab `glpat-`, Slack `xox?-`, Stripe `sk_live_`/`rk_live_`, Google `AIza`, npm
 *   `npm_`, PyPI `pypi-`;
 * - an AWS secret access key: 40 of [A-Za-z0-9/+] assigned (`=` or `:`) to a key
 *   spelled `…secret_access_key`, `…SECRET_ACCESS_KEY` or `…secretAccessKey`;
 * - a URL with an inline password (`scheme://user:password@`, which covers the lines of
 *   `.git-credentials`); a password that is a template (`$…`, `{…`, `%…`, `<…`), a
 *   placeholder of documentation (`pass`, `passwd`, `password`, `pw`, `pwd`, `secret`,
 *   `xxx`, `***`) or holds a `:` (`cvs://:pserver:anoncvs@host`) is not one;
 * - by path: `_authToken=` in an `.npmrc`/`npmrc`, `"auth"`/`"identitytoken"` in a
 *   `.docker/config.json` or a containers `auth.json`, `password` in a `.netrc`/`_netrc`.
 *
 * JWTs are not looked for in files (they fill test data and documentation; ENV and
 * history still flag them). Private key blocks are the key finder's (private-key.ts).
 *
 * Bounds: the first SECRET_CONTENT_SCAN_BYTES of data (the key finder's 1 MiB; holes of a
 * sparse file are not counted); a file with a NUL byte in its first BINARY_PROBE bytes is
 * binary and not searched; at most MAX_PER_FILE findings per file, one per value. A token
 * split across pieces is found: the last bytes of each piece are carried into the next.
 *
 * What leaves the finder is never the value: its kind, line, redacted form
 * (`<kind xx… N chars>`, redactedForm) and the sha256 of the value (for `accept`).
 */
import { createHash } from "node:crypto";
import { PRIVATE_KEY_SCAN_BYTES } from "./private-key.js";
import { redactedForm, SECRET_DETECTORS } from "./secret-detectors.js";

/** How much of a file's data is searched: the same first 1 MiB as for a private key. */
export const SECRET_CONTENT_SCAN_BYTES = PRIVATE_KEY_SCAN_BYTES;
/** A NUL in this many first bytes makes a file binary (git's test). */
export const BINARY_PROBE = 8000;
/** Findings kept per file. */
export const MAX_PER_FILE = 16;

export interface SecretContentFinding {
  /** e.g. `github-token`, `url-credentials`, `npm-auth-token`. */
  kind: string;
  /** 1-based line of the token's start. */
  line: number;
  /** `<kind xx… N chars>`. */
  redacted: string;
  /** `sha256:<hex>` of the value. */
  sha256: string;
}

/** Longest token window read after a needle (bounds every quantifier below). */
const AFTER = 600;
/** Bytes read before a needle (a URL's scheme, a word boundary). */
const BEFORE = 40;

type Judge = (text: string, at: number) => { value: string; at: number } | undefined;

interface Needle {
  bytes: Buffer;
  /** The same, as a latin1 string. */
  text: string;
  /** Where in `bytes` its trigger byte is (see TRIGGERS). */
  trigger: number;
  kind: string;
  judge: Judge;
  /** Only in files whose path this accepts. */
  path?: (path: string) => boolean;
  /** A cheap look at the bytes before the judge runs. */
  pre?: (buf: Buffer, at: number) => boolean;
}

const WORD = /[A-Za-z0-9_]/;
const boundaryBefore = (text: string, at: number) => at === 0 || !WORD.test(text[at - 1]!);

/** A sticky regex at the token's start (`shift` bytes before the needle), value in group `group` (0: all). */
function sticky(source: string, shift = 0, group = 0): Judge {
  const re = new RegExp(source.replace(/^\\b/, "").replace(/\{(\d+),\}/g, "{$1,255}"), "y");
  return (text, at) => {
    const start = at - shift;
    if (start < 0 || !boundaryBefore(text, start)) return undefined;
    re.lastIndex = start;
    const m = re.exec(text);
    const value = m?.[group];
    return value ? { value, at: start } : undefined;
  };
}

function detectorSource(kind: string, prefix?: string): string {
  const d = SECRET_DETECTORS.find((x) => x.kind === kind && (prefix === undefined || x.pattern.source.includes(prefix)));
  if (!d) throw new Error(`no detector ${kind}`);
  return d.pattern.source;
}

const TEMPLATE = /^[${%<]/;
/** Passwords that documentation and help texts write in example URLs (`http://user:pass@proxy`). */
const PLACEHOLDER = /^(?:pass(?:wd|word)?|pwd?|secret|[x*.]+)$/i;
const URL_AT = /([a-z][a-z0-9+.-]{0,31}):\/\/([^\s/:@'"`]{0,256}):([^\s/@'"`]{1,256})@/iy;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/** Whether an '@' follows `://` before the URL's path, a space or a quote: most URLs have none. */
function urlHasAt(buf: Buffer, at: number): boolean {
  const end = Math.min(buf.length, at + 3 + 520);
  for (let k = at + 3; k < end; k++) {
    const c = buf[k]!;
    if (c === 0x40) return true;
    if (c === 0x2f || c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x60) return false;
  }
  return false;
}

const urlCredentials: Judge = (text, at) => {
  let s = at;
  while (s > 0 && at - s < 32 && SCHEME_CHAR.test(text[s - 1]!)) s--;
  while (s < at && !/[A-Za-z]/.test(text[s]!)) s++;
  if (s === at || !boundaryBefore(text, s)) return undefined;
  URL_AT.lastIndex = s;
  const m = URL_AT.exec(text);
  const pass = m?.[3];
  if (!pass || TEMPLATE.test(pass) || PLACEHOLDER.test(pass) || pass.includes(":")) return undefined;
  return { value: pass, at: s };
};

/** Every path a path-picked needle is for ends so (a cheap first look, no allocation). */
const PATH_HINT = /(?:npmrc|netrc|\/config\.json|\/auth\.json)$/;
const baseOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const isNpmrc = (p: string) => baseOf(p) === ".npmrc" || baseOf(p) === "npmrc";
const isDockerAuth = (p: string) => p.endsWith("/.docker/config.json") || p.endsWith("/containers/auth.json");
const isNetrc = (p: string) => baseOf(p) === ".netrc" || baseOf(p) === "_netrc";

const AWS_SECRET = /(?:ecret_access_key|ECRET_ACCESS_KEY|ecretAccessKey)["']?[ \t]{0,8}[:=][ \t]{0,8}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/y;
const NPM_AUTH = /_authToken[ \t]{0,8}=[ \t]{0,8}["']?([^\s"'$][^\s"']{0,511})/y;
const DOCKER_AUTH = /"(?:auth|identitytoken)"[ \t\r\n]{0,16}:[ \t\r\n]{0,16}"([^"\\\s]{1,512})"/y;
const NETRC_PASSWORD = /password[ \t]+(\S{1,512})/y;

function group1(re: RegExp, check = (_: string) => true): Judge {
  return (text, at) => {
    re.lastIndex = at;
    const v = re.exec(text)?.[1];
    return v && check(v) ? { value: v, at } : undefined;
  };
}

/**
 * How the bytes are searched. A search for a short needle costs as many stops as its first
 * byte occurs (`e`, `n`, `g` occur everywhere), and a pass over the bytes per needle would
 * cost 20 passes. So most needles share a pass: the buffer is searched (memchr) for one
 * byte each holds, its trigger (the last `A`, `_` or `-` in the needle, by TRIGGERS' order), and
 * each stop is first checked against the two bytes before and the byte after that trigger in
 * some needle (one table look-up each) before the needles themselves (`AIza` has its own
 * pass, on `z`). `://` and the needles of a file picked by its path (small files) are
 * searched for whole. Five passes in all.
 */
const TRIGGERS = "A_-";

function needle(s: string, kind: string, judge: Judge, path?: (p: string) => boolean, triggers = TRIGGERS): Needle {
  let trigger = -1;
  if (!path && s !== "://") for (const t of triggers) if (trigger === -1 && s.includes(t)) trigger = s.lastIndexOf(t);
  return { bytes: Buffer.from(s, "latin1"), text: s, trigger, kind, judge, ...(path ? { path } : {}) };
}

/** The needles of one pass: a trigger byte (with the bytes that may come before and after it), or a needle searched for whole. */
interface Pass {
  find: number | Buffer;
  needles: readonly Needle[];
  /** For a trigger: 1 where the byte before it may be one of a needle's (all 1 when a needle starts with it). */
  before?: Uint8Array;
  before2?: Uint8Array;
  after?: Uint8Array;
}

function passesOf(needles: readonly Needle[]): Pass[] {
  const passes: Pass[] = [];
  const byByte = new Map<number, Needle[]>();
  for (const n of needles) {
    if (n.trigger === -1) {
      passes.push({ find: n.bytes, needles: [n] });
      continue;
    }
    const t = n.bytes[n.trigger]!;
    const list = byByte.get(t);
    if (list) list.push(n);
    else byByte.set(t, [n]);
  }
  for (const [t, list] of byByte) {
    const before = new Uint8Array(256);
    const before2 = new Uint8Array(256);
    const after = new Uint8Array(256);
    for (const n of list) {
      if (n.trigger === 0) before.fill(1);
      else before[n.bytes[n.trigger - 1]!] = 1;
      if (n.trigger <= 1) before2.fill(1);
      else before2[n.bytes[n.trigger - 2]!] = 1;
      if (n.trigger === n.bytes.length - 1) after.fill(1);
      else after[n.bytes[n.trigger + 1]!] = 1;
    }
    passes.push({ find: t, needles: list, before, before2, after });
  }
  return passes;
}

const GITHUB = sticky(detectorSource("github-token", "gh[pousr]"));
const NEEDLES: readonly Needle[] = [
  needle("AKIA", "aws-access-key-id", sticky(detectorSource("aws-access-key-id"))),
  needle("ASIA", "aws-access-key-id", sticky(detectorSource("aws-access-key-id"))),
  ...["ghp_", "gho_", "ghs_", "ghu_", "ghr_"].map((p) => needle(p, "github-token", GITHUB)),
  needle("github_pat_", "github-token", sticky(detectorSource("github-token", "github_pat_"))),
  needle("glpat-", "gitlab-token", sticky(detectorSource("gitlab-token"))),
  ...["xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"].map((p) => needle(p, "slack-token", sticky(detectorSource("slack-token")))),
  needle("k_live_", "stripe-key", sticky(detectorSource("stripe-key"), 1)),
  // (on `z`: an `A` pass stop is checked by the bytes before it, which AIza has none of)
  needle("AIza", "google-api-key", sticky(detectorSource("google-api-key")), undefined, "z"),
  needle("npm_", "npm-token", sticky(detectorSource("npm-token"))),
  needle("pypi-AgEIcHlwaS5vcmc", "pypi-token", sticky(detectorSource("pypi-token"))),
  ...["ecret_access_key", "ECRET_ACCESS_KEY", "ecretAccessKey"].map((p) => needle(p, "aws-secret-key", group1(AWS_SECRET))),
  { ...needle("://", "url-credentials", urlCredentials), pre: urlHasAt },
  needle("_authToken", "npm-auth-token", group1(NPM_AUTH), isNpmrc),
  needle('"auth"', "docker-auth", group1(DOCKER_AUTH), isDockerAuth),
  needle('"identitytoken"', "docker-identity-token", group1(DOCKER_AUTH), isDockerAuth),
  needle("password", "netrc-password", (text, at) => (boundaryBefore(text, at) ? group1(NETRC_PASSWORD)(text, at) : undefined), isNetrc),
];

const BASE_PASSES = passesOf(NEEDLES.filter((n) => !n.path));

/** The furthest a trigger byte lies into its needle. */
const MAX_TRIGGER = Math.max(0, ...NEEDLES.map((n) => n.trigger));

/** A piece at least this long after a carry is judged through a small joint, not copied after it. */
const JOINT = 2 * (BEFORE + AFTER + MAX_TRIGGER);


/**
 * Searches one file's bytes for tokens as they stream by: `reset` with the path and
 * size, `push` each piece, `zeros` for a hole, then `finish`. Reusable.
 */
export class SecretContentFinder {
  #passes: readonly Pass[] = BASE_PASSES;
  #limit = SECRET_CONTENT_SCAN_BYTES;
  #size = 0;
  #data = 0;
  #binary = false;
  #carry: Buffer | undefined;
  /** The first position in the carry not yet judged. */
  #carryFrom = 0;
  /** Line number at the first byte not yet judged (`BEFORE` into the carry, or 0 of the first piece). */
  #line = 1;
  #found: SecretContentFinding[] = [];
  #values = new Set<string>();

  /** Starts on a file: its image path (some formats are looked for by path), its size, the bytes searched. */
  reset(path: string, size: number, limit = SECRET_CONTENT_SCAN_BYTES): this {
    this.#passes = PATH_HINT.test(path) && NEEDLES.some((n) => n.path?.(path)) ? passesOf(NEEDLES.filter((n) => !n.path || n.path(path))) : BASE_PASSES;
    this.#size = size;
    this.#limit = limit;
    this.#data = 0;
    this.#binary = false;
    this.#carry = undefined;
    this.#line = 1;
    this.#found = [];
    this.#values.clear();
    return this;
  }

  /** Whether more of the file is worth seeing. */
  get wanted(): boolean {
    return !this.#binary && this.#data < this.#limit && this.#found.length < MAX_PER_FILE;
  }

  push(piece: Uint8Array): void {
    if (!this.wanted || piece.length === 0) return;
    const room = this.#limit - this.#data;
    const buf0 = piece.length <= room && Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, Math.min(piece.length, room));
    if (this.#data < BINARY_PROBE && buf0.subarray(0, BINARY_PROBE - this.#data).indexOf(0) !== -1) {
      this.#binary = true;
      this.#found = [];
      return;
    }
    this.#data += buf0.length;
    const last = this.#data >= Math.min(this.#size, this.#limit);
    const carry = this.#carry;
    if (carry && buf0.length >= JOINT) {
      // a large piece after a carry: what starts in the carry or in the piece's first
      // BEFORE bytes is judged in a small joint of the two (the piece is not copied)
      const joint = Buffer.concat([carry, buf0.subarray(0, BEFORE + AFTER + MAX_TRIGGER)]);
      const jointTo = carry.length + BEFORE;
      this.#line += this.#judge(joint, this.#carryFrom, jointTo);
      this.#carry = undefined;
      this.#rest(buf0, BEFORE, last, false);
      return;
    }
    this.#rest(carry ? Buffer.concat([carry, buf0]) : buf0, carry ? this.#carryFrom : 0, last, carry !== undefined);
  }

  /** Judges what starts in `buf` from `from` on and has its whole window there (all of it when `last`), and carries the rest. */
  #rest(buf: Buffer, from: number, last: boolean, owned: boolean): void {
    const to = last ? buf.length : buf.length - AFTER;
    const lines = to > from ? this.#judge(buf, from, to, !last) : 0;
    if (last) {
      this.#carry = undefined;
      this.#binary = true; // (nothing more to see)
      return;
    }
    if (to <= from) {
      // a small piece: all of it carried, judged once a whole window follows
      this.#carry = owned ? buf : Buffer.from(buf);
      this.#carryFrom = from;
      return;
    }
    const keepFrom = Math.max(0, to - BEFORE);
    this.#line += lines;
    this.#carry = Buffer.from(buf.subarray(keepFrom));
    this.#carryFrom = to - keepFrom;
  }

  /** A hole: zeros. In the first bytes, a binary file; later, nothing to find in it (what is carried is judged). */
  zeros(n: number): void {
    if (!this.wanted || n <= 0) return;
    if (this.#data < BINARY_PROBE) {
      this.#binary = true;
      this.#found = [];
      return;
    }
    this.#flush();
  }

  finish(): SecretContentFinding[] {
    if (!this.#binary) this.#flush();
    this.#binary = true;
    return this.#found;
  }

  #flush(): void {
    const carry = this.#carry;
    this.#carry = undefined;
    if (!carry) return;
    const from = this.#carryFrom;
    this.#judge(carry, from, carry.length, false);
  }

  /**
   * Judges the needles starting in [from, to) of buf, in order of position; the newlines in
   * [from, to) when `count` (not after the file's last bytes: lines are then counted only up
   * to a hit). Searched as a latin1 string: a string's indexOf costs less per stop than a
   * Buffer's (no binding call), and the windows judged are slices of it.
   */
  #judge(buf: Buffer, from: number, to: number, count = true): number {
    let hits: { at: number; n: Needle }[] | undefined;
    const end = Math.min(buf.length, to + MAX_TRIGGER);
    const str = buf.toString("latin1", 0, end);
    for (const pass of this.#passes) {
      const { find, needles, before, before2, after } = pass;
      if (typeof find !== "number") {
        const n = needles[0]!;
        const f = n.text;
        for (let i = str.indexOf(f, from); i !== -1 && i < to; i = str.indexOf(f, i + 1)) if (!n.pre || n.pre(buf, i)) (hits ??= []).push({ at: i, n });
        continue;
      }
      const stops = triggerStops(str, buf, find, from, end, before!, before2!, after!);
      if (stops === undefined) continue;
      for (const i of stops) {
        for (const n of needles) {
          const at = i - n.trigger;
          if (at >= from && at < to && startsWith(buf, at, n.bytes)) (hits ??= []).push({ at, n });
        }
      }
    }
    const lines = count ? countLines(str, from, to) : 0;
    if (!hits) return lines;
    hits.sort((a, b) => a.at - b.at);
    let line = this.#line;
    let counted = from;
    for (const { at, n } of hits) {
      if (this.#found.length >= MAX_PER_FILE) return lines;
      const start = Math.max(0, at - BEFORE);
      const text = at + AFTER <= end ? str.slice(start, at + AFTER) : buf.toString("latin1", start, Math.min(buf.length, at + AFTER));
      const hit = n.judge(text, at - start);
      if (!hit || this.#values.has(hit.value)) continue;
      this.#values.add(hit.value);
      const tokenAt = start + hit.at;
      if (tokenAt > counted) {
        line += countLines(str, counted, tokenAt);
        counted = tokenAt;
      }
      this.#found.push({ kind: n.kind, line, redacted: redactedForm(hit.value, n.kind), sha256: `sha256:${createHash("sha256").update(hit.value, "latin1").digest("hex")}` });
    }
    return lines;
  }
}

/** Where in [from, end) `buf` holds the trigger byte `t` with, around it, bytes some needle has there (the hot loop: numbers only). */
function triggerStops(str: string, buf: Buffer, t: number, from: number, end: number, before: Uint8Array, before2: Uint8Array, after: Uint8Array): number[] | undefined {
  let out: number[] | undefined;
  const last = buf.length - 1;
  const c = String.fromCharCode(t);
  let i = str.indexOf(c, from);
  while (i !== -1 && i < end) {
    const b1 = i > 0 ? buf[i - 1]! : 0;
    const b2 = i > 1 ? buf[i - 2]! : 0;
    const a1 = i < last ? buf[i + 1]! : 0;
    if (before[b1] === 1 && after[a1] === 1 && before2[b2] === 1) (out ??= []).push(i);
    i = str.indexOf(c, i + 1);
  }
  return out;
}

/** Whether `buf` holds `needle` at `at` (as far as it goes). */
function startsWith(buf: Buffer, at: number, needle: Buffer): boolean {
  if (at + needle.length > buf.length) return false;
  for (let k = 0; k < needle.length; k++) if (buf[at + k] !== needle[k]) return false;
  return true;
}

function countLines(str: string, from: number, to: number): number {
  let n = 0;
  for (let i = str.indexOf("\n", from); i !== -1 && i < to; i = str.indexOf("\n", i + 1)) n++;
  return n;
}

/** The tokens in a whole content (a test and one-off helper). */
export function secretContents(path: string, content: Uint8Array, limit = SECRET_CONTENT_SCAN_BYTES): SecretContentFinding[] {
  const f = new SecretContentFinder().reset(path, content.length, limit);
  f.push(content);
  return f.finish();
}
