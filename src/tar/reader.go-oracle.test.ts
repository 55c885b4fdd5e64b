/**
 * TarReader against Go's archive/tar, the reader the engine applies layers with: for
 * every archive of a generated corpus (Go's Writer, GNU tar, bsdtar, Python's tarfile,
 * the project's writers, crafted edge cases, seeded mutants; see fixtures/tar-oracle/),
 * both must accept or both reject; on accept the entries agree field by field, on
 * reject ours fails at or before the entry Go fails at. Go is built once, from
 * fixtures/tar-oracle/*.go, and reads the whole corpus in one run.
 *
 * The differences the reader's contract makes on purpose are encoded in `compareEntry`.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCorpus, type CorpusArchive } from "../../fixtures/tar-oracle/corpus.js";
import { buildOracle, goRead, type GoEntry, type GoResult } from "../../fixtures/tar-oracle/go-oracle.js";
import { TarReader, type TarEntryType } from "./reader.js";
import { nameText } from "./name-bytes.js";

interface Ours {
  path: string;
  type: TarEntryType;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkpath: string;
  sparse: boolean;
  xattrs: [string, string][];
  sha256: string;
}

interface OurResult {
  entries: Ours[];
  error?: string;
}

const CHUNKS = [0, 511, 4096];
const EMPTY = createHash("sha256").digest("hex");

function readOurs(bytes: Buffer, chunk: number): OurResult {
  const entries: Ours[] = [];
  const r = new TarReader({
    entry(e) {
      const hash = createHash("sha256");
      const { path, type, typeflag, mode, uid, gid, size, linkpath, sparse } = e;
      const xattrs = [...(e.xattrs ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      const rec: Ours = { path, type, typeflag, mode, uid, gid, size, linkpath, sparse, xattrs, sha256: EMPTY };
      entries.push(rec);
      return { data: (c) => void hash.update(c), end: () => void (rec.sha256 = hash.digest("hex")) };
    },
  });
  try {
    if (chunk === 0) r.write(bytes);
    else for (let i = 0; i < bytes.length; i += chunk) r.write(bytes.subarray(i, i + chunk));
    r.end();
    return { entries };
  } catch (err) {
    return { entries, error: String(err) };
  }
}

/** Go's bytes as our reader names them: UTF-8, with invalid bytes kept distinct (name-bytes.ts). */
const utf8 = (hex: string): string => {
  const b = Buffer.from(hex, "hex");
  return nameText(b, 0, b.length);
};
const GO_TYPES: Record<string, TarEntryType> = { "0": "file", "\0": "file", "7": "file", S: "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo" };

/** The fields that differ, as "field: ours … Go …"; `content` false when the body was cut by the error. */
function compareEntry(o: Ours, g: GoEntry, content: boolean): string[] {
  const out: string[] = [];
  const diff = (field: string, ours: unknown, go: unknown): void => {
    if (JSON.stringify(ours) !== JSON.stringify(go)) out.push(`${field}: ours ${JSON.stringify(ours)}, Go ${JSON.stringify(go)}`);
  };
  const goType = GO_TYPES[String.fromCharCode(g.typeflag)] ?? "other";
  diff("path", o.path, utf8(g.name));
  diff("type", o.type, goType);
  // Go turns V7's '\0' into '0' or '5'; ours reports the flag as written
  if (o.typeflag !== "\0") diff("typeflag", o.typeflag.charCodeAt(0), g.typeflag);
  else if (g.typeflag !== 0x30 && g.typeflag !== 0x35) diff("typeflag", "\\0", g.typeflag);
  diff("mode", o.mode, g.mode);
  diff("uid", o.uid, g.uid);
  diff("gid", o.gid, g.gid);
  // contract: header-only and unknown types report size 0 (their size field is not a body)
  if (goType === "file") diff("size", o.size, g.size);
  // contract: link names only on links (Go reports whatever the header holds)
  if (goType === "symlink" || goType === "hardlink") diff("linkpath", o.linkpath, utf8(g.linkname));
  else diff("linkpath", o.linkpath, "");
  // sparse files are files with sparse=true whose body is the file's logical content, as Go's
  if (goType === "file") diff("sparse", o.sparse, g.sparse);
  diff("xattrs", o.xattrs, (g.xattrs ?? []).map(([k, v]) => [utf8(k), utf8(v)]));
  if (content && goType === "file") diff("content sha256", o.sha256, g.sha256);
  return out;
}

