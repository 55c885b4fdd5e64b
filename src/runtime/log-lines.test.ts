import { describe, expect, it } from "vitest";
import { LogLines } from "./log-lines.js";

/** One engine log frame: stream (1 stdout, 2 stderr), length, bytes. */
function frame(text: string | Buffer, stream = 1): Buffer {
  const body = typeof text === "string" ? Buffer.from(text) : text;
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

function collect(chunks: Buffer[], max?: number): string[] {
  const out: string[] = [];
  const l = new LogLines((line) => out.push(line), max);
  for (const c of chunks) l.push(c);
  l.end();
  return out;
}

describe("LogLines", () => {
  it("undoes the frames of both streams and cuts lines, CRLF included, a last line without newline too", () => {
    expect(collect([frame("one\ntw"), frame("o\r\n", 2), frame("three")])).toEqual(["one", "two", "three"]);
  });

  it("takes frames split anywhere, headers included, a byte at a time", () => {
    const all = Buffer.concat([frame("héllo\n"), frame("wörld\n", 2), frame(""), frame("x\n")]);
    expect(collect([...all].map((b) => Buffer.from([b])))).toEqual(["héllo", "wörld", "x"]);
  });

  it("reads a stream without frame headers as plain bytes", () => {
    expect(collect([Buffer.from("plain\nlines\n")])).toEqual(["plain", "lines"]);
  });

  it("hands on a line longer than the cap once, cut, and skips the rest of it up to its newline", () => {
    const long = "a".repeat(100);
    expect(collect([frame(`${long}\nnext\n`)], 10)).toEqual(["a".repeat(10), "next"]);
    expect(collect([frame("a".repeat(10)), frame("b\nc\n")], 10)).toEqual(["a".repeat(10), "c"]);
  });

  it("holds at most the cap of one endless line: 256 MiB without a newline in 1 MiB frames", () => {
    const lines: string[] = [];
    const l = new LogLines((line) => lines.push(line));
    const chunk = frame(Buffer.alloc(1 << 20, 0x61));
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    for (let i = 0; i < 256; i++) {
      l.push(chunk);
      if (i % 16 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
    l.push(frame("\nready\n"));
    l.end();
    expect(lines).toEqual(["a".repeat(64 * 1024), "ready"]);
    expect(peak).toBeLessThan(16 << 20);
  });
});
