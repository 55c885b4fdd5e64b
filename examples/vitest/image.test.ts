/**
 * Container images checked in vitest with `imgpolicy/vitest`.
 *
 * The images are written here as OCI layouts in a temporary directory
 * (./oci-layout.ts, Node's own modules only), so the suite needs no Docker engine and
 * no registry. In your project, point `image()` at what your build produced:
 * `oci:build/app:1`, `docker-archive:app.tar`, `docker:app:dev` (the local engine) or
 * `registry.example/app:1.4.2`.
 *
 * Run it with the project's suite (`npm test`), or on its own:
 *   npm run build && npx vitest run --config examples/vitest/vitest.config.ts
 * It imports only `imgpolicy/vitest` and vitest, as a consumer does, so it runs against dist/.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { image, policyTests } from "imgpolicy/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { writeExampleImage } from "./oci-layout.js";

// ── the images under test ────────────────────────────────────────────────────
const dir = await mkdtemp(join(tmpdir(), "imgpolicy-example-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Done right: a numeric non-root USER that /etc/passwd knows, exec-form ENTRYPOINT, OCI labels, a HEALTHCHECK. */
const app = await writeExampleImage(join(dir, "service"), "1.0.0", {
  files: [
    { path: "/etc/passwd", content: "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n" },
    { path: "/etc/group", content: "root:x:0:\nnonroot:x:65532:\n" },
    { path: "/hello-service", content: "#!/hello-service\n", mode: 0o755 },
  ],
  config: {
    User: "65532:65532",
    Entrypoint: ["/hello-service"],
    ExposedPorts: { "8080/tcp": {} },
    Healthcheck: { Test: ["CMD", "/hello-service", "-health"] },
    Labels: {
      "org.opencontainers.image.source": "https://example.com/hello-service",
      "org.opencontainers.image.version": "1.0.0",
      "org.opencontainers.image.revision": "4f2c1e9",
      "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
    },
  },
});

/** Naive: no USER (root), a shell-form CMD, a token in ENV. */
const bad = await writeExampleImage(join(dir, "naive"), "1.0.0", {
  files: [{ path: "/usr/local/bin/hello-service", content: "#!/hello-service\n", mode: 0o755 }],
  config: { Cmd: ["/bin/sh", "-c", "hello-service"], Env: ["API_TOKEN=ex_0123456789abcdef"] },
});

// ── assertions on one image ──────────────────────────────────────────────────
describe("hello-service", () => {
  // A handle is lazy and keeps what it read: the three tests below read the image once per policy.
  const svc = image(app);

  it("passes the base policy", async () => {
    await expect(svc).toPassPolicy("base");
  });

  it("runs as a numeric non-root user", async () => {
    await expect(svc).toHaveNoFindings("IMG-USER-001");
    await expect(svc).toHaveFacts({ config: { user: "65532:65532" }, users: { user: { uid: 65532, root: false } } });
  });

  it("stays small", async () => {
    await expect(svc).toHaveNoFindings("IMG-SIZE-001", { options: { maxBytes: 20 * 1024 * 1024 } });
  });
});

// ── one test per rule: each shows in the CI report (JUnit) as its own test ───
// Passed, failed (with the finding and the fix), or skipped when not applicable.
policyTests(app, "base", { name: "hello-service against base" });

// ── an image that must not ship ──────────────────────────────────────────────
describe("the naive image", () => {
  it("fails go-scratch: it runs as root", async () => {
    await expect(expect(image(bad)).toPassPolicy("go-scratch")).rejects.toThrow(/IMG-USER-001/);
  });

  it("does not pass base either, and has a secret in ENV", async () => {
    await expect(image(bad)).not.toPassPolicy("base");
    await expect(image(bad)).not.toHaveNoFindings("IMG-ENV-001");
  });
});
