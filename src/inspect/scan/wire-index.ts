/**
 * A layer index as it crosses from a worker thread: in columns (the paths, the
 * types, the numbers), not one object per entry. Structured clone spends far longer
 * on tens of thousands of small objects than on a few arrays (for 32,000 entries:
 * some 60 ms against 15), and the receiving side is the main thread. Kept contents
 * get buffers of their own, moved rather than copied.
 */
import type { ElfInfo } from "../elf/elf.js";
import type { FileRecord, FileType } from "../fs/file-record.js";
import type { LayerIndex } from "../fs/scan-layer.js";
import { attachedKinds, attachKinds, NOTHING, type PathKinds } from "../parsers/path-kinds.js";

const TYPES: readonly FileType[] = ["file", "dir", "symlink", "hardlink", "char", "block", "fifo", "other"];
const TYPE_CODES: ReadonlyMap<FileType, number> = new Map(TYPES.map((t, i) => [t, i]));
/** mode, uid, gid, size, layer */
const NUMBERS = 5;

/** What an entry has beyond its path, type and numbers. */
interface Extra {
  i: number;
  linkname?: string;
  content?: Uint8Array;
  elf?: ElfInfo;
  privateKey?: string;
  certExpiries?: (number | null)[];
  implicit?: boolean;
  /** Its path's kinds, when they are something (see `classified`). */
  kinds?: PathKinds;
}

export interface WireIndex {
  layer: number;
  whiteouts: string[];
  opaque: string[];
  fileBytes: number;
  paths: string[];
  types: Uint8Array;
  numbers: Float64Array;
  /** Whether the scan classified the entry's path (parsers/path-kinds.ts): 0 no, 1 as nothing, 2 as its extra's `kinds`. */
  classified: Uint8Array;
  extras: Extra[];
}

/** The index in columns, and the buffers to move with it. */
export function packIndex(index: LayerIndex): { wire: WireIndex; transfer: ArrayBuffer[] } {
  const files = index.files;
  const n = files.length;
  const paths = new Array<string>(n);
  const types = new Uint8Array(n);
  const numbers = new Float64Array(n * NUMBERS);
  const classified = new Uint8Array(n);
  const extras: Extra[] = [];
  const transfer: ArrayBuffer[] = [types.buffer, numbers.buffer, classified.buffer];
  for (let i = 0; i < n; i++) {
    const f = files[i]!;
    paths[i] = f.path;
    types[i] = TYPE_CODES.get(f.type) ?? TYPES.length - 1;
    const at = i * NUMBERS;
    numbers[at] = f.mode;
    numbers[at + 1] = f.uid;
    numbers[at + 2] = f.gid;
    numbers[at + 3] = f.size;
    numbers[at + 4] = f.layer;
    const kinds = attachedKinds(f);
    classified[i] = kinds === undefined ? 0 : kinds === NOTHING ? 1 : 2;
    if (f.linkname === undefined && f.content === undefined && f.elf === undefined && f.privateKey === undefined && f.certExpiries === undefined && f.implicit === undefined && classified[i] !== 2) continue;
    const extra: Extra = { i };
    if (classified[i] === 2) extra.kinds = kinds!;
    if (f.linkname !== undefined) extra.linkname = f.linkname;
    if (f.content !== undefined) {
      // a view may share its ArrayBuffer with much more: cloning it would copy all of that
      const own = new Uint8Array(f.content.length);
      own.set(f.content);
      extra.content = own;
      transfer.push(own.buffer);
    }
    if (f.elf !== undefined) extra.elf = f.elf;
    if (f.privateKey !== undefined) extra.privateKey = f.privateKey;
    if (f.certExpiries !== undefined) extra.certExpiries = f.certExpiries;
    if (f.implicit !== undefined) extra.implicit = f.implicit;
    extras.push(extra);
  }
  const wire: WireIndex = { layer: index.layer, whiteouts: index.whiteouts, opaque: index.opaque, fileBytes: index.fileBytes, paths, types, numbers, classified, extras };
  return { wire, transfer };
}

/** The index again, its entries as the scan made them (contents as Buffers). */
export function unpackIndex(wire: WireIndex): LayerIndex {
  const { paths, types, numbers, classified, extras } = wire;
  const files = new Array<FileRecord>(paths.length);
  let next = 0;
  for (let i = 0; i < paths.length; i++) {
    const at = i * NUMBERS;
    const f: FileRecord = {
      path: paths[i]!,
      type: TYPES[types[i]!]!,
      mode: numbers[at]!,
      uid: numbers[at + 1]!,
      gid: numbers[at + 2]!,
      size: numbers[at + 3]!,
      layer: numbers[at + 4]!,
    };
    // (what the scan set, in the order it set it: the records keep the same shapes)
    const extra = extras[next]?.i === i ? extras[next++] : undefined;
    if (extra?.linkname !== undefined) f.linkname = extra.linkname;
    if (classified[i] === 1) attachKinds(f, NOTHING);
    else if (extra?.kinds !== undefined) attachKinds(f, extra.kinds);
    if (extra !== undefined) {
      if (extra.content !== undefined) f.content = Buffer.from(extra.content.buffer, extra.content.byteOffset, extra.content.byteLength);
      if (extra.elf !== undefined) f.elf = extra.elf;
      if (extra.privateKey !== undefined) f.privateKey = extra.privateKey;
      if (extra.certExpiries !== undefined) f.certExpiries = extra.certExpiries;
      if (extra.implicit !== undefined) f.implicit = extra.implicit;
    }
    files[i] = f;
  }
  return { layer: wire.layer, files, whiteouts: wire.whiteouts, opaque: wire.opaque, fileBytes: wire.fileBytes };
}
