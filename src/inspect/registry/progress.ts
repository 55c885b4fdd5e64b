/**
 * Download progress: the events a registry source reports through `onProgress`,
 * and a small renderer that draws bytes per layer and overall on a terminal.
 */

export type ProgressEvent =
  /** The layers of the chosen image are known. */
  | { type: "image"; reference: string; layers: { digest: string; size: number }[] }
  /** Bytes of one blob arrived (from the registry, or from the cache when `cached`). */
  | { type: "blob"; digest: string; received: number; total?: number; done: boolean; cached: boolean };

export type ProgressHook = (event: ProgressEvent) => void;

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

interface BlobState {
  received: number;
  total: number;
  done: boolean;
  cached: boolean;
}

export interface Renderer {
  onProgress: ProgressHook;
  /** Clears what is drawn (call it if the read is abandoned). */
  finish(): void;
}

/**
 * Draws a block of lines on a terminal: one per layer being fetched and a total,
 * redrawn at most every `intervalMs`; when every layer is done it leaves one summary line.
 */
export function progressRenderer(write: (s: string) => void, opts: { intervalMs?: number; now?: () => number } = {}): Renderer {
  const interval = opts.intervalMs ?? 100;
  const now = opts.now ?? Date.now;
  let reference = "";
  let layers: string[] = [];
  const blobs = new Map<string, BlobState>();
  let drawn = 0;
  let last = 0;
  let finished = false;

  const clear = () => {
    if (drawn === 0) return;
    write(`\x1b[${drawn}A` + "\x1b[2K\n".repeat(drawn) + `\x1b[${drawn}A`);
    drawn = 0;
  };

  const totals = () => {
    let received = 0;
    let total = 0;
    let done = 0;
    let cached = 0;
    for (const d of layers) {
      const b = blobs.get(d);
      if (!b) continue;
      received += b.received;
      total += b.total;
      if (b.done) done++;
      if (b.done && b.cached) cached++;
    }
    return { received, total, done, cached };
  };

  const draw = () => {
    const t = totals();
    const lines: string[] = [];
    for (const d of layers) {
      const b = blobs.get(d);
      if (!b || b.done || b.received === 0) continue;
      lines.push(`  ${d.slice(7, 19)}  ${formatBytes(b.received)} / ${formatBytes(b.total)}`);
    }
    lines.push(`${reference}: ${t.done}/${layers.length} layers, ${formatBytes(t.received)} / ${formatBytes(t.total)}`);
    clear();
    write(lines.map((l) => `\x1b[2K${l}\n`).join(""));
    drawn = lines.length;
  };

  const onProgress: ProgressHook = (e) => {
    if (finished) return;
    if (e.type === "image") {
      reference = e.reference;
      layers = e.layers.map((l) => l.digest);
      for (const l of e.layers) if (!blobs.has(l.digest)) blobs.set(l.digest, { received: 0, total: l.size, done: false, cached: false });
      return;
    }
    const b = blobs.get(e.digest);
    if (!b) return; // the config, or a manifest: not drawn
    b.received = e.received;
    if (e.total !== undefined) b.total = e.total;
    b.done = e.done;
    b.cached = e.cached;
    const t = totals();
    if (layers.length > 0 && t.done === layers.length) {
      clear();
      const from = t.cached > 0 ? ` (${t.cached} from the cache)` : "";
      write(`${reference}: ${layers.length} layers, ${formatBytes(t.total)}${from}\n`);
      finished = true;
      return;
    }
    if (e.done || now() - last >= interval) {
      last = now();
      draw();
    }
  };

  return {
    onProgress,
    finish() {
      if (!finished) clear();
      finished = true;
    },
  };
}
