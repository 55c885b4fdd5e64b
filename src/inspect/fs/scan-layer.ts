/**
 * One streaming pass over a layer tar: every header is recorded, file bytes
 * are kept only for the paths the caller asks for, ELF files are parsed as they
 * stream by, and small files are sniffed for private keys. Nothing touches disk.
 * The tar is read by scan/tar-parser.ts (node-tar's headers and checks, without
 * a stream per entry).
 */
import type { Readable, Transform } from "node:stream";
import { SourceError } from "../../errors.js";
import { ElfCapture, isElfMagic } from "../elf/elf-capture.js";
import { parseElf } from "../elf/elf.js";
import { sparseFromBuffer, sparseFromSegments } from "../elf/sparse-bytes.js";
import { privateKeyKind } from "../parsers/secrets.js";
import { decompressor, sniffCompression } from "../layer/decompress.js";
import type { InterestSpec } from "../scan/interest-spec.js";
import { TarError, TarParser, type TarBody, type TarEntry } from "../scan/tar-parser.js";
import type { FileRecord, FileType } from "./file-record.js";
import { baseName, normalizeEntryName, parentOf, PathEscapeError } from "./image-path.js";

export interface ScanInterest {
  /** Whether to keep the whole content of the regular file at `path`. */
  wantContent(path: string, size: number): boolean;
  /** Parse ELF files (default true). */
  elf?: boolean;
  /** Sniff files up to this size for private keys (default 64 KiB; 0 = off). */
  privateKeyMaxSize?: number;
  /**
   * The same interest as plain data, when it has one (see `interestFromSpec`):
   * only then can the scan run in a worker thread, where `wantContent` cannot go.
   */
  spec?: InterestSpec;
}

export interface LayerIndex {
  layer: number;
  /** Entries in tar order, whiteout markers excluded. */
  files: FileRecord[];
  /** Paths deleted by `.wh.NAME` markers. */
  whiteouts: string[];
  /** Directories whose lower contents `.wh..wh..opq` hides. */
  opaque: string[];
  /** Sum of regular file sizes in the layer. */
  fileBytes: number;
}

const TYPES: Partial<Record<string, FileType>> = {
  File: "file",
  OldFile: "file",
  ContiguousFile: "file",
  Directory: "dir",
  SymbolicLink: "symlink",
  Link: "hardlink",
  CharacterDevice: "char",
  BlockDevice: "block",
  FIFO: "fifo",
};

const HEAD = 64;
const KEY_SNIFF = 4096;
/** ELF files up to this size are held whole for parsing (ElfCapture's default); larger ones are captured sparsely. */
const ELF_WHOLE = 32 << 20;

