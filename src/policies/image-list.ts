/**
 * The image list of a release gate (check({ from }), `imgpolicy check --from FILE`; YAML
 * or JSON): either a list, or a
 * mapping with a default `policy` and `images`. Each image is a reference, or
 * `{ image, policy?, platform?, runtime? }`. Every problem is reported with
 * file:line:col, as policy files are; nothing is thrown for a bad file.
 *
 *   policy: base
 *   images:
 *     - registry.example/app:1.4.2
 *     - image: oci:build/worker:1
 *       policy: [go-scratch, ./policies/worker.yaml]
 *       platform: linux/arm64
 *       runtime: true
 */
import { createHash } from "node:crypto";
import { FileReadError, readRegularFile } from "../files/regular-file.js";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from "yaml";
import { causeText } from "../errors.js";
import type { Platform } from "../inspect/image.js";
import { parsePlatform } from "../inspect/platform.js";
import type { PolicyProblem } from "./policy-types.js";
import { suggest } from "./policy-validator.js";

export interface Position {
  file: string;
  line: number;
  col: number;
}

export interface FromEntry {
  image: string;
  /** The entry's own policy (names or files, as written). */
  policy?: string[];
  platform?: Platform;
  runtime?: boolean;
  /** Where the entry is, and where its policy is written (for policy problems). */
  at: Position;
  policyAt?: Position;
}

export interface FromList {
  file: string;
  /** sha256 of the file's bytes (`sha256:…`), when it was read from a file. */
  digest?: string;
  /** The top-level default policy. */
  policy?: string[];
  policyAt?: Position;
  entries: FromEntry[];
}

const TOP_KEYS = ["policy", "images"];
const ENTRY_KEYS = ["image", "policy", "platform", "runtime"];
const SHAPE = "an image reference, or { image, policy?, platform?, runtime? }";

function found(node: unknown): string {
  if (node === null || node === undefined) return "nothing";
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a mapping";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "nothing";
    return typeof v === "string" ? `'${v}'` : `${typeof v} ${String(v)}`;
  }
  return typeof node;
}

/** Parses and validates the text of an image list. */
export function parseFromList(text: string, file: string): { list?: FromList; problems: PolicyProblem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: PolicyProblem[] = [];
  const pos = (node: unknown): Position => ({ file, ...lc.linePos((node as Node | undefined)?.range?.[0] ?? 0) });
  const problem = (node: unknown, message: string) => problems.push({ ...pos(node), message });
  if (doc.errors.length) {
    for (const e of doc.errors) problems.push({ file, ...lc.linePos(e.pos[0]), message: `invalid YAML: ${e.message.split("\n")[0]}` });
    return { problems };
  }

  const list: FromList = { file, entries: [] };
  let images: unknown = doc.contents;
  if (isMap(doc.contents)) {
    images = undefined;
    for (const pair of doc.contents.items as Pair[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (key === "images") images = pair.value;
      else if (key === "policy") {
        const p = policyValue(pair.value, "policy", problem);
        if (p) [list.policy, list.policyAt] = [p, pos(pair.value)];
      } else problem(pair.key, `unknown key '${key}'${suggest(key, TOP_KEYS)}: expected policy and images`);
    }
    if (images === undefined) {
      problem(doc.contents, "missing 'images': the list of images to check");
      return { problems };
    }
  }
  if (!isSeq(images)) {
    problem(images ?? doc.contents, `expected a list of images (${SHAPE}), found ${found(images)}`);
    return { problems };
  }
  if (images.items.length === 0) problem(images, "the list of images is empty");

  const seen = new Map<string, Position>();
  for (const [i, item] of images.items.entries()) {
    const where = `images[${i}]`;
    const entry = entryValue(item, where, problem, pos);
    if (!entry) continue;
    const key = JSON.stringify([entry.image, entry.policy ?? null, entry.platform ?? null, entry.runtime ?? null]);
    const first = seen.get(key);
    if (first) problem(item, `${where}: ${entry.image} is listed twice with the same settings (first at line ${first.line})`);
    else seen.set(key, entry.at);
    list.entries.push(entry);
  }
  return problems.length ? { problems } : { list, problems };
}

type Report = (node: unknown, message: string) => void;

function policyValue(node: unknown, where: string, problem: Report): string[] | undefined {
  const bad = () => problem(node, `${where}: expected a policy name or file, or a list of them, found ${found(node)}`);
  if (isScalar(node) && typeof node.value === "string" && node.value.trim()) return [node.value];
  if (isSeq(node) && node.items.length) {
    const names: string[] = [];
    for (const item of node.items) {
      if (isScalar(item) && typeof item.value === "string" && item.value.trim()) names.push(item.value);
      else return void problem(item, `${where}: expected a policy name or file, found ${found(item)}`);
    }
    return names;
  }
  return void bad();
}

function entryValue(item: unknown, where: string, problem: Report, pos: (n: unknown) => Position): FromEntry | undefined {
  if (isScalar(item)) {
    if (typeof item.value === "string" && item.value.trim()) return { image: item.value.trim(), at: pos(item) };
    return void problem(item, `${where}: expected ${SHAPE}, found ${found(item)}`);
  }
  if (!isMap(item)) return void problem(item, `${where}: expected ${SHAPE}, found ${found(item)}`);
  const entry: Partial<FromEntry> = { at: pos(item) };
  let ok = true;
  const fail = (node: unknown, message: string) => {
    ok = false;
    problem(node, message);
  };
  for (const pair of item.items as Pair[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const v = pair.value;
    if (key === "image") {
      if (isScalar(v) && typeof v.value === "string" && v.value.trim()) entry.image = v.value.trim();
      else fail(v ?? pair.key, `${where}.image: expected an image reference, found ${found(v)}`);
    } else if (key === "policy") {
      const p = policyValue(v, `${where}.policy`, fail);
      if (p) [entry.policy, entry.policyAt] = [p, pos(v)];
    } else if (key === "platform") {
      if (isScalar(v) && typeof v.value === "string") {
        try {
          entry.platform = parsePlatform(v.value);
        } catch (err) {
          fail(v, `${where}.platform: ${causeText(err)}`);
        }
      } else fail(v ?? pair.key, `${where}.platform: expected os/arch[/variant], e.g. linux/amd64, found ${found(v)}`);
    } else if (key === "runtime") {
      if (isScalar(v) && typeof v.value === "boolean") entry.runtime = v.value;
      else fail(v ?? pair.key, `${where}.runtime: expected true or false, found ${found(v)}`);
    } else fail(pair.key, `${where}: unknown key '${key}'${suggest(key, ENTRY_KEYS)}: expected ${ENTRY_KEYS.join(", ")}`);
  }
  if (entry.image === undefined && ok) fail(item, `${where}: missing 'image' (the image reference)`);
  return ok ? (entry as FromEntry) : undefined;
}

/** An image list is a few hundred lines at most; a bigger file is not one. */
const MAX_LIST_BYTES = 1024 * 1024;

/** Reads and validates an image list file. A file that cannot be read is one problem. */
export async function readFromList(file: string): Promise<{ list?: FromList; problems: PolicyProblem[] }> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, MAX_LIST_BYTES, "image lists");
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    return { problems: [{ file, line: 0, col: 0, message: `cannot read the image list: ${err.reason}` }] };
  }
  const parsed = parseFromList(bytes.toString("utf8"), file);
  if (parsed.list) parsed.list.digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  return parsed;
}
