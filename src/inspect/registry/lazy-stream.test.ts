import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { onFirstRead } from "./lazy-stream.js";

const tick = () => new Promise((r) => setTimeout(r, 20));

describe("onFirstRead", () => {
  it("makes its source only when first read, so a failure waits for a listener", async () => {
    let started = 0;
    const s = onFirstRead(() => {
      started++;
      return new Readable({
        read() {
          this.destroy(new Error("the blob is bad"));
        },
      });
    });
    await tick();
    expect(started).toBe(0);
    expect(s.destroyed).toBe(false);
    await expect((async () => {
      for await (const _ of s) void _;
    })()).rejects.toThrow("the blob is bad");
    expect(started).toBe(1);
  });

  it("passes the bytes on, in order, and ends", async () => {
    const s = onFirstRead(() => Readable.from([Buffer.from("a"), Buffer.from("bc"), Buffer.from("d")]));
    const out: Buffer[] = [];
    for await (const c of s) out.push(c as Buffer);
    expect(Buffer.concat(out).toString()).toBe("abcd");
  });

  it("fails when the source closes before its end", async () => {
    const src = new PassThrough();
    const s = onFirstRead(() => src);
    const reading = (async () => {
      for await (const _ of s) void _;
    })();
    src.write("x");
    await tick();
    src.destroy();
    await expect(reading).rejects.toThrow("closed before its end");
  });

  it("destroys the source when it is destroyed, and holds back while the reader is behind", async () => {
    const src = new PassThrough({ highWaterMark: 16 });
    const s = onFirstRead(() => src, 16);
    s.once("data", () => s.pause());
    for (let i = 0; i < 10; i++) src.write(Buffer.alloc(16));
    await tick();
    expect(src.isPaused()).toBe(true);
    s.destroy();
    await tick();
    expect(src.destroyed).toBe(true);
  });

  it("fails when the source cannot be made", async () => {
    const s = onFirstRead(() => {
      throw new Error("no source");
    });
    await expect((async () => {
      for await (const _ of s) void _;
    })()).rejects.toThrow("no source");
  });
});
