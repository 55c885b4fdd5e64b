/**
 * Renders a listing as `tar -tv` does: type and permissions, owner, size, then the layer
 * and the path. Names come from images, which anyone can build: control characters and
 * invisible format characters (bidi overrides…) are shown as escapes, and a backslash as
 * `\\`, so that every line reads back to exactly one name (`escapeExact`,
 * src/text/escape.ts, the one escaping of human output). Only renders.
 */
import type { FileType } from "../inspect/fs/file-record.js";
import { escapeExact } from "../text/escape.js";
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
  if (e.type === "symlink") return ` -> ${escapeExact(e.linkname)}`;
  if (e.type === "hardlink") return ` link to ${escapeExact(e.linkname)}`;
  return "";
}

/** Entries rendered and handed on at a time: the text of a whole listing of 300,000 entries is never held at once. */
const SLICE = 4096;

/** One line an entry, the columns aligned, handed to `write` a slice of lines at a time; nothing for an empty listing. */
export function writeListing(entries: readonly ListedEntry[], write: (text: string) => void): void {
  // loops, not Math.max(...lengths): an image has up to 300,000 entries, more arguments than the stack holds
  let ownerWidth = 0;
  let sizeWidth = 0;
  let layerWidth = 0;
  for (const e of entries) {
    ownerWidth = Math.max(ownerWidth, `${e.uid}/${e.gid}`.length);
    sizeWidth = Math.max(sizeWidth, String(e.size).length);
    layerWidth = Math.max(layerWidth, layerColumn(e).length);
  }
  const line = (e: ListedEntry) =>
    `${modeString(e.type, e.mode)} ${`${e.uid}/${e.gid}`.padEnd(ownerWidth)} ${String(e.size).padStart(sizeWidth)} ${layerColumn(e).padEnd(layerWidth)} ${escapeExact(e.path)}${suffix(e)}\n`;
  for (let i = 0; i < entries.length; i += SLICE) write(entries.slice(i, i + SLICE).map(line).join(""));
}

/** The whole listing as one string (writeListing's slices joined); empty for an empty listing. */
export function renderListing(entries: readonly ListedEntry[]): string {
  const parts: string[] = [];
  writeListing(entries, (t) => parts.push(t));
  return parts.join("");
}
