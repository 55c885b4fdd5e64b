/** The build context's .dockerignore is read through the bounded reader: hostile files there are one clean error. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readDockerignore } from "./context-tar.js";

describe("readDockerignore", () => {
  const dirs: string[] = [];
  const context = () => {
    const d = mkdtempSync(join(tmpdir(), "imgpolicy-ctx-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("reads the patterns, and none when there is no .dockerignore", async () => {
    const d = context();
    expect((await readDockerignore(d)).ignores("x")).toBe(false);
    writeFileSync(join(d, ".dockerignore"), "x\n");
    expect((await readDockerignore(d)).ignores("x")).toBe(true);
  });

  it("refuses a FIFO without blocking, and /dev/zero without reading it", async () => {
    const fifo = context();
    execFileSync("mkfifo", [join(fifo, ".dockerignore")]);
    await expect(readDockerignore(fifo)).rejects.toThrow(/cannot read .*\.dockerignore: a FIFO, not a regular file/);
    const zero = context();
    symlinkSync("/dev/zero", join(zero, ".dockerignore"));
    await expect(readDockerignore(zero)).rejects.toThrow(/a character device, not a regular file/);
  });
});
