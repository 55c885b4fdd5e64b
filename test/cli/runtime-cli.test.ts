/**
 * `imgpolicy check --runtime | --runtime-only | --require-runtime` and `imgpolicy gc`
 * where no engine answers (DOCKER_HOST points at a socket that does not exist): the
 * runtime is "not run", reported, or an error with --require-runtime. Runs against a
 * real engine are test/runtime's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { runGc } from "../../src/cli/commands/gc.js";
import type { Io } from "../../src/cli/main.js";
import { runCli } from "./run-cli.js";

let dir: string;
let good: string;
const saved = process.env.DOCKER_HOST;
beforeAll(async () => {
  process.env.DOCKER_HOST = "unix:///nonexistent";
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-runtime-cli-"));
  const passwd = "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";
  const image = buildImage({
    layers: [{ files: [{ path: "/etc/passwd", content: passwd }, { path: "/app", content: "#!/app\n", mode: 0o755 }] }],
    config: {
      User: "65532:65532",
      Entrypoint: ["/app"],
      Healthcheck: { Test: ["CMD", "/app", "health"] },
      Labels: {
        "org.opencontainers.image.source": "https://example.com/app",
        "org.opencontainers.image.version": "1.0.0",
        "org.opencontainers.image.revision": "abc123",
        "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
      },
    },
  });
  good = `oci:${join(dir, "good")}:1`;
  await writeOciLayout(join(dir, "good"), [{ image, refName: "1" }]);
});
afterAll(async () => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
  await rm(dir, { recursive: true, force: true });
});

describe("imgpolicy check with the runtime, no engine", () => {
  it("--require-runtime: exit 2 with one line, and no report", async () => {
    const r = await runCli("check", "--require-runtime", good);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^imgpolicy: --require-runtime: oci:.*good:1 could not be run: \S.*\n$/);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("--runtime: the static verdict stands, and the report says the runtime was not run", async () => {
    const r = await runCli("check", "--runtime", good);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ oci:.*good:1.*\n {2}runtime: not run: \S/);
  });

  it("--runtime --format json: runtime.status not-run with the reason", async () => {
    const r = await runCli("check", "--runtime-only", "--format", "json", good);
    expect(r.code).toBe(0);
    const img = JSON.parse(r.stdout).images[0];
    expect(img.runtime.status).toBe("not-run");
    expect(img.runtime.reason).toMatch(/^not run: \S/);
    expect(img.results.every((x: { category: string }) => x.category === "runtime")).toBe(true);
  });

  it("a static check never reports runtime figures", async () => {
    const r = await runCli("check", "--format", "json", good);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).images[0].runtime).toBeUndefined();
  });

  it("lists the runtime flags and the gc command in --help", async () => {
    const check = await runCli("check", "--help");
    expect(check.stdout).toMatch(/--runtime\b[\s\S]*--runtime-only[\s\S]*--require-runtime/);
    const top = await runCli("--help");
    expect(top.stdout).toMatch(/\n {2}gc\b/);
  });
});

describe("imgpolicy gc", () => {
  const capture = () => {
    let stdout = "";
    let stderr = "";
    const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false };
    return { io, out: () => stdout, err: () => stderr };
  };

  it("no engine: exit 2 with one line", async () => {
    const r = await runCli("gc");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^imgpolicy: .*nonexistent.*\n$/);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("prints each container removed, then what was kept", async () => {
    const c = capture();
    const seen: object[] = [];
    const code = await runGc({}, c.io, async (opts) => {
      seen.push(opts);
      return { removed: ["0123456789abcdef0123", "fedcba9876543210fedc"], kept: ["aaaaaaaaaaaaaaaa"], failed: [] };
    });
    expect(code).toBe(0);
    expect(seen).toEqual([{}]);
    expect(c.out()).toBe("removed 0123456789ab\nremoved fedcba987654\n2 containers removed; 1 container of imgpolicy runs still in progress kept (--all removes them too)\n");
  });

  it("--all is passed on; nothing to remove says so", async () => {
    const c = capture();
    const seen: object[] = [];
    expect(await runGc({ all: true }, c.io, async (opts) => (seen.push(opts), { removed: [], kept: [], failed: [] }))).toBe(0);
    expect(seen).toEqual([{ all: true }]);
    expect(c.out()).toBe("no leftover runtime containers\n");
  });

  it("a container that could not be removed: exit 2, named on stderr", async () => {
    const c = capture();
    const code = await runGc({}, c.io, async () => ({ removed: ["0123456789abcdef"], kept: [], failed: [{ id: "feedfacefeedface", reason: "device busy" }] }));
    expect(code).toBe(2);
    expect(c.err()).toBe("imgpolicy: could not remove feedfacefeed: device busy\n");
    expect(c.out()).toBe("removed 0123456789ab\n1 container removed; 1 could not be removed\n");
  });
});
