/**
 * Secrets in the build history (`history[].created_by`), read on the raw text before the
 * facts redact it. Pure (the hash is passed in) so the rules can reuse the parsing.
 *
 * What an entry records, by builder:
 * - legacy builder: `/bin/sh -c #(nop)  ENV K=v`, `#(nop)  ARG K[=default]`, and a RUN as
 *   its shell command; build args that a RUN sees as a prefix `|N K1=v1 … KN=vN /bin/sh -c …`;
 * - BuildKit: the instruction as written with `# buildkit` at the end: `ENV K=v`,
 *   `ARG K=v`, `RUN |N K1=v1 … /bin/sh -c …` (build args), `RUN --mount=… /bin/sh -c …`.
 *
 * Found in each entry:
 * - build args (`|N` prefix) and ENV/ARG pairs, judged as IMG-ENV-001 judges ENV
 *   (judgeAssignment: token formats, AWS secret key shape, key names);
 * - `KEY=value` in a RUN script (`DB_PASSWORD=x ./migrate`, `export K=v`, `env K=v`) and
 *   `--secret-flag=value`; a value that is a shell expansion (`$X`, `$(cat /run/secrets/x)`)
 *   is not a literal secret and is skipped;
 * - tokens in a known format anywhere else in the text;
 * - not: placeholders, templates and documented examples (secret-placeholders.ts:
 *   `TOKEN=xxx`, `PASSWORD=changeme`, `ghp_xxxx…`, `https://u:${PASSWORD}@db`);
 * - a URL's secret is its password: its redacted form and sha256 are of the password;
 * - a build secret copied into the filesystem: a RUN command that reads `/run/secrets/…`
 *   (or a `--mount=type=secret,target=…` path) with cp, mv, install, rsync or dd, or
 *   writes it through `>`/`>>`/`tee` to a file that is not under /dev.
 */
import { detectTokens, redactedForm } from "./secret-detectors.js";
import { judgeAssignment } from "./secret-env.js";

export type HistoryVia = "build-arg" | "run-assignment" | "env" | "arg" | "token" | "secret-mount-copy";

export interface HistoryAssignment {
  key: string;
  value: string;
  via: Exclude<HistoryVia, "token" | "secret-mount-copy">;
}

export interface ParsedEntry {
  /** RUN, ENV, ARG, … (a step that names no instruction is a RUN). */
  instruction: string;
  assignments: HistoryAssignment[];
  /** Build secrets the entry copies into the filesystem: the secret's path and the command. */
  secretCopies: { path: string; command: string }[];
}

const KEYWORDS = new Set(["ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"]);
/** BuildKit's ` # buildkit` at the end of an entry, removed (by hand: a regex for it backtracks over a run of spaces). */
function withoutBuildkitMark(text: string): string {
  if (!text.endsWith("buildkit")) return text;
  let i = text.length - "buildkit".length;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  if (i === 0 || text[i - 1] !== "#") return text;
  i--;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  return text.slice(0, i);
}
const NOP = /^.*?-c\s+#\(nop\)\s*([\s\S]*)$/;
/** `/bin/sh -c `, `/bin/bash -o pipefail -c `: what the builder puts before a RUN's script. */
const SHELL_PREFIX = /^(?:\S*\/)?(?:ba|da|a|z|k|mk)?sh(?:\s+-[a-zA-Z]*o\s+[a-z]+|\s+[-+][a-zA-Z]+)*?\s+-[a-zA-Z]*c\s+/;
/** Longest text judged (a history entry is a Dockerfile line; past this it is not read further). */
const MAX_TEXT = 64 * 1024;

