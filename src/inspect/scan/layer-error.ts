/** The error for a layer, from whatever a scan or a stream threw. (Small on its own: the worker pool needs it without the scan code.) */
import { SourceError } from "../../errors.js";

/** SourceErrors as they are, anything else named after the layer. */
export function layerError(err: unknown, what: string): SourceError {
  if (err instanceof SourceError) return err;
  return new SourceError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
