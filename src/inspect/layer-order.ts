/**
 * The order to hand layers out to the workers in when they are scanned whole (gzip
 * layers, streams: read-layers.ts): biggest first (by stored size; ties in image
 * order), so that the small layers left for the end keep the scans' ends close.
 */
export function largestFirst(sizes: readonly number[]): number[] {
  return sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
}
