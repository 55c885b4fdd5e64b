/**
 * Renders a listing as `tar -tv` does: type and permissions, owner, size, then the layer
 * and the path. Names come from images, which anyone can build: control characters and
 * invisible format characters (bidi overrides…) are shown as escapes (`escapeText`,
 * src/text/escape.ts, the one escaping of human output). Only renders.
 */
import type { FileType } from "../inspect/fs/file-record.js";
import { escapeText } from "../text/escape.js";
import type { ListedEntry } from "./list-tree.js";

const TYPE_CHARS: Record<FileType, string> = { file: "-", dir: "d", symlink: "l", hardlink: "h", char: "c", block: "b", fifo: "p", other: "?" };

/** `drwxr-xr-x`, `-rwsr-xr-x`, `drwxrwxrwt`, as ls and tar show them (S and T when the x bit under them is off). */
export function modeString(type: FileType, mode: number): string {
  const bit = (b: number, c: string) => (mode & b ? c : "-");
  const exec = (x: number, special: number, on: string) => {
    if (mode & special) return mode & x ? on : on.toUpperCase();
    return mode & x ? "x" : "-";
  };
  return (
    TYPE_CHARS[type] +
    bit(0o400, "r") + bit(0o200, "w") + exec(0o100, 0o4000, "s") +
    bit(0o040, "r") + bit(0o020, "w") + exec(0o010, 0o2000, "s") +
    bit(0o004, "r") + bit(0o002, "w") + exec(0o001, 0o1000, "t")
  );
}

/** The layer column: `L0` for the bottom layer; `L2*` for a directory no layer wrote, made when layer 2 wrote below it. */
export const layerColumn = (e: ListedEntry): string => `L${e.layer}${e.implicit ? "*" : ""}`;

function suffix(e: ListedEntry): string {
  if (e.linkname === undefined) return "";
  if (e.type === "symlink") return ` -> ${escapeText(e.linkname)}`;
  if (e.type === "hardlink") return ` link to ${escapeText(e.linkname)}`;
  return "";
}

/** One line an entry, the columns aligned; empty for an empty listing. */
export function renderListing(entries: readonly ListedEntry[]): string {
  const owners = entries.map((e) => `${e.uid}/${e.gid}`);
  const layers = entries.map(layerColumn);
  const ownerWidth = Math.max(0, ...owners.map((o) => o.length));
  const sizeWidth = Math.max(0, ...entries.map((e) => String(e.size).length));
  const layerWidth = Math.max(0, ...layers.map((l) => l.length));
  return entries
    .map((e, i) => `${modeString(e.type, e.mode)} ${owners[i]!.padEnd(ownerWidth)} ${String(e.size).padStart(sizeWidth)} ${layers[i]!.padEnd(layerWidth)} ${escapeText(e.path)}${suffix(e)}\n`)
    .join("");
}
