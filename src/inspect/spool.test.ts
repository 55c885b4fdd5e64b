/**
 * The spool of an engine export or a compressed docker save: bounded, and never on disk
 * under a name once it is open, so no error, SIGINT, SIGTERM or SIGKILL can leave it in
 * $TMPDIR.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SourceError } from "../errors.js";
import { spoolToTempFile } from "./random-access.js";

let dir: string;
let saved: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgpolicy-spool-test-"));
  saved = process.env.TMPDIR;
  process.env.TMPDIR = dir; // os.tmpdir() reads it at each call
});
afterEach(() => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** This process's descriptors open on a deleted spool file in the test's TMPDIR. */
function deletedSpools(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/imgpolicy-`) && readlinkSync(`/proc/self/fd/${fd}`).endsWith("/spool (deleted)")) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** Resolves once the spool file is open (seen in /proc/self/fd). */
async function untilOpen(): Promise<void> {
  for (let i = 0; i < 2000 && deletedSpools() === 0; i++) await new Promise((r) => setTimeout(r, 5));
}

describe("spoolToTempFile", () => {
  it("has removed the file from $TMPDIR while it is still writing: a signal then leaves nothing", async () => {
    const source = new PassThrough();
    const spooling = spoolToTempFile(source, "test");
    source.write(Buffer.alloc(1 << 20, 1));
    await untilOpen();
    // mid-spool: the bytes are held by the open descriptor only
    expect(deletedSpools()).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
    source.end(Buffer.alloc(10, 2));
    const file = await spooling;
    expect(file.size).toBe((1 << 20) + 10);
    expect((await file.read(1 << 20, 10)).equals(Buffer.alloc(10, 2))).toBe(true);
    await file.close();
    expect(deletedSpools()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses more than its limit with the caller's message, and lets go of the file", async () => {
    const source = new PassThrough();
    const spooling = spoolToTempFile(source, "test", 3 << 20, () => "more than 3 MiB (IMGPOLICY_MAX_SPOOL_MB raises the limit)");
    for (let i = 0; i < 4; i++) source.write(Buffer.alloc(1 << 20));
    source.end();
    await expect(spooling).rejects.toThrow(new SourceError("more than 3 MiB (IMGPOLICY_MAX_SPOOL_MB raises the limit)"));
    expect(source.destroyed).toBe(true);
    expect(deletedSpools()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("lets go of the file when the stream fails", async () => {
    const source = new PassThrough();
    const spooling = spoolToTempFile(source, "test");
    source.write(Buffer.alloc(1000));
    await untilOpen();
    source.destroy(new Error("the engine went away"));
    await expect(spooling).rejects.toThrow(/the engine went away/);
    expect(deletedSpools()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("says so in one line when $TMPDIR cannot take a file", async () => {
    process.env.TMPDIR = join(dir, "absent");
    const source = new PassThrough();
    await expect(spoolToTempFile(source, "img")).rejects.toThrow(/^img: cannot create a temporary file in .*absent: /);
    expect(source.destroyed).toBe(true);
  });
});
