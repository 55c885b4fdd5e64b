/** What the flattened filesystem knows about one path. */
import type { ElfInfo } from "../elf/elf.js";
import type { FileCapabilities } from "../parsers/file-capabilities.js";

export type FileType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo" | "other";

export interface FileRecord {
  /** Absolute, normalised path in the image. */
  path: string;
  type: FileType;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Symlink target as written, or the absolute path a hardlink points at. */
  linkname?: string;
  /** Index of the layer (0 = bottom) the entry came from. */
  layer: number;
  /** Set when the layer scan kept the bytes (only for paths the facts need). */
  content?: Buffer;
  /** Set for ELF files. */
  elf?: ElfInfo;
  /** A regular file's capabilities (its security.capability attribute), when it grants some. */
  capabilities?: FileCapabilities;
  /** Directories created implicitly because a layer named a file below them. */
  implicit?: boolean;
}
