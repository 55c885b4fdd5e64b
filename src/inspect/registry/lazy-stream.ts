/**
 * A stream whose source is made on its first read. A download chain started when it
 * is handed out runs ahead of its reader: it may fail, and end, before the reader has
 * put its listeners on, and that failure is then heard by nobody (the reader waits
 * for an 'error' or 'end' that has already gone by). Made on the first read, nothing
 * runs and nothing can fail before someone is reading.
 */
import { Readable } from "node:stream";

function prematureClose(): Error {
  return Object.assign(new Error("the blob's stream closed before its end"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

export function onFirstRead(start: () => Readable, highWaterMark = 1 << 20): Readable {
  let inner: Readable | undefined;
  const out: Readable = new Readable({
    highWaterMark,
    read() {
      if (inner) {
        inner.resume();
        return;
      }
      let src: Readable;
      try {
        src = inner = start();
      } catch (err) {
        out.destroy(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      src.on("data", (chunk: Buffer) => {
        if (!out.push(chunk)) src.pause();
      });
      src.once("end", () => out.push(null));
      src.once("error", (err: Error) => out.destroy(err));
      src.once("close", () => {
        if (!src.readableEnded) out.destroy(prematureClose());
      });
    },
    destroy(err, cb) {
      if (inner && !inner.destroyed) inner.destroy();
      cb(err);
    },
  });
  return out;
}
