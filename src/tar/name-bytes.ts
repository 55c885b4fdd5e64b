/**
 * Tar names are bytes, and the engine compares them byte for byte. Decoding them as
 * lossy UTF-8 made `c\xff.json` and `c\xef\xbf\xbd.json` one name (U+FFFD), so an
 * archive could show imgpolicy one file and the engine another. Bytes that are not
 * valid UTF-8 are kept as the lone surrogates U+DC80–U+DCFF instead (Python's
 * "surrogateescape"): valid UTF-8 never decodes to a lone surrogate, so distinct byte
 * strings stay distinct strings, and valid names read as before.
 */
const strict = new TextDecoder("utf-8", { fatal: true });

export function nameText(buf: Uint8Array, start: number, end: number): string {
  const bytes = buf.subarray(start, end);
  try {
    return strict.decode(bytes);
  } catch {
    return escapeInvalid(bytes);
  }
}

/** The bytes a name read by `nameText` stands for (U+DC80–U+DCFF back to the bytes they keep). */
export function nameBytes(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xdc80 && c <= 0xdcff) out.push(c - 0xdc00);
    else out.push(...Buffer.from(ch, "utf8"));
  }
  return Buffer.from(out);
}

/** The length of the valid UTF-8 sequence at i (Unicode's well-formed table), or 0. */
function sequence(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function escapeInvalid(b: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < b.length) {
    const n = sequence(b, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 + b[i]!);
      i++;
    } else {
      out += strict.decode(b.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}
