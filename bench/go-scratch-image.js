/**
 * The small bench image: a static Go service FROM scratch, about 22 MB, as the go-scratch
 * policy wants it (the seeds' scratch pattern, as in examples/hello-service/Dockerfile.scratch):
 *
 *   layer 1  COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/passwd /etc/group   (this host's CA bundle)
 *   layer 2  COPY --from=build /out/bench-service /bench-service
 *            a Go HTTP service built here with CGO_ENABLED=0 -trimpath -ldflags="-s -w", which
 *            embeds (go:embed) some 15 MB of real files of this host as its web assets
 *   config   USER 65532:65532, EXPOSE 8080, HEALTHCHECK exec form, ENTRYPOINT ["/bench-service"], OCI labels
 *
 * Written as a docker-archive (bench/docker-archive.js), cached under bench/.work/go-scratch-KEY/
 * (the Go build cache beside it): reruns reuse it.
 *
 * Usage: node bench/go-scratch-image.js   (build or reuse, print the metadata)
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ARCH, WORK, run, walk } from "./build-image.js";
import { tarStage, writeDockerArchive } from "./docker-archive.js";

/** Bump when what is built changes: old caches are then ignored. */
export const GO_SCRATCH_VERSION = "v1";
export const GO_SCRATCH_TAG = "imgpolicy-bench/go-scratch:1";
const ASSET_BYTES = 16 * 2 ** 20;
const ASSET_ROOTS = ["usr/share/javascript", "usr/share/doc/git", "usr/share/doc/valgrind", "usr/share/doc/nodejs", "usr/share/doc"];

const MAIN_GO = `// bench-service: a small HTTP service with embedded web assets, built for imgpolicy's bench.
// "bench-service health" asks a running service for /health and exits 0 when it answers 200.
package main

import (
	"embed"
	"encoding/json"
	"io/fs"
	"log"
	"net/http"
	"os"
	"time"
)

//go:embed assets
var assets embed.FS

func main() {
	addr := ":8080"
	if len(os.Args) > 1 && os.Args[1] == "health" {
		c := http.Client{Timeout: 2 * time.Second}
		r, err := c.Get("http://127.0.0.1" + addr + "/health")
		if err != nil || r.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		os.Exit(0)
	}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("listening on %s", addr)
	log.Fatal(srv.ListenAndServe())
}
`;

/** Copies world-readable regular files under ASSET_ROOTS into `dir` (flat, safe names) up to ASSET_BYTES. */
function copyAssets(dir) {
  fs.mkdirSync(dir, { recursive: true });
  let bytes = 0;
  let n = 0;
  const seen = new Set();
  for (const root of ASSET_ROOTS) {
    for (const e of walk(root)) {
      if (bytes >= ASSET_BYTES) return { bytes, files: n };
      if (e.kind !== "f" || e.size === 0 || seen.has(e.rel)) continue;
      seen.add(e.rel);
      const name = `${String(n).padStart(5, "0")}-${path.posix.basename(e.rel).replace(/[^A-Za-z0-9._-]/g, "_")}`;
      fs.copyFileSync("/" + e.rel, path.join(dir, name));
      bytes += e.size;
      n++;
    }
  }
  if (n === 0) fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>bench</title>\n");
  return { bytes, files: n };
}

async function goBuild(src, out, cacheDir) {
  const env = {
    ...process.env,
    CGO_ENABLED: "0",
    GOOS: "linux",
    GOPROXY: "off",
    GOFLAGS: "-mod=mod",
    GO111MODULE: "on",
    GOWORK: "off",
    GOTOOLCHAIN: "local",
    GOCACHE: path.join(cacheDir, "build"),
    GOPATH: path.join(cacheDir, "path"),
  };
  delete env.GOARCH;
  await run("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", out, "."], { env, capture: false, cwd: src });
}

/**
 * Builds (or reuses) the go-scratch bench image. Returns its metadata (also in meta.json):
 * { key, archive: { path, ref, bytes }, configDigest, binary, binaryBytes, layers, reused }.
 */
