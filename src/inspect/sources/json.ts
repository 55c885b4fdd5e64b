/** Parsing JSON documents of an image with messages that name the file. */
import { SourceError } from "../../errors.js";
import type { FileSource } from "../file-source.js";

export function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (err) {
    throw new SourceError(`${what}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

export async function readJson<T>(source: FileSource, path: string, limit = 8 << 20): Promise<T> {
  return parseJson<T>(await source.readAll(path, limit), `${source.name}: ${path}`);
}

export function blobPath(digest: string): string {
  const i = digest.indexOf(":");
  return `blobs/${digest.slice(0, i)}/${digest.slice(i + 1)}`;
}
