import { describe, expect, it } from "vitest";
import { formatBytes, progressRenderer, type ProgressEvent } from "./progress.js";

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
const A = "sha256:" + "a".repeat(64);
const B = "sha256:" + "b".repeat(64);

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [15_300, "15 kB"],
    [2_500_000, "2.5 MB"],
    [7_000_000_000, "7.0 GB"],
  ])("%d → %s", (n, s) => expect(formatBytes(n)).toBe(s));
});

describe("progressRenderer", () => {
  function run(events: ProgressEvent[], step = 50) {
    const out: string[] = [];
    let t = 0;
    const r = progressRenderer((s) => out.push(s), { intervalMs: 100, now: () => (t += step) });
    for (const e of events) r.onProgress(e);
    return { out, r };
  }
  const image: ProgressEvent = { type: "image", reference: "reg/app:1", layers: [{ digest: A, size: 2_000_000 }, { digest: B, size: 1000 }] };
  const blob = (digest: string, received: number, done = false, cached = false): ProgressEvent => ({ type: "blob", digest, received, done, cached });

  it("draws each layer being fetched and the total, then leaves one summary line", () => {
    const { out } = run([image, blob(A, 500_000), blob(A, 1_000_000), blob(B, 1000, true), blob(A, 2_000_000, true)], 200);
    const text = out.join("");
    const frames = out.map(strip);
    expect(frames.some((f) => f.includes("aaaaaaaaaaaa  500 kB / 2.0 MB") && f.includes("reg/app:1: 0/2 layers, 500 kB / 2.0 MB"))).toBe(true);
    expect(frames.some((f) => f.includes("reg/app:1: 1/2 layers, 1.0 MB / 2.0 MB"))).toBe(true);
    expect(strip(out.at(-1)!)).toBe("reg/app:1: 2 layers, 2.0 MB\n");
    // every redraw first moves up over what it drew
    expect(text).toMatch(/\x1b\[\d+A/);
  });

  it("redraws at most every interval, but always when a layer finishes", () => {
    const { out } = run([image, blob(A, 1), blob(A, 2), blob(A, 3), blob(A, 4), blob(B, 1000, true)], 10);
    // t = 10, 20, … : only the first event after 100 ms draws, and the finished layer
    expect(out.filter((s) => strip(s).includes("layers,")).length).toBe(1);
  });

  it("says how many layers came from the cache, ignores blobs that are not layers, and stays quiet after finishing", () => {
    const { out, r } = run([image, blob("sha256:" + "c".repeat(64), 10, true), blob(A, 2_000_000, true, true), blob(B, 1000, true, true)]);
    expect(strip(out.at(-1)!)).toBe("reg/app:1: 2 layers, 2.0 MB (2 from the cache)\n");
    const n = out.length;
    r.onProgress(blob(A, 1));
    r.finish();
    expect(out.length).toBe(n);
  });

  it("clears what it drew when finished early", () => {
    const { out, r } = run([image, blob(A, 10)], 200);
    r.finish();
    expect(out.at(-1)).toMatch(/^\x1b\[\d+A(\x1b\[2K\n)+\x1b\[\d+A$/);
  });
});
