/**
 * Byte counts in messages (not a rule, not registered): SI units, as `docker images`
 * and dive print them (1 MB = 1,000,000 bytes).
 */

const UNITS = ["kB", "MB", "GB", "TB"] as const;

/** "926.4 MB" */
export function formatBytes(n: number): string {
  if (Math.abs(n) < 1000) return `${n} B`;
  let v = n;
  let unit = "B";
  for (const u of UNITS) {
    if (Math.abs(v) < 1000) break;
    v /= 1000;
    unit = u;
  }
  return `${v.toFixed(1)} ${unit}`;
}

/** "926.4 MB (926,401,024 bytes)" */
export function formatBytesExact(n: number): string {
  return n < 1000 ? `${n} bytes` : `${formatBytes(n)} (${n.toLocaleString("en-US")} bytes)`;
}

/** "12.5%" */
export function formatPercent(p: number): string {
  return `${p.toFixed(1)}%`;
}
