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

/** The one-line message for any thrown value, with the chain of causes when `debug` is set. */
export function describeError(err: unknown, debug = false): string {
  if (!(err instanceof Error)) return String(err);
  if (!debug) return err.message;
  const lines: string[] = [];
  let cur: unknown = err;
  let depth = 0;
  while (cur instanceof Error && depth < 10) {
    lines.push(depth === 0 ? (cur.stack ?? cur.message) : `caused by: ${cur.stack ?? cur.message}`);
    cur = cur.cause;
    depth++;
  }
  if (cur !== undefined && !(cur instanceof Error)) lines.push(`caused by: ${String(cur)}`);
  return lines.join("\n");
}

/** A short phrase for an error's cause, for messages like "cannot read X: <cause>". */
export function causeText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "no such file or directory";
    if (code === "EACCES") return "permission denied";
    if (code === "EISDIR") return "is a directory";
    if (code === "ENOTDIR") return "not a directory";
    return err.message;
  }
  return String(err);
}
