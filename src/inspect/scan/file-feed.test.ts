import { openSync, closeSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededBytes } from "../../../fixtures/prng.js";
import { feedFromFile, type FeedTarget } from "./file-feed.js";
import type { Consumed } from "./scan-stored.js";

let dir: string;
let file: string;
const bytes = seededBytes(11, "feed", 3_000_017);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-feed-"));
  file = join(dir, "blob");
  writeFileSync(file, bytes);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Copies what it is given; consumes each chunk at once, or later when `hold` says so. */
function collector(hold?: (consumed: Consumed) => void): FeedTarget & { got(): Buffer; maxHeld: number } {
  const parts: Buffer[] = [];
  let held = 0;
  const t = {
    failed: false,
    maxHeld: 0,
    write(chunk: Buffer, consumed: Consumed) {
      parts.push(Buffer.from(chunk));
      held += chunk.length;
      t.maxHeld = Math.max(t.maxHeld, held);
      const n = chunk.length;
      const done: Consumed = (reusable) => {
        held -= n;
        consumed(reusable);
      };
      if (hold) hold(done);
      else done(true);
    },
    got: () => Buffer.concat(parts),
  };
  return t;
}

describe("feedFromFile", () => {
  it("writes a range of a file, opened by path or through an open descriptor", async () => {
    const whole = collector();
    await feedFromFile({ name: file, path: file, start: 0, end: bytes.length }, whole, () => false);
    expect(whole.got().equals(bytes)).toBe(true);

    const fd = openSync(file, "r");
    try {
      const part = collector();
      await feedFromFile({ name: file, fd, start: 1000, end: 2_500_000 }, part, () => false);
      expect(part.got().equals(bytes.subarray(1000, 2_500_000))).toBe(true);
      // the descriptor is the caller's: still open
      const again = collector();
      await feedFromFile({ name: file, fd, start: 5, end: 6 }, again, () => false);
      expect([...again.got()]).toEqual([bytes[5]]);
    } finally {
      closeSync(fd);
    }
  });

  it("holds no more than a window of chunks that the target has not consumed", async () => {
    const slow = collector((done) => setImmediate(() => done(true)));
    await feedFromFile({ name: file, path: file, start: 0, end: bytes.length }, slow, () => false);
    expect(slow.got().equals(bytes)).toBe(true);
    expect(slow.maxHeld).toBeLessThanOrEqual((4 << 20) + (128 << 10));
  });

  it("stops when told to, or when the target has failed", async () => {
    let writes = 0;
    const t = collector();
    const counting: FeedTarget = { failed: false, write: (c, done) => (writes++, t.write(c, done)) };
    await feedFromFile({ name: file, path: file, start: 0, end: bytes.length }, counting, () => writes >= 2);
    expect(writes).toBe(2);
    const failing: FeedTarget = { failed: true, write: () => expect.unreachable() };
    await feedFromFile({ name: file, path: file, start: 0, end: bytes.length }, failing, () => false);
  });

  it("fails with one line naming the file when it ends early or cannot be opened", async () => {
    await expect(feedFromFile({ name: file, path: file, start: 0, end: bytes.length + 10 }, collector(), () => false)).rejects.toThrow(
      `${file}: unexpected end of file at offset ${bytes.length}`,
    );
    const missing = join(dir, "missing");
    await expect(feedFromFile({ name: missing, path: missing, start: 0, end: 1 }, collector(), () => false)).rejects.toThrow(
      `cannot open ${missing}: no such file or directory`,
    );
  });
});
