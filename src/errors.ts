/**
 * Typed errors. Every error carries a one-line, user-facing message and an
 * optional cause; only the CLI turns them into exit codes.
 */
export type ErrorKind = "usage" | "source" | "engine" | "registry" | "policy" | "internal";

export class ImgpolicyError extends Error {
  readonly kind: ErrorKind = "internal";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user asked for something that does not make sense (bad flag, bad reference syntax). */
export class UsageError extends ImgpolicyError {
  override readonly kind = "usage";
}

/** An image source could not be read: missing file, corrupt tarball, digest mismatch, path traversal. */
export class SourceError extends ImgpolicyError {
  override readonly kind = "source";
}

/** The container engine is not reachable or refused a request. */
export class EngineError extends ImgpolicyError {
  override readonly kind = "engine";
}

/** A registry answered with an error, or could not be reached. */
export class RegistryError extends ImgpolicyError {
  override readonly kind = "registry";
}

/** A policy file is missing, does not parse or does not validate. */
export class PolicyError extends ImgpolicyError {
  override readonly kind = "policy";
}

/** One error of a chain: "Name: message", and the stack frames after it ("\n    at …", or ""). */
export interface ChainLink {
  head: string;
  frames: string;
}

/** The error and its causes, outermost first (at most 10 errors, then a value that is not one). */
export function errorChain(err: unknown): ChainLink[] {
  const links: ChainLink[] = [];
  let cur: unknown = err;
  while (cur instanceof Error && links.length < 10) {
    const stack = cur.stack ?? "";
    // The message can span lines: the frames start after it, not at the first newline.
    const at = cur.message ? stack.indexOf(cur.message) : stack.indexOf("\n");
    links.push({ head: `${cur.name}: ${cur.message}`, frames: at < 0 ? "" : stack.slice(at + cur.message.length) });
    cur = cur.cause;
  }
  if (cur !== undefined && !(cur instanceof Error)) links.push({ head: String(cur), frames: "" });
  return links;
}

/** The one-line message for any thrown value, with the chain of causes when `debug` is set. */
export function describeError(err: unknown, debug = false): string {
  if (!(err instanceof Error)) return String(err);
  if (!debug) return err.message;
  return errorChain(err)
    .map((l, n) => `${n === 0 ? "" : "caused by: "}${l.head}${l.frames}`)
    .join("\n");
}

/** A short phrase for an error's cause, for messages like "cannot read X: <cause>". */
export function causeText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "no such file or directory";
    if (code === "EACCES") return "permission denied";
    if (code === "EISDIR") return "is a directory";
    if (code === "ENOTDIR") return "not a directory";
    if (code === "EEXIST") return "a file is in the way";
    if (code === "EROFS") return "read-only file system";
    return err.message;
  }
  return String(err);
}