export function scanLayer(stream: Readable, layer: number, what: string, interest: ScanInterest): Promise<LayerIndex> {
  const index: LayerIndex = { layer, files: [], whiteouts: [], opaque: [], fileBytes: 0 };
  const parseElfFiles = interest.elf !== false;
  const keyMax = interest.privateKeyMaxSize ?? 64 * 1024;

  return new Promise<LayerIndex>((resolve, reject) => {
    let failed = false;
    let sawEntry = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      stream.destroy();
      inflate?.destroy();
      reject(err instanceof SourceError ? err : new SourceError(`${what}: ${(err as Error).message ?? String(err)}`, { cause: err }));
    };

    /** Records an entry; returns what receives its content, for a regular file with some. */
    const onEntry = (entry: TarEntry): TarBody | undefined => {
      sawEntry = true;
      let path: string;
      try {
        path = normalizeEntryName(entry.path);
      } catch (err) {
        if (err instanceof PathEscapeError) return void fail(new SourceError(`${what}: ${err.message}`));
        throw err;
      }
      const name = baseName(path);
      if (name.startsWith(".wh.")) {
        if (name === ".wh..wh..opq") index.opaque.push(parentOf(path));
        else index.whiteouts.push(parentOf(path) === "/" ? `/${name.slice(4)}` : `${parentOf(path)}/${name.slice(4)}`);
        return undefined;
      }
      if (path === "/") return undefined; // the root itself
      const type = TYPES[entry.type] ?? "other";
      const rec: FileRecord = {
        path,
        type,
        mode: (entry.mode ?? 0) & 0o7777,
        uid: entry.uid ?? 0,
        gid: entry.gid ?? 0,
        size: type === "file" ? entry.size : 0,
        layer,
      };
      if (type === "symlink") rec.linkname = entry.linkpath ?? "";
      if (type === "hardlink") {
        try {
          rec.linkname = normalizeEntryName(entry.linkpath ?? "");
        } catch (err) {
          return void fail(new SourceError(`${what}: hardlink ${path} ${(err as Error).message}`));
        }
      }
      index.files.push(rec);
      if (type !== "file" || rec.size === 0) return undefined;
      index.fileBytes += rec.size;
      return watchContent(rec);
    };

    const watchContent = (rec: FileRecord): TarBody => {
      const keep = interest.wantContent(rec.path, rec.size);
      const kept: Buffer[] = [];
      let headParts: Buffer[] = [];
      let headLen = 0;
      // an ELF file is held whole (a view of the chunk when one chunk carries all of it,
      // else one buffer filled as it streams), or captured sparsely when it is large
      let elfWhole: Buffer | undefined;
      let elfFill = 0;
      let elf: ElfCapture | undefined;
      let keyParts: Buffer[] | undefined;
      let keyLen = 0;
      let decided = false;
      const elfPush = (c: Buffer) => {
        if (elf) elf.push(c);
        else if (elfWhole) {
          const n = Math.min(c.length, elfWhole.length - elfFill);
          c.copy(elfWhole, elfFill, 0, n);
          elfFill += n;
        }
      };
      const decide = (h: Buffer) => {
        decided = true;
        if (parseElfFiles && isElfMagic(h)) {
          if (h.length >= rec.size) {
            elfWhole = h.length === rec.size ? h : h.subarray(0, rec.size);
            elfFill = rec.size;
          } else if (rec.size <= ELF_WHOLE) {
            elfWhole = Buffer.allocUnsafe(rec.size);
            elfPush(h);
          } else {
            elf = new ElfCapture(rec.size);
            elf.push(h);
          }
        } else if (keyMax > 0 && rec.size <= keyMax && h.includes("-----BEGIN")) {
          keyParts = [h];
          keyLen = h.length;
        }
      };
      return {
        data(chunk: Buffer) {
          if (keep) kept.push(chunk);
          if (!decided) {
            headParts.push(chunk);
            headLen += chunk.length;
            if (headLen >= HEAD || headLen >= rec.size) {
              const h = headParts.length === 1 ? headParts[0]! : Buffer.concat(headParts);
              headParts = [];
              decide(h);
            }
            return;
          }
          elfPush(chunk);
          if (keyParts && keyLen < KEY_SNIFF) {
            keyParts.push(chunk);
            keyLen += chunk.length;
          }
        },
        end() {
          if (!decided && headLen > 0) decide(Buffer.concat(headParts));
          // a copy: a view would hold on to the whole chunk it came in
          if (keep) rec.content = Buffer.concat(kept);
          if (elf) rec.elf = parseElf(elf.finish());
          else if (elfWhole) {
            rec.elf = parseElf(
              elfFill === elfWhole.length ? sparseFromBuffer(elfWhole) : sparseFromSegments(rec.size, [{ offset: 0, bytes: elfWhole.subarray(0, elfFill) }]),
            );
          }
          if (keyParts) {
            const kind = privateKeyKind(Buffer.concat(keyParts).subarray(0, KEY_SNIFF));
            if (kind) rec.privateKey = kind;
          }
        },
      };
    };

    const parser = new TarParser({ entry: onEntry });
    // What the tar format alone does not settle: an empty layer (no bytes, or only zero
    // blocks) is a valid one; a tar cut inside a header block is not.
    let allZero = true;
    const feed = (chunk: Buffer) => {
      if (failed) return;
      if (allZero) allZero = isZero(chunk);
      try {
        parser.write(chunk);
      } catch (err) {
        fail(err);
      }
    };
    const finish = () => {
      if (failed) return;
      try {
        parser.end();
      } catch (err) {
        const empty = !sawEntry && allZero && err instanceof TarError && err.tarCode === "TAR_BAD_ARCHIVE" && /Unrecognized archive format/.test(err.message);
        if (!empty) return fail(err);
      }
      if (parser.partialHeader > 0) return fail(new SourceError(`${what}: truncated tar: the layer ends inside a header block`));
      resolve(index);
    };

    // a layer that is still compressed (as node-tar would, read the tar inside): decided on its first bytes
    let inflate: Transform | undefined;
    let head: Buffer[] | undefined = [];
    let headBytes = 0;
    const start = () => {
      const first = head!.length === 1 ? head![0]! : Buffer.concat(head!);
      head = undefined;
      const compression = sniffCompression(first);
      if (compression !== "none") {
        inflate = decompressor(compression);
        inflate.on("data", feed);
        inflate.on("error", (err: Error) => fail(new SourceError(`${what}: cannot decompress: ${err.message}`, { cause: err })));
        inflate.on("end", finish);
        inflate.on("drain", () => stream.resume());
      }
      push(first);
    };
    const push = (chunk: Buffer) => {
      if (!inflate) return feed(chunk);
      if (!inflate.write(chunk)) stream.pause();
    };
    stream.on("error", fail);
    stream.on("data", (chunk: Buffer) => {
      if (failed) return;
      if (head === undefined) return push(chunk);
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= 4) start();
    });
    stream.on("end", () => {
      if (failed) return;
      if (head !== undefined) start();
      if (inflate) inflate.end();
      else finish();
    });
  });
}

function isZero(chunk: Buffer): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== 0) return false;
  return true;
}
