/** zstd decompression: what the zstd tool writes reads back; bombs and huge windows stay bounded. */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { decompressor } from "./decompress.js";
import { ZstdFrames } from "./zstd-frames.js";

function zstd(input: Buffer, ...args: string[]): Buffer {
  const run = spawnSync("zstd", ["-q", "-c", "--no-progress", ...args], { input, maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`zstd: ${run.stderr.toString()}`);
  return run.stdout;
}

function pieces(buf: Buffer, chunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) out.push(buf.subarray(i, i + chunk));
  return out;
}

/** Decompresses, reading slowly; returns the output, and the most the decompressor ever held unread. */
async function drain(compressed: Buffer, chunk: number): Promise<{ out: Buffer; held: number; error?: string }> {
  const d = decompressor("zstd");
  const parts: Buffer[] = [];
  let held = 0;
  Readable.from(pieces(compressed, chunk)).pipe(d);
  try {
    for await (const c of d) {
      held = Math.max(held, d.readableLength);
      parts.push(c as Buffer);
      await new Promise((r) => setImmediate(r));
    }
  } catch (err) {
    return { out: Buffer.concat(parts), held, error: (err as Error).message };
  }
  return { out: Buffer.concat(parts), held };
}

describe("zstd decompression", () => {
  const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 7), randomBytes(1000)]);

  it.each([1, 7, 4096, 1 << 20])("reads what the zstd tool writes, fed in chunks of %i bytes", async (chunk) => {
    const twoFrames = Buffer.concat([zstd(data, "-3"), zstd(Buffer.from("second frame"), "--no-check")]);
    const r = await drain(twoFrames, chunk);
    expect(r.error).toBeUndefined();
    expect(r.out.equals(Buffer.concat([data, Buffer.from("second frame")]))).toBe(true);
  });

  it("decodes a bomb block by block while the reader keeps up: 64 MiB of zeros never held at once", async () => {
    const bomb = zstd(Buffer.alloc(64 << 20), "-3");
    expect(bomb.length).toBeLessThan(100_000);
    const d = decompressor("zstd");
    let total = 0;
    let held = 0;
    Readable.from([bomb]).pipe(d);
    for await (const c of d) {
      total += (c as Buffer).length;
      held = Math.max(held, d.readableLength);
    }
    expect(total).toBe(64 << 20);
    expect(held).toBeLessThanOrEqual(2 << 20);
  });

  it("refuses a frame whose window is over zstd's default limit, before decoding it", async () => {
    const big = zstd(Buffer.alloc(1 << 20, 1), "--long=30", "-1");
    const r = await drain(big, 1 << 16);
    expect(r.error).toMatch(/invalid zstd data: a zstd frame needs a 1024 MiB window, over the 128 MiB limit/);
    expect(r.out.length).toBe(0);
  });

  it("fails on garbage, a reserved block type and a stream cut inside a frame", async () => {
    expect((await drain(randomBytes(1000), 100)).error).toMatch(/not a zstd frame/);
    const good = zstd(data, "-3");
    expect((await drain(good.subarray(0, good.length - 10), 4096)).error).toMatch(/truncated or invalid zstd data/);
    const reserved = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x07, 0x00, 0x00]);
    expect((await drain(reserved, 100)).error).toMatch(/reserved type/);
  });

  it("walks skippable frames and passes over them", () => {
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from("abc")]);
    const frames = new ZstdFrames();
    expect(frames.blockEnds(skippable)).toEqual([]);
    expect(frames.atFrameBoundary).toBe(true);
  });
});
