/**
 * Go's text primitives that the engine's account lookup leans on, over bytes, so that
 * what we compute is what it computes: `strconv.Atoi` (with the value it returns on
 * error, which the lookup keeps), `bytes.TrimSpace`, and `bytes.Split` on ':'.
 * Numbers are bigints: Go's int is 64 bits, and the lookup compares and truncates them.
 */

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_UINT64 = (1n << 64n) - 1n;
const CUTOFF = MAX_UINT64 / 10n + 1n;

export interface GoInt {
  /** What Atoi returns, error or not: 0 on a syntax error, ±2^63 clamped on overflow. */
  value: bigint;
  error?: "syntax" | "range";
}

/** strconv.ParseUint(s, 10, 64) over latin1 text (one char a byte). */
function parseUint(s: string): GoInt {
  if (s === "") return { value: 0n, error: "syntax" };
  let n = 0n;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return { value: 0n, error: "syntax" };
    // overflow is found on the digit that causes it, before any later bad character
    if (n >= CUTOFF) return { value: MAX_UINT64, error: "range" };
    n = n * 10n + BigInt(d);
    if (n > MAX_UINT64) return { value: MAX_UINT64, error: "range" };
  }
  return { value: n };
}

/** strconv.Atoi on a 64-bit machine: optional sign, decimal digits, no underscores. */
export function goAtoi(s: string): GoInt {
  if (s === "") return { value: 0n, error: "syntax" };
  let neg = false;
  let digits = s;
  if (s[0] === "+") digits = s.slice(1);
  else if (s[0] === "-") {
    neg = true;
    digits = s.slice(1);
  }
  const u = parseUint(digits);
  if (u.error === "syntax") return { value: 0n, error: "syntax" };
  if (!neg && u.value > MAX_INT64) return { value: MAX_INT64, error: "range" };
  if (neg && u.value > -MIN_INT64) return { value: MIN_INT64, error: "range" };
  return { value: neg ? -u.value : u.value };
}

/** Go's int converted to uint32 (the engine's `uint32(execUser.Uid)`): two's complement, low 32 bits. */
export function toUint32(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}

/** strconv.Itoa */
export function goItoa(v: bigint): string {
  return v.toString(10);
}

const ASCII_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]);
/** unicode.IsSpace beyond ASCII: U+0085, U+00A0, and the Z category's spaces. */
function isUnicodeSpace(cp: number): boolean {
  return cp === 0x85 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

/** The rune starting at `i` (utf8.DecodeRune): its code point (-1 when invalid) and length. */
function runeAt(b: Uint8Array, i: number, end: number): [number, number] {
  const c = b[i]!;
  if (c < 0x80) return [c, 1];
  const need = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
  if (need === 0 || i + need > end) return [-1, 1];
  let cp = c & (need === 2 ? 0x1f : need === 3 ? 0x0f : 0x07);
  for (let k = 1; k < need; k++) {
    const x = b[i + k]!;
    if ((x & 0xc0) !== 0x80) return [-1, 1];
    cp = (cp << 6) | (x & 0x3f);
  }
  // overlong forms, surrogates and values past U+10FFFF are invalid, as in Go
  if ((need === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 4 && (cp < 0x10000 || cp > 0x10ffff))) return [-1, 1];
  return [cp, need];
}

/** The rune ending at `end` (utf8.DecodeLastRune): its code point and length. */
function runeBefore(b: Uint8Array, start: number, end: number): [number, number] {
  const last = b[end - 1]!;
  if (last < 0x80) return [last, 1];
  // back up over at most 3 continuation bytes to a start byte, then decode forward
  let i = end - 1;
  const lim = Math.max(start, end - 4);
  while (i > lim && (b[i]! & 0xc0) === 0x80) i--;
  const [cp, len] = runeAt(b, i, end);
  return i + len === end ? [cp, len] : [-1, 1];
}

const isSpaceRune = (cp: number) => (cp < 0x80 ? ASCII_SPACE.has(cp) : cp >= 0 && isUnicodeSpace(cp));

/** bytes.TrimSpace: [start, end) of `b` without leading and trailing white space (Unicode's, as Go sees it). */
export function trimSpace(b: Uint8Array, start = 0, end = b.length): [number, number] {
  while (start < end) {
    const [cp, len] = runeAt(b, start, end);
    if (!isSpaceRune(cp)) break;
    start += len;
  }
  while (end > start) {
    const [cp, len] = runeBefore(b, start, end);
    if (!isSpaceRune(cp)) break;
    end -= len;
  }
  return [start, end];
}

/** bytes.Split(line, ":") as latin1 strings (each char one byte, so names compare byte for byte). */
export function splitColons(b: Uint8Array, start: number, end: number): string[] {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString("latin1").split(":");
}

/** A string of the image config (UTF-16 in JS, UTF-8 to the engine) as the latin1 form of its UTF-8 bytes. */
export function asBytes(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

/** The latin1 form of bytes back to the text it spells (UTF-8, invalid bytes replaced). */
export function fromBytes(s: string): string {
  return Buffer.from(s, "latin1").toString("utf8");
}
