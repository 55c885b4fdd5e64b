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
 *   `.git-credentials`); a password that is a template (`${…}`, `{{…}}`, `<…>`, `%…%`), a
 *   placeholder of documentation (`pass`, `password`, `changeme`, `xxx`, `***`, …) or holds
 *   a `:` (`cvs://:pserver:anoncvs@host`) is not one;
 * - by path: `_authToken=` in an `.npmrc`/`npmrc`, `"auth"`/`"identitytoken"` in a
 *   `.docker/config.json` or a containers `auth.json`, `password` in a `.netrc`/`_netrc`.
 *
 * Placeholders and documented examples are not findings, by the one list of
 * secret-placeholders.ts (AWS's `AKIAIOSFODNN7EXAMPLE`, `ghp_xxxx…`, `AKIAXXXXXXXXXXXXXXXX`,
 * `_authToken=changeme`), checked only on a hit (the search itself is unchanged).
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
import { redactedForm } from "./secret-detectors.js";
import { SEARCH_STOPPED } from "./secret-search-stopped.js";
import { AFTER, BASE_PASSES, BEFORE, JOINT, MAX_TRIGGER, NEEDLES, PATH_HINT, passesOf, type Needle, type Pass } from "./secret-needles.js";

/** How much of a file's data is searched: the same first 1 MiB as for a private key. */
export const SECRET_CONTENT_SCAN_BYTES = PRIVATE_KEY_SCAN_BYTES;
/** A NUL in this many first bytes makes a file binary (git's test). */
export const BINARY_PROBE = 8000;
/** Findings kept per file. */
export const MAX_PER_FILE = 16;
/**
 * Needle hits per file. A file with more (1 MiB of `ghp_ghp_…` has 262,144) is not searched
 * further from the piece where they passed the bound: judging each cost up to 2 s per MiB
 * (review, 150 MB of such files took 92 s). It is not passed either: its findings end with
 * a SEARCH_STOPPED one.
 */
export const MAX_JUDGED = 10_000;
export { SEARCH_STOPPED } from "./secret-search-stopped.js";

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
  /** Needle hits found so far in this file (judged or about to be). */
  #hits = 0;
  /** Why and where the search stopped before the file's searched bytes ended. */
  #stopped: { line: number; why: string } | undefined;

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
    this.#hits = 0;
    this.#stopped = undefined;
    return this;
  }

  /** Whether more of the file is worth seeing. */
  get wanted(): boolean {
    return !this.#binary && this.#data < this.#limit && this.#stopped === undefined;
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
    if (!this.#binary && this.#stopped === undefined) this.#flush();
    this.#binary = true;
    const stop = this.#stopped;
    if (stop) this.#found.push({ kind: SEARCH_STOPPED, line: stop.line, redacted: `<not searched after line ${stop.line}: ${stop.why}>`, sha256: "" });
    this.#stopped = undefined;
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
    // (collecting stops once the file has more hits than are judged: the search stops there)
    const room = MAX_JUDGED - this.#hits + 1;
    collect: for (const pass of this.#passes) {
      const { find, needles, before, before2, after } = pass;
      if (typeof find !== "number") {
        const n = needles[0]!;
        const f = n.text;
        for (let i = str.indexOf(f, from); i !== -1 && i < to; i = str.indexOf(f, i + 1)) {
          if (!n.pre || n.pre(buf, i)) (hits ??= []).push({ at: i, n });
          if (hits !== undefined && hits.length >= room) break collect;
        }
        continue;
      }
      const stops = triggerStops(str, buf, find, from, end, before!, before2!, after!);
      if (stops === undefined) continue;
      for (const i of stops) {
        for (const n of needles) {
          const at = i - n.trigger;
          if (at >= from && at < to && startsWith(buf, at, n.bytes)) (hits ??= []).push({ at, n });
        }
        if (hits !== undefined && hits.length >= room) break collect;
      }
    }
    const lines = count ? countLines(str, from, to) : 0;
    if (!hits) return lines;
    this.#hits += hits.length;
    if (this.#hits > MAX_JUDGED) {
      this.#stopped = { line: this.#line, why: `more than ${MAX_JUDGED} token-shaped strings` };
      return lines;
    }
    hits.sort((a, b) => a.at - b.at);
    let line = this.#line;
    let counted = from;
    const lineAt = (at: number) => {
      if (at > counted) {
        line += countLines(str, counted, at);
        counted = at;
      }
      return line;
    };
    // a hit inside the token just found is that token again (`xoxb-xoxb-…`): not judged
    let free = 0;
    for (const { at, n } of hits) {
      if (at < free) continue;
      if (this.#found.length >= MAX_PER_FILE) {
        this.#stopped = { line: lineAt(at), why: `${MAX_PER_FILE} tokens found` };
        return lines;
      }
      const start = Math.max(0, at - BEFORE);
      const text = at + AFTER <= end ? str.slice(start, at + AFTER) : buf.toString("latin1", start, Math.min(buf.length, at + AFTER));
      const hit = n.judge(text, at - start);
      if (!hit) continue;
      const tokenAt = start + hit.at;
      free = tokenAt + hit.value.length;
      if (this.#values.has(hit.value)) continue;
      this.#values.add(hit.value);
      this.#found.push({ kind: n.kind, line: lineAt(tokenAt), redacted: redactedForm(hit.value, n.kind), sha256: `sha256:${createHash("sha256").update(hit.value, "latin1").digest("hex")}` });
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
