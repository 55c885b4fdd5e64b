/**
 * WWW-Authenticate challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`,
 * `Basic realm="…"`, several in one header or across headers.
 */

export interface Challenge {
  /** Lower-cased: "bearer", "basic". */
  scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

function skipSpaces(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  return i;
}

function quoted(s: string, i: number): { value: string; end: number } {
  let value = "";
  let j = i + 1;
  while (j < s.length && s[j] !== '"') {
    if (s[j] === "\\" && j + 1 < s.length) j++;
    value += s[j];
    j++;
  }
  return { value, end: Math.min(j + 1, s.length) };
}

/** Parses one header value into its challenges. */
function parseOne(header: string): Challenge[] {
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;
  while (i < header.length) {
    i = skipSpaces(header, i);
    if (header[i] === ",") {
      i++;
      continue;
    }
    const m = TOKEN.exec(header.slice(i));
    if (!m) {
      i++; // not something we understand: step over it
      continue;
    }
    const word = m[0];
    let j = skipSpaces(header, i + word.length);
    if (header[j] === "=" && current) {
      j = skipSpaces(header, j + 1);
      let value: string;
      if (header[j] === '"') {
        const q = quoted(header, j);
        value = q.value;
        j = q.end;
      } else {
        const v = /^[^,\s]*/.exec(header.slice(j))![0];
        value = v;
        j += v.length;
      }
      current.params[word.toLowerCase()] = value;
      i = j;
    } else if (header[j] === "=" && !current) {
      i = j + 1; // a parameter with no scheme before it
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
      i = j;
    }
  }
  return out;
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  return (Array.isArray(header) ? header : [header]).flatMap(parseOne);
}

/** The challenge we answer: Bearer when offered, else Basic. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
}
