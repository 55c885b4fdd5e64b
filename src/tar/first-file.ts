/** The first regular file of a small tar held in memory (the engine's archive of one file). */
import { TarReader } from "./reader.js";

/** Its bytes, or undefined when the tar holds none. Throws TarFormatError for a malformed tar. */
export function firstRegularFile(tar: Buffer): Buffer | undefined {
  let found: Buffer | undefined;
  let parts: Buffer[] | undefined;
  const reader = new TarReader({
    entry(e) {
      if (found !== undefined || parts !== undefined || e.type !== "file" || e.sparse) return undefined;
      if (e.size === 0) {
        found = Buffer.alloc(0);
        return undefined;
      }
      const got: Buffer[] = [];
      parts = got;
      return { data: (c) => void got.push(Buffer.from(c)), end: () => (found = Buffer.concat(got)) };
    },
  });
  reader.write(tar);
  reader.end();
  return found;
}
