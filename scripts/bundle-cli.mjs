// Part of `npm run build`, after tsc: bundles the command line (dist/cli/main.js and what it
// imports, commander, yaml, ajv's runtime…) into dist/cli-bundle/, which bin/imgpolicy.js
// runs. Loading a few files instead of some 300 is most of a small image's fixed cost.
//
// - The commands stay lazy: each dynamic import() becomes a chunk loaded when it runs.
// - testcontainers stays external (it loads only with --runtime, from node_modules).
// - Code that finds files beside itself (package.json, policies/, schema/, the precompiled
//   validator, the scan worker) uses `import.meta.url`: in each module it is rewritten to
//   the URL of that module's own file under dist/, so those paths resolve as unbundled.
// - The layer-scan worker is bundled too, into dist/cli-bundle/scan-worker.js, which the
//   bundled pool starts (its "./scan-worker.js" resolves beside the chunk): one file to load
//   makes it ready in ~85 ms rather than ~115 ms, and the hash of a big layer waits for it.
// - dist/ itself is left as it is: the library (dist/index.js) and its worker use it.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = path.join(ROOT, "dist");
const OUT = path.join(DIST, "cli-bundle");
const ENTRY = "\0imgpolicy-cli-entry";
const EXTERNAL = ["testcontainers"];
const POOL = path.join(DIST, "inspect", "scan", "worker-pool.js");
const WORKER = path.join(DIST, "inspect", "scan", "scan-worker.js");

const entryCode = `
import { runToExit } from ${JSON.stringify(path.join(DIST, "cli", "exit-path.js"))};
import { main } from ${JSON.stringify(path.join(DIST, "cli", "main.js"))};
void runToExit(() => main(process.argv));
`;

/** The module's own file URL, as seen from a chunk in OUT. */
function ownUrl(id) {
  const rel = path.relative(OUT, id).split(path.sep).join("/");
  return `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
}

const plugin = {
  name: "imgpolicy-cli",
  resolveId(id) {
    return id === ENTRY ? ENTRY : null;
  },
  load(id) {
    return id === ENTRY ? entryCode : null;
  },
  transform(code, id) {
    if (!id.startsWith(DIST + path.sep) || !code.includes("import.meta.url")) return null;
    // (the pool's worker is the bundled one beside the chunks)
    if (id === POOL) return null;
    return { code: code.replaceAll("import.meta.url", ownUrl(id)), map: null };
  },
};

rmSync(OUT, { recursive: true, force: true });
const bundle = await rolldown({
  input: { imgpolicy: ENTRY },
  platform: "node",
  external: (id) => EXTERNAL.some((e) => id === e || id.startsWith(e + "/")),
  plugins: [plugin],
  logLevel: "warn",
});
await bundle.write({ dir: OUT, format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" });
await bundle.close();
const worker = await rolldown({ input: WORKER, platform: "node", plugins: [plugin], logLevel: "warn" });
await worker.write({ file: path.join(OUT, "scan-worker.js"), format: "esm", codeSplitting: false });
await worker.close();
writeFileSync(path.join(OUT, "package.json"), JSON.stringify({ type: "module" }) + "\n");