export async function buildGoScratchImage({ log = (s) => console.error(s) } = {}) {
  const key = `${GO_SCRATCH_VERSION}-${ARCH}`;
  const dir = path.join(WORK, `go-scratch-${key}`);
  const metaFile = path.join(dir, "meta.json");
  if (fs.existsSync(metaFile)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
    if (fs.existsSync(meta.archive.path) && fs.existsSync(meta.binary)) {
      log(`go-scratch image ${key}: reusing ${path.relative(process.cwd(), dir)}`);
      return { ...meta, reused: true };
    }
  }
  const t0 = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  const src = path.join(dir, "src");
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, "go.mod"), "module example.com/bench-service\n\ngo 1.19\n");
  fs.writeFileSync(path.join(src, "main.go"), MAIN_GO);
  const assets = copyAssets(path.join(src, "assets"));
  const binary = path.join(dir, "bench-service");
  log(`go-scratch image ${key}: go build (CGO_ENABLED=0, -s -w) with ${(assets.bytes / 2 ** 20).toFixed(1)} MiB of embedded assets`);
  await goBuild(src, binary, path.join(WORK, "go-cache"));

  // layer 1: CA bundle, passwd, group
  const etc = path.join(dir, "stage-etc");
  fs.mkdirSync(path.join(etc, "etc", "ssl", "certs"), { recursive: true });
  fs.copyFileSync("/etc/ssl/certs/ca-certificates.crt", path.join(etc, "etc", "ssl", "certs", "ca-certificates.crt"));
  fs.writeFileSync(path.join(etc, "etc", "passwd"), "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
  fs.writeFileSync(path.join(etc, "etc", "group"), "root:x:0:\nnonroot:x:65532:\n");
  // layer 2: the service
  const app = path.join(dir, "stage-app");
  fs.mkdirSync(app, { recursive: true });
  fs.copyFileSync(binary, path.join(app, "bench-service"));
  fs.chmodSync(path.join(app, "bench-service"), 0o755);

  const layers = [
    { file: await tarStage(etc, path.join(dir, "layer-etc.tar")), createdBy: "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/passwd /etc/group /etc/ # buildkit" },
    { file: await tarStage(app, path.join(dir, "layer-app.tar")), createdBy: "COPY --from=build /out/bench-service /bench-service # buildkit" },
  ];
  const config = {
    architecture: ARCH,
    os: "linux",
    config: {
      User: "65532:65532",
      ExposedPorts: { "8080/tcp": {} },
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Entrypoint: ["/bench-service"],
      Healthcheck: { Test: ["CMD", "/bench-service", "health"], Interval: 10e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 3 },
      Labels: {
        "org.opencontainers.image.source": "https://example.com/bench-service",
        "org.opencontainers.image.version": "1.0.0",
        "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
        "org.opencontainers.image.created": "2024-01-01T00:00:00Z",
        "org.opencontainers.image.title": "imgpolicy bench go-scratch image",
      },
    },
  };
  const archive = await writeDockerArchive({ workDir: dir, archivePath: path.join(dir, "image.tar"), tag: GO_SCRATCH_TAG, config, layers });
  for (const d of [etc, app, src]) fs.rmSync(d, { recursive: true, force: true });
  const meta = {
    key,
    builtAt: new Date().toISOString(),
    buildSeconds: (Date.now() - t0) / 1000,
    archive: { path: archive.path, ref: archive.ref, bytes: archive.bytes },
    configDigest: archive.configDigest,
    layers: archive.layers,
    binary,
    binaryBytes: fs.statSync(binary).size,
    assets,
  };
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + "\n");
  log(`go-scratch image ${key}: ${(meta.archive.bytes / 1e6).toFixed(1)} MB archive built in ${meta.buildSeconds.toFixed(1)} s`);
  return { ...meta, reused: false };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await buildGoScratchImage(), null, 2));
}
