// Part of `npm run build`, run by scripts/bundle-cli.mjs in a process of its own: makes the
// code cache of dist/cli-bundle/imgpolicy.cjs (src/cli/bundle-loader.ts) by running the
// bundle's `check --policy go-scratch` on a small docker-archive made here, then writing the
// bytecode of every function that run compiled. Functions it did not reach are compiled
// when first called, as without a cache. The run must end as a check does (exit 0 or 1):
// anything else means the bundle is broken, and the build fails.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "tar";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { cliOf, runBundle } = await import(path.join(ROOT, "dist", "cli", "bundle-loader.js"));

const dir = mkdtempSync(path.join(tmpdir(), "imgpolicy-train-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => process.exit(1));

// a scratch-style image: users, CA certificates, an ELF entrypoint (any on this machine)
const root = path.join(dir, "root");
mkdirSync(path.join(root, "etc", "ssl", "certs"), { recursive: true });
writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n");
writeFileSync(path.join(root, "etc", "ssl", "certs", "ca-certificates.crt"), "");
const elf = ["/bin/true", "/usr/bin/true"].find((f) => existsSync(f));
if (elf) copyFileSync(elf, path.join(root, "app"));
else writeFileSync(path.join(root, "app"), "#!/app\n", { mode: 0o755 });
await create({ cwd: root, file: path.join(dir, "layer.tar"), portable: true }, ["etc", "app"]);
const diffId = `sha256:${createHash("sha256").update(readFileSync(path.join(dir, "layer.tar"))).digest("hex")}`;
const config = {
  architecture: "amd64",
  os: "linux",
  config: { User: "65532:65532", Entrypoint: ["/app"], Labels: { "org.opencontainers.image.source": "https://example.com/app" } },
  rootfs: { type: "layers", diff_ids: [diffId] },
  history: [{ created_by: "COPY app /app # buildkit" }],
};
writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
writeFileSync(path.join(dir, "manifest.json"), JSON.stringify([{ Config: "config.json", RepoTags: ["train:1"], Layers: ["layer.tar"] }]));
const archive = path.join(dir, "image.tar");
await create({ cwd: dir, file: archive, portable: true }, ["manifest.json", "config.json", "layer.tar"]);

const argv = [process.argv[0], path.join(ROOT, "bin", "imgpolicy.js"), "check", "--policy", "go-scratch", `docker-archive:${archive}`];
const run = runBundle(path.join(ROOT, "dist", "cli-bundle", "imgpolicy.cjs"));
const cli = cliOf(run);
process.on("exit", () => {
  const code = process.exitCode ?? 0;
  if (code !== 0 && code !== 1) {
    process.stderr.write(`train-code-cache: the bundle's check of a small image exited ${code}: the bundle is broken\n`);
    process.exitCode = 1;
    return;
  }
  run.writeCache();
  process.exitCode = 0;
});
void cli.runToExit(() => cli.main(argv));
