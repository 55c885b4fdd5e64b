/**
 * The order to hand layers out to the scans in: biggest first (by stored size; ties
 * in image order). This thread scans the first one handed out (read-layers.ts), so
 * the biggest layer's index, mostly the one with the most entries, need not cross
 * from a worker; and the small layers left for the end keep the scans' ends close.
 */
export function largestFirst(sizes: readonly number[]): number[] {
  return sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
}
