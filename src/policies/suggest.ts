/** Levenshtein distance. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** " (did you mean X?)": the closest candidate by edit distance, case aside, when it is close enough; else "". */
export function suggest(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word.toUpperCase(), c.toUpperCase());
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return best && bestD <= Math.max(2, Math.floor(word.length / 4)) ? ` (did you mean ${best}?)` : "";
}
