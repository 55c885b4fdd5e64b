/**
 * Peak memory through the engine's stats API: one-shot samples at an interval while
 * the container runs, bounded in count. On cgroup v1 the engine also reports the
 * cgroup's own high-water mark (max_usage), which covers the moments between samples.
 */
import type { EngineClient } from "../engine/client.js";
import { memoryStats } from "../engine/containers.js";
import { sleep } from "./sleep.js";

export interface MemorySampler {
  /** Stops sampling (after one last sample) and returns the peak seen, in bytes; later calls return the same. */
  stop(): Promise<number | undefined>;
}

export function sampleMemory(engine: EngineClient, id: string, intervalMs = 500, maxSamples = 600): MemorySampler {
  const stopped = new AbortController();
  let peak: number | undefined;
  const sample = async () => {
    try {
      const m = await memoryStats(engine, id);
      const seen = Math.max(m?.max_usage ?? 0, m?.usage ?? 0);
      if (seen > 0) peak = Math.max(peak ?? 0, seen);
    } catch {
      // not running yet, or gone: the samples that worked are the answer
    }
  };
  const loop = (async () => {
    for (let n = 0; n < maxSamples && !stopped.signal.aborted; n++) {
      await sample();
      await sleep(intervalMs, stopped.signal).catch(() => undefined);
    }
  })();
  let result: Promise<number | undefined> | undefined;
  return {
    stop() {
      stopped.abort();
      result ??= loop.then(sample).then(() => peak);
      return result;
    },
  };
}
