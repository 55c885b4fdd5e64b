/**
 * The messages between the main thread and a layer-scan worker, and what crosses
 * with them: errors as plain data, layer indexes in columns with their kept
 * contents moved (not copied) back (wire-index.ts).
 *
 *   main → worker   job (what to check, what to keep; or where in a local file to read it all, or to
 *                   only hash or only parse: split-scan.ts), data (a chunk of stored bytes,
 *                   its ArrayBuffer transferred), end, abort
 *   worker → main   ack (bytes taken: flow control; with the chunk's buffer when the worker
 *                   is done with it), done (the index), fail
 */
import { SourceError } from "../../errors.js";
import type { Compression } from "../image.js";
import type { TarCheck } from "../layer/layer-tar.js";
import type { InterestSpec } from "./interest-spec.js";
import type { FileRange } from "./stored-layer.js";
import type { WireIndex } from "./wire-index.js";

export interface JobMessage {
  t: "job";
  id: number;
  layer: number;
  /** The layer, for the scan's messages. */
  what: string;
  check: TarCheck;
  interest: InterestSpec;
  /** The worker reads the stored bytes from this file range itself: no data or end messages follow. */
  file?: FileRange;
  /** Only half of a split scan of `file` (split-scan.ts): its digest, or its parse. */
  task?: "hash" | "parse";
}
export interface DataMessage {
  t: "data";
  id: number;
  buf: ArrayBuffer;
  /** Bytes used at the start of `buf`. */
  len: number;
}
export interface EndMessage {
  t: "end";
  id: number;
}
export interface AbortMessage {
  t: "abort";
  id: number;
}
export type ToWorker = JobMessage | DataMessage | EndMessage | AbortMessage;

export interface AckMessage {
  t: "ack";
  id: number;
  /** Bytes taken. */
  n: number;
  /** The chunk's buffer, given back when the worker is done with it. */
  buf?: ArrayBuffer;
}
export interface DoneMessage {
  t: "done";
  id: number;
  /** The layer index in columns (wire-index.ts); none for a hash task. */
  index?: WireIndex;
  tarBytes: number;
  compression: Compression;
}
export interface FailMessage {
  t: "fail";
  id: number;
  error: WireError;
}
export type FromWorker = AckMessage | DoneMessage | FailMessage;

export interface WireError {
  message: string;
  /** A SourceError: its message is already the one-line, user-facing one. */
  source: boolean;
}

export function toWire(err: unknown): WireError {
  return { message: err instanceof Error ? err.message : String(err), source: err instanceof SourceError };
}

/** The error on this side: a SourceError as it was, anything else named after the layer (as `scanLayer` does). */
export function fromWire(e: WireError, what: string): SourceError {
  return e.source ? new SourceError(e.message) : new SourceError(`${what}: ${e.message}`);
}
