/**
 * The Go module information text embedded in binaries (what `go version -m`
 * prints): main module, dependencies with replacements, and build settings.
 */

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  /** Set when a `=>` line replaced this module. */
  replace?: GoModule;
}

export interface GoBuildInfo {
  /** The toolchain that built the binary, e.g. "go1.19.8"; undefined when not readable. */
  goVersion?: string;
  /** The main package's import path. */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` lines: -compiler, -ldflags, -trimpath, CGO_ENABLED, GOOS, GOARCH, vcs.revision, ... */
  settings: Record<string, string>;
  cgoEnabled?: boolean;
  trimpath?: boolean;
  ldflags?: string;
  goos?: string;
  goarch?: string;
  /** "inline" for the Go 1.18+ layout, "pointer" for the older one. */
  format?: "inline" | "pointer";
  /** False when some of the data could not be read, so fields may be missing. */
  complete: boolean;
}

/** Removes the 16-byte sentinels the linker wraps the text in, when they are there. */
export function stripSentinels(mod: Uint8Array): Uint8Array {
  if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) return mod.subarray(16, mod.length - 16);
  return mod;
}

/** Decodes the module information text; unknown or malformed lines are skipped. */
export function parseModInfo(text: string, goVersion?: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [], settings: {}, complete: true };
  let last: GoModule | undefined;
  for (const line of text.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const kind = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    if (kind === "go") info.goVersion ??= rest;
    else if (kind === "path") info.path = rest;
    else if (kind === "mod" || kind === "dep") {
      last = parseModule(rest);
      if (last === undefined) continue;
      if (kind === "mod") info.main = last;
      else info.deps.push(last);
    } else if (kind === "=>") {
      const repl = parseModule(rest);
      if (last !== undefined && repl !== undefined) last.replace = repl;
      last = undefined;
    } else if (kind === "build") {
      const kv = parseSetting(rest);
      if (kv !== undefined) info.settings[kv[0]] = kv[1];
    }
  }
  const s = info.settings;
  if (s.CGO_ENABLED !== undefined) info.cgoEnabled = s.CGO_ENABLED === "1";
  if (Object.keys(s).length > 0) info.trimpath = s["-trimpath"] === "true";
  if (s["-ldflags"] !== undefined) info.ldflags = s["-ldflags"];
  if (s.GOOS !== undefined) info.goos = s.GOOS;
  if (s.GOARCH !== undefined) info.goarch = s.GOARCH;
  return info;
}

function parseModule(rest: string): GoModule | undefined {
  const [path, version = "", sum] = rest.split("\t");
  if (path === undefined || path === "") return undefined;
  const mod: GoModule = { path, version };
  if (sum !== undefined && sum !== "") mod.sum = sum;
  return mod;
}

/** `key=value`, either part possibly written as a Go quoted string. */
export function parseSetting(kv: string): [string, string] | undefined {
  let key: string;
  let rawValue: string;
  if (kv.startsWith('"') || kv.startsWith("`")) {
    const q = quotedPrefix(kv);
    if (q === undefined || kv[q.length] !== "=") return undefined;
    key = q.value;
    rawValue = kv.slice(q.length + 1);
  } else {
    const eq = kv.indexOf("=");
    if (eq <= 0) return undefined;
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
  }
  if (rawValue.startsWith('"') || rawValue.startsWith("`")) {
    const q = quotedPrefix(rawValue);
    return q === undefined ? undefined : [key, q.value];
  }
  return [key, rawValue];
}

const simpleEscapes: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34, "'": 39 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A Go string literal at the start of `s`: its decoded value and its length in `s`. */
export function quotedPrefix(s: string): { value: string; length: number } | undefined {
  if (s.startsWith("`")) {
    const end = s.indexOf("`", 1);
    return end < 0 ? undefined : { value: s.slice(1, end).replaceAll("\r", ""), length: end + 1 };
  }
  if (!s.startsWith('"')) return undefined;
  const bytes: number[] = [];
  let i = 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') return { value: decoder.decode(Uint8Array.from(bytes)), length: i + 1 };
    if (c === "\n") return undefined;
    if (c !== "\\") {
      const cp = s.codePointAt(i) ?? 0;
      bytes.push(...encoder.encode(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) return undefined;
    if (e in simpleEscapes) {
      bytes.push(simpleEscapes[e]);
      i += 2;
    } else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const digits = s.slice(i + 2, i + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== n) return undefined;
      const v = parseInt(digits, 16);
      if (e === "x") bytes.push(v);
      else if (v > 0x10ffff) return undefined;
      else bytes.push(...encoder.encode(String.fromCodePoint(v)));
      i += 2 + n;
    } else if (e >= "0" && e <= "7") {
      const digits = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) return undefined;
      const v = parseInt(digits, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 4;
    } else {
      return undefined;
    }
  }
  return undefined;
}