/** Reads one `created_by`. */
export function parseHistoryEntry(createdBy: string): ParsedEntry {
  let text = createdBy.length > MAX_TEXT ? createdBy.slice(0, MAX_TEXT) : createdBy;
  text = withoutBuildkitMark(text.trim());
  const nop = NOP.exec(text);
  if (nop) text = nop[1]!.trim();
  const m = /^([A-Z]+)(?:\s+([\s\S]*))?$/.exec(text);
  const instruction = m && KEYWORDS.has(m[1]!) ? m[1]! : "RUN";
  let args = m && KEYWORDS.has(m[1]!) ? (m[2] ?? "").trim() : text;
  const out: ParsedEntry = { instruction, assignments: [], secretCopies: [] };
  if (instruction === "ENV" || instruction === "ARG") {
    const via = instruction === "ENV" ? "env" : "arg";
    for (const [key, value] of pairs(args)) out.assignments.push({ key, value, via });
    return out;
  }
  if (instruction !== "RUN") return out;
  const count = /^\|(\d+)\s+/.exec(args);
  if (count) {
    args = args.slice(count[0].length);
    for (let k = Number(count[1]); k > 0 && args !== ""; k--) {
      const w = /^\S+/.exec(args)![0];
      args = args.slice(w.length).trimStart();
      const eq = w.indexOf("=");
      if (eq > 0) out.assignments.push({ key: w.slice(0, eq), value: w.slice(eq + 1), via: "build-arg" });
    }
  }
  const secretPaths = ["/run/secrets/"];
  while (/^--\S+/.test(args)) {
    const flag = /^--\S+/.exec(args)![0];
    if (/^--mount=(?:\S*,)?type=secret\b/.test(flag)) {
      const target = /[,=](?:target|dst|destination)=([^,\s]+)/.exec(flag.slice(7));
      if (target) secretPaths.push(target[1]!);
    }
    args = args.slice(flag.length).trimStart();
  }
  const shell = SHELL_PREFIX.exec(args);
  if (shell) args = args.slice(shell[0].length);
  for (const a of scriptAssignments(args)) out.assignments.push(a);
  out.secretCopies = secretCopies(args, secretPaths);
  return out;
}

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";

/**
 * ENV/ARG pairs: `K=v K2="v 2"`, or the legacy one-pair form `K value with spaces`. Read
 * word by word, each character once (a regex tried from every position of a long word
 * without `=` took quadratic time).
 */
function pairs(args: string): [string, string][] {
  const first = /^\S+/.exec(args)?.[0] ?? "";
  if (first !== "" && !first.includes("=")) {
    const rest = args.slice(first.length).trim();
    return rest === "" ? [] : [[first, unquote(rest)]];
  }
  const out: [string, string][] = [];
  let i = 0;
  while (i < args.length) {
    while (i < args.length && isSpace(args[i])) i++;
    const keyStart = i;
    while (i < args.length && !isSpace(args[i]) && args[i] !== "=") i++;
    if (args[i] !== "=" || i === keyStart) {
      // a word with no key=: skipped to its end (quotes in it are not followed)
      while (i < args.length && !isSpace(args[i])) i++;
      continue;
    }
    const key = args.slice(keyStart, i++);
    const valueStart = i;
    const q = args[i];
    if (q === '"' || q === "'") {
      i++;
      while (i < args.length && args[i] !== q) i += q === '"' && args[i] === "\\" ? 2 : 1;
      if (i < args.length) {
        out.push([key, unquote(args.slice(valueStart, ++i))]);
        continue;
      }
      i = valueStart; // an unclosed quote: the value is the word, as \S* took it
    }
    while (i < args.length && !isSpace(args[i])) i++;
    out.push([key, unquote(args.slice(valueStart, i))]);
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    const inner = v.slice(1, -1);
    return v[0] === '"' ? inner.replace(/\\(.)/g, "$1") : inner;
  }
  return v;
}

