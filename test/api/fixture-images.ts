/**
 * The images the API tests check, written as OCI layouts by the fixture writer:
 *   good   passes base: non-root numeric USER in /etc/passwd, exec-form entrypoint, OCI labels, HEALTHCHECK
 *   bad    fails base: no USER (root), a shell-form CMD with no /bin/sh to run it, a token in ENV, a .env file
 *   multi  an index of good for linux/amd64 and bad for linux/arm64
 * Each is tagged "1": reference them as `oci:<dir>:1`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImage, writeOciLayout, type ImageSpec } from "../../fixtures/image-writer.js";

export const LABELS = {
  "org.opencontainers.image.source": "https://example.com/app",
  "org.opencontainers.image.version": "1.0.0",
  "org.opencontainers.image.revision": "abc123",
  "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
};

const PASSWD = "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";

export const GOOD: ImageSpec = {
  layers: [{ files: [{ path: "/etc/passwd", content: PASSWD }, { path: "/app", content: "#!/app\n", mode: 0o755 }] }],
  config: { User: "65532:65532", Entrypoint: ["/app"], Labels: LABELS, Healthcheck: { Test: ["CMD", "/app", "health"] } },
};

export const BAD: ImageSpec = {
  layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }, { path: "/srv/.env", content: "DB_PASSWORD=x\n" }] }],
  config: { Cmd: ["/bin/sh", "-c", "/app"], Env: ["API_TOKEN=tok_1234567890abcdef"] },
};

export interface FixtureImages {
  dir: string;
  good: string;
  bad: string;
  multi: string;
  /** A layout path that does not exist. */
  missing: string;
  cleanup(): Promise<void>;
}

export async function writeFixtureImages(prefix = "imgpolicy-api-"): Promise<FixtureImages> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeOciLayout(join(dir, "good"), [{ image: buildImage(GOOD), refName: "1" }]);
  await writeOciLayout(join(dir, "bad"), [{ image: buildImage(BAD), refName: "1" }]);
  const arm = buildImage({ ...BAD, platform: { os: "linux", architecture: "arm64" } });
  await writeOciLayout(join(dir, "multi"), [{ index: [buildImage(GOOD), arm], refName: "1" }]);
  return {
    dir,
    good: `oci:${join(dir, "good")}:1`,
    bad: `oci:${join(dir, "bad")}:1`,
    multi: `oci:${join(dir, "multi")}:1`,
    missing: `oci:${join(dir, "missing")}:1`,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
