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
  /** When the engine's answer said so (404: the engine has no such image): its HTTP status. */
  readonly engineStatus: number | undefined;
  constructor(message: string, options?: EngineAnswerOptions) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.engineStatus = options?.engineStatus;
  }
}

/** The options of an error an engine answer may have caused; decisions read `engineStatus`, never the message. */
export interface EngineAnswerOptions {
  cause?: unknown;
  /** The HTTP status of the engine's answer. */
  engineStatus?: number;
}

/** The container engine is not reachable or refused a request. */
export class EngineError extends ImgpolicyError {
  override readonly kind = "engine";
  /** The HTTP status of the engine's answer, when it answered. */
  readonly engineStatus: number | undefined;
  /** No answer at all: no socket, connection refused, a failed TLS handshake. */
  readonly unreachable: boolean;
  constructor(message: string, options?: EngineAnswerOptions & { unreachable?: boolean }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.engineStatus = options?.engineStatus;
    this.unreachable = options?.unreachable ?? false;
  }
}

/**
 * Error codes of the distribution spec (`errors[].code` of an error answer). A registry
 * may send others; they are kept as sent (upper case).
 */
export type DistributionErrorCode =
  | "BLOB_UNKNOWN"
  | "BLOB_UPLOAD_INVALID"
  | "BLOB_UPLOAD_UNKNOWN"
  | "DIGEST_INVALID"
  | "MANIFEST_BLOB_UNKNOWN"
  | "MANIFEST_INVALID"
  | "MANIFEST_UNKNOWN"
  | "NAME_INVALID"
  | "NAME_UNKNOWN"
  | "SIZE_INVALID"
  | "UNAUTHORIZED"
  | "DENIED"
  | "UNSUPPORTED"
  | "TOOMANYREQUESTS"
  // Distribution's own, beside the spec's
  | "UNKNOWN"
  | "UNAVAILABLE";

export interface RegistryErrorOptions {
  cause?: unknown;
  /** The HTTP status of the registry's (or its token server's) answer. */
  status?: number;
  /** The distribution error codes that answer named. */
  codes?: readonly string[];
}

/**
 * A registry answered with an error, or could not be reached. `status` and `codes` say
 * what the answer was (decisions are made on them, never on the message); both are
 * empty when there was no answer (a connection or TLS failure) or the answer was
 * refused for its content (a digest mismatch, a body too long).
 */
export class RegistryError extends ImgpolicyError {
  override readonly kind = "registry";
  /** The HTTP status of the answer that failed, when there was one. */
  readonly status: number | undefined;
  /** Its distribution error codes, in order, without repeats ([] when it named none). */
  readonly codes: readonly string[];
  /** Whether another attempt may succeed (read by retry.ts), when known. */
  retryable?: boolean;
  constructor(message: string, options?: RegistryErrorOptions) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.status = options?.status;
    this.codes = options?.codes ?? [];
  }

  /** Whether the answer named one of these codes. */
  hasCode(...codes: DistributionErrorCode[]): boolean {
    return codes.some((c) => this.codes.includes(c));
  }
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
