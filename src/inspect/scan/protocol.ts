/**
 * The messages between the main thread and a layer-scan worker, and what crosses
 * with them: errors as plain data, layer indexes with their kept contents moved
 * (not copied) back.
 *
 *   main → worker   job (what to check, what to keep), data (a chunk of stored bytes,
 *                   its ArrayBuffer transferred), end, abort
 *   worker → main   ack (bytes taken: flow control; with the chunk's buffer when the worker
 *                   is done with it), done (the index), fail
 */
import { SourceError } from "../../errors.js";
import type { Compression } from "../image.js";
import type { LayerIndex } from "../fs/scan-layer.js";
import type { TarCheck } from "../layer/layer-tar.js";
import type { InterestSpec } from "./interest-spec.js";

export interface JobMessage {
  t: "job";
  id: number;
  layer: number;
  /** The layer, for the scan's messages. */
  what: string;
  check: TarCheck;
  interest: InterestSpec;
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
  index: LayerIndex;
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

/**
 * Gives each kept content its own ArrayBuffer (a view may share one with much more:
 * cloning it would copy all of that) and lists them to be transferred.
 */
export function packIndex(index: LayerIndex): ArrayBuffer[] {
  const transfer: ArrayBuffer[] = [];
  for (const f of index.files) {
    if (f.content === undefined) continue;
    const own = new Uint8Array(f.content.length);
    own.set(f.content);
    f.content = own as Buffer;
    transfer.push(own.buffer);
  }
  return transfer;
}

/** Structured clone turns a Buffer into a Uint8Array: make the contents Buffers again. */
export function unpackIndex(index: LayerIndex): LayerIndex {
  for (const f of index.files) {
    const c = f.content as Uint8Array | undefined;
    if (c !== undefined && !Buffer.isBuffer(c)) f.content = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
  return index;
}
