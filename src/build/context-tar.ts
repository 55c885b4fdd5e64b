/**
 * The build context as the Docker CLI sends it: a tar stream of the context directory
 * without what `.dockerignore` leaves out (the Dockerfile and `.dockerignore` themselves
 * are always sent), owned by root, with a Dockerfile from outside the context added
 * under a name of its own. Files are streamed from disk, never held whole in memory.
 */
import { lstat, open, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { encodeHeader, endOfArchive, padding } from "../tar/writer.js";
import { FileReadError, readRegularFile } from "../files/regular-file.js";
import { SourceError } from "../errors.js";
import { ignoreMatcher, parseDockerignore, type IgnoreMatcher } from "./dockerignore.js";

export interface ContextEntry {
  /** Path inside the context, "/"-separated, no leading "./". */
  name: string;
  type: "file" | "dir" | "symlink";
  /** Absolute path on disk. */
  source: string;
  mode: number;
  size: number;
  mtime: Date;
  linkpath?: string;
}

export interface ContextListing {
  entries: ContextEntry[];
  /** Files and directories .dockerignore left out (top-most only for a directory left out whole). */
  ignored: number;
  matcher: IgnoreMatcher;
}

/** A .dockerignore is a list of patterns; past this it is none a build would want. */
export const MAX_DOCKERIGNORE_BYTES = 1024 * 1024;

/** The text of a context's .dockerignore, through the bounded reader (a FIFO or /dev/zero there is one clean error). */
export async function readDockerignoreText(path: string): Promise<string> {
  try {
    return (await readRegularFile(path, MAX_DOCKERIGNORE_BYTES, ".dockerignore files")).toString("utf8");
  } catch (err) {
    if (err instanceof FileReadError) {
      if ((err.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return "";
      throw new SourceError(err.message, { cause: err });
    }
    throw err;
  }
}

/** The matcher of `dir/.dockerignore` (no patterns when there is none). */
export async function readDockerignore(dir: string): Promise<IgnoreMatcher> {
  return ignoreMatcher(parseDockerignore(await readDockerignoreText(join(dir, ".dockerignore"))));
}

/**
 * Walks the context in a stable order. `keep` names paths sent whatever .dockerignore
 * says (the Dockerfile, .dockerignore). Sockets, devices and FIFOs are skipped, as the CLI does.
 */
export async function listContext(dir: string, keep: readonly string[] = []): Promise<ContextListing> {
  const matcher = await readDockerignore(dir);
  const always = new Set(keep);
  const entries: ContextEntry[] = [];
  let ignored = 0;

  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(rel === "" ? dir : join(dir, rel))).sort();
    for (const n of names) {
      const name = rel === "" ? n : `${rel}/${n}`;
      const source = join(dir, name);
      const st = await lstat(source);
      const skip = !always.has(name) && matcher.ignores(name);
      if (st.isDirectory()) {
        // an ignored directory is still walked when an exception (!pattern) may bring files back
        if (skip && !matcher.hasExceptions) {
          ignored++;
          continue;
        }
        if (!skip) entries.push({ name, type: "dir", source, mode: st.mode & 0o7777, size: 0, mtime: st.mtime });
        await walk(name);
        continue;
      }
      if (skip) {
        ignored++;
        continue;
      }
      if (st.isFile()) {
        entries.push({ name, type: "file", source, mode: st.mode & 0o7777, size: st.size, mtime: st.mtime });
      } else if (st.isSymbolicLink()) {
        entries.push({ name, type: "symlink", source, mode: st.mode & 0o7777, size: 0, mtime: st.mtime, linkpath: await readlink(source) });
      }
    }
  };
  await walk("");
  return { entries, ignored, matcher };
}

const CHUNK = 1 << 20;

async function* fileBody(entry: ContextEntry): AsyncGenerator<Buffer> {
  const fh = await open(entry.source, "r");
  try {
    let left = entry.size;
    while (left > 0) {
      const buf = Buffer.alloc(Math.min(CHUNK, left));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) {
        // the file shrank while it was read: pad, so the archive stays well formed
        yield Buffer.alloc(left);
        break;
      }
      left -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
  const pad = padding(entry.size);
  if (pad > 0) yield Buffer.alloc(pad);
}

export interface ExtraFile {
  name: string;
  content: Buffer;
}

/** The tar stream of `entries` (and `extra` files made in memory), ending with two zero blocks. */
export function contextTar(entries: readonly ContextEntry[], extra: readonly ExtraFile[] = []): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for (const e of entries) {
      if (e.type === "dir") {
        yield encodeHeader({ name: `${e.name}/`, type: "dir", mode: e.mode, mtime: e.mtime });
      } else if (e.type === "symlink") {
        yield encodeHeader({ name: e.name, type: "symlink", linkname: e.linkpath ?? "", mode: e.mode, mtime: e.mtime });
      } else {
        yield encodeHeader({ name: e.name, type: "file", mode: e.mode, size: e.size, mtime: e.mtime });
        yield* fileBody(e);
      }
    }
    for (const f of extra) {
      yield encodeHeader({ name: f.name, type: "file", mode: 0o644, size: f.content.length, mtime: new Date() });
      yield f.content;
      const pad = padding(f.content.length);
      if (pad > 0) yield Buffer.alloc(pad);
    }
    yield endOfArchive();
  }
  return Readable.from(generate(), { objectMode: false });
}
