/**
 * The build context as the Docker CLI sends it: a tar stream of the context directory
 * without what `.dockerignore` leaves out (the Dockerfile and `.dockerignore` themselves
 * are always sent), owned by root, with a Dockerfile from outside the context added
 * under a name of its own. Files are streamed from disk, never held whole in memory.
 */
import { lstat, open, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Header, Pax, type HeaderData } from "tar";
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

/** The matcher of `dir/.dockerignore` (no patterns when there is none). */
export async function readDockerignore(dir: string): Promise<IgnoreMatcher> {
  let text = "";
  try {
    text = await readFile(join(dir, ".dockerignore"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  return ignoreMatcher(parseDockerignore(text));
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

function header(data: HeaderData): Buffer[] {
  const h = new Header(data);
  const block = Buffer.alloc(512);
  const blocks: Buffer[] = [];
  if (h.encode(block, 0)) {
    // a long name, link or big number: a PAX header first, which the engine reads
    blocks.push(new Pax({ path: data.path, linkpath: data.linkpath, size: data.size, mtime: data.mtime }).encode());
  }
  blocks.push(block);
  return blocks;
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
  const pad = (512 - (entry.size % 512)) % 512;
  if (pad > 0) yield Buffer.alloc(pad);
}

export interface ExtraFile {
  name: string;
  content: Buffer;
}

/** The tar stream of `entries` (and `extra` files made in memory), ending with two zero blocks. */
export function contextTar(entries: readonly ContextEntry[], extra: readonly ExtraFile[] = []): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    const owner = { uid: 0, gid: 0, uname: "", gname: "" };
    for (const e of entries) {
      if (e.type === "dir") {
        yield* header({ ...owner, path: `${e.name}/`, type: "Directory", mode: e.mode, size: 0, mtime: e.mtime });
      } else if (e.type === "symlink") {
        yield* header({ ...owner, path: e.name, type: "SymbolicLink", linkpath: e.linkpath, mode: e.mode, size: 0, mtime: e.mtime });
      } else {
        yield* header({ ...owner, path: e.name, type: "File", mode: e.mode, size: e.size, mtime: e.mtime });
        yield* fileBody(e);
      }
    }
    for (const f of extra) {
      yield* header({ ...owner, path: f.name, type: "File", mode: 0o644, size: f.content.length, mtime: new Date() });
      yield f.content;
      const pad = (512 - (f.content.length % 512)) % 512;
      if (pad > 0) yield Buffer.alloc(pad);
    }
    yield Buffer.alloc(1024);
  }
  return Readable.from(generate(), { objectMode: false });
}