function compare(a: CorpusArchive, go: GoResult): string[] {
  const runs = CHUNKS.map((c) => readOurs(a.bytes, c));
  const where = `${a.source} ${a.name}`;
  for (let i = 1; i < runs.length; i++) {
    if (JSON.stringify(runs[i]) !== JSON.stringify(runs[0])) return [`${where}: ours differs between whole input and chunks of ${CHUNKS[i]}`];
  }
  const ours = runs[0]!;
  const goFails = go.error === undefined ? "" : `Go ${go.stage} error "${go.error}" after ${go.entries.length} entries`;
  if (ours.error !== undefined && go.error === undefined) return [`${where}: Go accepts (${go.entries.length} entries), ours rejects after ${ours.entries.length}: ${ours.error}`];
  if (ours.error === undefined && go.error !== undefined) return [`${where}: ${goFails}, ours accepts (${ours.entries.length} entries)`];
  const out: string[] = [];
  if (ours.error === undefined && ours.entries.length !== go.entries.length) out.push(`${where}: ${ours.entries.length} entries, Go ${go.entries.length}`);
  if (ours.error !== undefined && ours.entries.length > go.entries.length) out.push(`${where}: ours rejects later than Go (after ${ours.entries.length} entries: ${ours.error}; ${goFails})`);
  const n = Math.min(ours.entries.length, go.entries.length);
  for (let i = 0; i < n; i++) {
    const cut = ours.error !== undefined && (i === n - 1 || i === go.entries.length - 1);
    for (const d of compareEntry(ours.entries[i]!, go.entries[i]!, !cut)) out.push(`${where}: entry ${i} (${ours.entries[i]!.path}) ${d}`);
  }
  return out;
}

const SOURCES = ["go", "gnu-tar", "bsdtar", "python", "crafted", "fixture-writer", "project-writer", "mutant"];

describe("TarReader agrees with Go's archive/tar", () => {
  const work = mkdtempSync(join(tmpdir(), "imgpolicy-tar-oracle-"));
  let corpus: CorpusArchive[] = [];
  let go: GoResult[] = [];

  beforeAll(() => {
    const bin = buildOracle(join(work, "bin"));
    corpus = buildCorpus({ goBin: bin, work, seed: 20_240_101, mutants: 1500 });
    go = goRead(bin, corpus.map((a) => a.bytes));
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("over a corpus from every source, sparse files and rejections included", () => {
    const count = (s: string): number => corpus.filter((a) => a.source === s).length;
    const summary = Object.fromEntries(SOURCES.map((s) => [s, count(s)]));
    console.info("tar oracle corpus:", JSON.stringify(summary), "rejected by Go:", go.filter((g) => g.error).length);
    expect(corpus.length - count("mutant")).toBeGreaterThanOrEqual(150);
    for (const s of ["go", "gnu-tar", "bsdtar", "crafted", "fixture-writer", "project-writer", "mutant"]) expect(count(s), s).toBeGreaterThan(0);
    const sparse = (s: string): number => corpus.reduce((n, a, i) => n + (a.source === s ? go[i]!.entries.filter((e) => e.sparse).length : 0), 0);
    expect(sparse("gnu-tar"), "sparse entries GNU tar wrote").toBeGreaterThanOrEqual(10);
    expect(sparse("bsdtar"), "sparse entries bsdtar wrote").toBeGreaterThan(0);
    expect(go.filter((g) => g.error).length, "archives Go rejects").toBeGreaterThan(50);
  });

  it.each(SOURCES)("on %s archives", (source) => {
    const problems: string[] = [];
    corpus.forEach((a, i) => {
      if (a.source === source) problems.push(...compare(a, go[i]!));
    });
    expect(problems).toEqual([]);
  });
});
