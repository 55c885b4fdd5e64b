/**
 * Where a text holds JSON Web Tokens: `eyJ….eyJ….…`, three base64url segments of 10
 * characters or more after the `eyJ`s, from a word boundary (secret-detectors.ts's jwt).
 * By hand: a regex with open (or bounded) segments is tried again from every `eyJ` of a
 * long run (`-eyJ-eyJ-eyJ…`, 7.6 MB of it in one ENV value took 51 s), where here each
 * `eyJ` inside a run that failed fails the same way, so the search goes on after the run:
 * each character is read once or twice.
 */

const isB64Url = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

function runEnd(text: string, i: number): number {
  while (i < text.length && isB64Url(text.charCodeAt(i))) i++;
  return i;
}

/** The [start, end) of every JSON Web Token in the text, in order. */
export function jwtRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (let at = text.indexOf("eyJ"); at !== -1; ) {
    if (at > 0 && isWord(text.charCodeAt(at - 1))) {
      at = text.indexOf("eyJ", at + 1);
      continue;
    }
    const e1 = runEnd(text, at + 3);
    let end = -1;
    if (e1 - at - 3 >= 10 && text.charCodeAt(e1) === 46 && text.startsWith("eyJ", e1 + 1)) {
      const e2 = runEnd(text, e1 + 4);
      if (e2 - e1 - 4 >= 10 && text.charCodeAt(e2) === 46) {
        const e3 = runEnd(text, e2 + 1);
        if (e3 - e2 - 1 >= 10) end = e3;
      }
    }
    if (end === -1) {
      at = text.indexOf("eyJ", e1);
      continue;
    }
    out.push([at, end]);
    at = text.indexOf("eyJ", end);
  }
  return out;
}
