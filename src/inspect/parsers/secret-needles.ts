/**
 * What the token search of secret-contents.ts looks for, and how each hit is judged: a
 * needle (a detector's literal prefix, or a fixed spelling such as `_authToken`), the
 * sticky regular expression that takes the value from the text around it, and the passes
 * over the bytes that find the needles (by a shared trigger byte, or whole).
 */
import { SECRET_DETECTORS } from "./secret-detectors.js";
import { isAwsExample, isPlaceholderPassword, isPlaceholderToken, isPlaceholderValue } from "./secret-placeholders.js";

/** Longest token window read after a needle (bounds every quantifier below). */
export const AFTER = 600;
/** Bytes read before a needle (a URL's scheme, a word boundary). */
export const BEFORE = 40;

export type Judge = (text: string, at: number) => { value: string; at: number } | undefined;

export interface Needle {
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

/** A sticky regex at the token's start (`shift` bytes before the needle); a placeholder or example (secret-placeholders.ts) is none. */
function sticky(source: string, shift = 0): Judge {
  const re = new RegExp(source.replace(/^\\b/, "").replace(/\{(\d+),\}/g, "{$1,255}"), "y");
  return (text, at) => {
    const start = at - shift;
    if (start < 0 || !boundaryBefore(text, start)) return undefined;
    re.lastIndex = start;
    const value = re.exec(text)?.[0];
    return value && !isPlaceholderToken(value) ? { value, at: start } : undefined;
  };
}

function detectorSource(kind: string, prefix?: string): string {
  const d = SECRET_DETECTORS.find((x) => x.kind === kind && (prefix === undefined || x.pattern.source.includes(prefix)));
  if (!d) throw new Error(`no detector ${kind}`);
  return d.pattern.source;
}

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
  if (!pass || isPlaceholderPassword(pass)) return undefined;
  return { value: pass, at: s };
};

/** Every path a path-picked needle is for ends so (a cheap first look, no allocation). */
export const PATH_HINT = /(?:npmrc|netrc|\/config\.json|\/auth\.json)$/;
const baseOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const isNpmrc = (p: string) => baseOf(p) === ".npmrc" || baseOf(p) === "npmrc";
const isDockerAuth = (p: string) => p.endsWith("/.docker/config.json") || p.endsWith("/containers/auth.json");
const isNetrc = (p: string) => baseOf(p) === ".netrc" || baseOf(p) === "_netrc";

const AWS_SECRET = /(?:ecret_access_key|ECRET_ACCESS_KEY|ecretAccessKey)["']?[ \t]{0,8}[:=][ \t]{0,8}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/y;
const NPM_AUTH = /_authToken[ \t]{0,8}=[ \t]{0,8}["']?([^\s"'$][^\s"']{0,511})/y;
const DOCKER_AUTH = /"(?:auth|identitytoken)"[ \t\r\n]{0,16}:[ \t\r\n]{0,16}"([^"\\\s]{1,512})"/y;
const NETRC_PASSWORD = /password[ \t]+(\S{1,512})/y;

/** Group 1 of a sticky regex at the needle, unless a placeholder (secret-placeholders.ts) or failing `check`. */
function group1(re: RegExp, check = (v: string) => !isPlaceholderValue(v)): Judge {
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
export interface Pass {
  find: number | Buffer;
  needles: readonly Needle[];
  /** For a trigger: 1 where the byte before it may be one of a needle's (all 1 when a needle starts with it). */
  before?: Uint8Array;
  before2?: Uint8Array;
  after?: Uint8Array;
}

export function passesOf(needles: readonly Needle[]): Pass[] {
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
export const NEEDLES: readonly Needle[] = [
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
  ...["ecret_access_key", "ECRET_ACCESS_KEY", "ecretAccessKey"].map((p) => needle(p, "aws-secret-key", group1(AWS_SECRET, (v) => !isAwsExample(v)))),
  { ...needle("://", "url-credentials", urlCredentials), pre: urlHasAt },
  needle("_authToken", "npm-auth-token", group1(NPM_AUTH), isNpmrc),
  needle('"auth"', "docker-auth", group1(DOCKER_AUTH), isDockerAuth),
  needle('"identitytoken"', "docker-identity-token", group1(DOCKER_AUTH), isDockerAuth),
  needle("password", "netrc-password", (text, at) => (boundaryBefore(text, at) ? group1(NETRC_PASSWORD)(text, at) : undefined), isNetrc),
];

export const BASE_PASSES = passesOf(NEEDLES.filter((n) => !n.path));

/** The furthest a trigger byte lies into its needle. */
export const MAX_TRIGGER = Math.max(0, ...NEEDLES.map((n) => n.trigger));

/** A piece at least this long after a carry is judged through a small joint, not copied after it. */
export const JOINT = 2 * (BEFORE + AFTER + MAX_TRIGGER);