/** (the value: the shell's word, quoted and unquoted parts joined: `"hu"nter2` is `hunter2`; each alternative starts on a different character, so no backtracking) */
const ASSIGN = /(?:^|[\s;&|(`])(?:(?:export|env|readonly|local|declare(?:\s+-\w+)?)\s+)?([A-Za-z_][A-Za-z0-9_]*|--?[A-Za-z][A-Za-z0-9-]*)=((?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s;&|)`'"]+)+)/g;

/** A shell word's value: its quoted parts unquoted (`\` escapes inside double quotes) and joined with the rest. */
function shellWord(word: string): string {
  let out = "";
  for (let i = 0; i < word.length; ) {
    const q = word[i];
    if (q !== '"' && q !== "'") {
      out += q;
      i++;
      continue;
    }
    let j = i + 1;
    for (; j < word.length && word[j] !== q; j++) {
      if (q === '"' && word[j] === "\\" && j + 1 < word.length) j++;
      out += word[j];
    }
    i = j + 1;
  }
  return out;
}

/** `KEY=value` in a RUN script, and `--flag=value` whose flag name looks secret; literal values only. */
export function scriptAssignments(script: string): HistoryAssignment[] {
  const out: HistoryAssignment[] = [];
  const re = new RegExp(ASSIGN.source, "g");
  for (let m = re.exec(script); m; m = re.exec(script)) {
    const value = shellWord(m[2]!);
    if (value === "" || (m[2]![0] !== "'" && value.includes("$"))) continue;
    out.push({ key: m[1]!, value, via: "run-assignment" });
  }
  return out;
}

/** Commands that read a build secret's path and leave a copy of it in the filesystem. */
export function secretCopies(script: string, secretPaths: readonly string[]): { path: string; command: string }[] {
  const out: { path: string; command: string }[] = [];
  const segments = script.split(/\s*(?:;|&&|\|\||\n)\s*/);
  for (const seg of segments) {
    const pipes = seg.split(/\s*\|\s*/);
    const path = secretPaths.map((p) => secretPathIn(pipes[0]!, p)).find((p) => p !== undefined);
    if (path === undefined) continue;
    const words = pipes[0]!.trim().split(/\s+/).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== "sudo");
    const cmd = (words[0] ?? "").replace(/^.*\//, "");
    const copies =
      ["cp", "mv", "install", "rsync"].includes(cmd) ||
      (cmd === "dd" && /\bof=(?!\/dev\/)/.test(pipes[0]!)) ||
      /(?:^|[^0-9&>])>>?\s*(?!&|\/dev\/)[^\s&|;]/.test(seg.replace(/\d?>&\d/g, "")) ||
      pipes.slice(1).some((p) => /^tee\b/.test(p.trim()) && /\s(?!-|\/dev\/)\S/.test(p.trim().slice(3)));
    if (copies) out.push({ path, command: seg.trim().slice(0, 160) });
  }
  return out;
}

function secretPathIn(text: string, prefix: string): string | undefined {
  const at = text.indexOf(prefix);
  if (at === -1) return undefined;
  return /^[^\s"';)|&>]+/.exec(text.slice(at))![0];
}

export interface HistorySecret {
  index: number;
  layer?: number;
  via: HistoryVia;
  key?: string;
  kind: string;
  reason: string;
  redacted: string;
  sha256: string;
}

/**
 * The secrets of every history entry, on the raw text. `hash` gives `sha256:<hex>` of a
 * string (node:crypto on the inspect side). Layers are named when the entries that made a
 * layer are as many as the layers.
 */
export function historySecrets(
  history: readonly { created_by?: string; empty_layer?: boolean }[],
  layerCount: number,
  hash: (value: string) => string,
): HistorySecret[] {
  const mapped = history.filter((h) => !h.empty_layer).length === layerCount;
  const out: HistorySecret[] = [];
  let layer = 0;
  history.forEach((h, index) => {
    const own = h.empty_layer ? undefined : layer++;
    const text = h.created_by;
    if (!text?.trim()) return;
    const at = (s: Omit<HistorySecret, "index" | "layer">): void => {
      const f: HistorySecret = { index, ...s };
      if (mapped && own !== undefined) f.layer = own;
      out.push(f);
    };
    const entry = parseHistoryEntry(text);
    const seen = new Set<string>();
    for (const a of entry.assignments) {
      const j = judgeAssignment(a.key, a.value);
      if (!j) continue;
      seen.add(a.value);
      at({ via: a.via, key: a.key, kind: j.kind, reason: j.reason, redacted: redactedForm(j.secret, j.kind), sha256: hash(j.secret) });
    }
    for (const t of detectTokens(text)) {
      if ([...seen].some((v) => v.includes(t.value))) continue;
      seen.add(t.value);
      at({ via: "token", kind: t.kind, reason: `text holds ${t.label}`, redacted: redactedForm(t.secret, t.kind), sha256: hash(t.secret) });
    }
    for (const c of entry.secretCopies) {
      at({ via: "secret-mount-copy", key: c.path, kind: "build-secret", reason: `a RUN copies the build secret ${c.path} into the image`, redacted: `<build-secret ${c.path}>`, sha256: hash(c.path) });
    }
  });
  return out;
}
