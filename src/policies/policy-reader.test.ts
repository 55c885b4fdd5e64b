/** The bounded reader: regular files only, 1 MiB, never blocking, one clean line on refusal. */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_POLICY_BYTES, PolicyReadError, readPolicyFile } from "./policy-reader.js";

let dir: string;
let server: Server;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-reader-"));
  execFileSync("mkfifo", [join(dir, "fifo")]);
  await mkdir(join(dir, "sub"));
  await symlink(join(dir, "fifo"), join(dir, "fifo-link"));
  server = createServer();
  await new Promise<void>((ok) => server.listen(join(dir, "sock"), ok));
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  await rm(dir, { recursive: true, force: true });
});

async function refusal(file: string): Promise<{ message: string; ms: number }> {
  const t0 = performance.now();
  const err = await readPolicyFile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PolicyReadError);
  return { message: (err as Error).message, ms: performance.now() - t0 };
}

describe("readPolicyFile", () => {
  it("reads a regular file", async () => {
    await writeFile(join(dir, "p.yaml"), "failOn: high\n");
    expect(await readPolicyFile(join(dir, "p.yaml"))).toBe("failOn: high\n");
  });

  it.each([
    ["a FIFO, without blocking", "fifo", "a FIFO, not a regular file"],
    ["a symlink to a FIFO", "fifo-link", "a FIFO, not a regular file"],
    ["a directory", "sub", "a directory, not a regular file"],
    ["a socket", "sock", "a socket, not a regular file"],
  ])("refuses %s", async (_what, name, why) => {
    const { message, ms } = await refusal(join(dir, name));
    expect(message).toBe(`cannot read ${join(dir, name)}: ${why}`);
    expect(ms).toBeLessThan(1000);
  });

  it("refuses /dev/zero at once, reading nothing", async () => {
    const { message, ms } = await refusal("/dev/zero");
    expect(message).toBe("cannot read /dev/zero: a character device, not a regular file");
    expect(ms).toBeLessThan(1000);
  });

  it("refuses a file over 1 MiB, and reads one of exactly 1 MiB", async () => {
    await writeFile(join(dir, "big.yaml"), Buffer.alloc(MAX_POLICY_BYTES + 1, 0x20));
    expect((await refusal(join(dir, "big.yaml"))).message).toMatch(/: 1048577 bytes, over the 1 MiB limit for policy files$/);
    await writeFile(join(dir, "edge.yaml"), Buffer.alloc(MAX_POLICY_BYTES, 0x20));
    expect((await readPolicyFile(join(dir, "edge.yaml"))).length).toBe(MAX_POLICY_BYTES);
  });

  it("says a missing file is missing, with the name shown as given", async () => {
    expect((await refusal(join(dir, "nope.yaml"))).message).toBe(`cannot read ${join(dir, "nope.yaml")}: no such file or directory`);
    await expect(readPolicyFile(join(dir, "nope.yaml"), "shown.yaml")).rejects.toThrow(/^cannot read shown\.yaml: /);
  });
});
