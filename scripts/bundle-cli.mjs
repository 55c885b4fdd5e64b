// Part of `npm run build`, after tsc: bundles the command line (dist/cli/main.js and what it
// imports, commander, yaml, ajv's runtime…) into one CommonJS file,
// dist/cli-bundle/imgpolicy.cjs, which bin/imgpolicy.js runs from V8's code cache
// (src/cli/bundle-loader.ts; the cache is made next, by scripts/train-code-cache.mjs).
// Loading one file, compiled ahead, instead of some 300 modules is most of a small image's
// fixed cost.
//
// - The commands stay lazy: a module reached by a dynamic import() runs when it is imported.
// - testcontainers is not bundled: it is required from node_modules when a module that
//   uses it runs (only with --runtime).
// - Code that finds files beside itself (package.json, policies/, schema/, the precompiled
//   validator) uses `import.meta.url`: in each module it is rewritten to the URL of that
//   module's own file under dist/, so those paths resolve as unbundled; the pool's is the
//   bundle's, so that its "./scan-worker.js" is the bundled worker beside it.
// - The layer-scan worker is bundled too, into dist/cli-bundle/scan-worker.js (an ES
//   module), which the bundled pool starts: one file to load makes it ready in ~85 ms
//   rather than ~115 ms, and the hash of a big layer waits for it.
// - dist/ itself is left as it is: the library (dist/index.js) and its worker use it.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = path.join(ROOT, "dist");
const OUT = path.join(DIST, "cli-bundle");
const ENTRY = "\0imgpolicy-cli-entry";
const LAZY = "\0imgpolicy-lazy-testcontainers";
const POOL = path.join(DIST, "inspect", "scan", "worker-pool.js");
const WORKER = path.join(DIST, "inspect", "scan", "scan-worker.js");

// the bundle exports the command and its exit path; bin/imgpolicy.js runs them (src/cli/bundle-loader.ts)
const entryCode = `
export { runToExit } from ${JSON.stringify(path.join(DIST, "cli", "exit-path.js"))};
export { main } from ${JSON.stringify(path.join(DIST, "cli", "main.js"))};
`;

/** The module's own file URL, as seen from the file in OUT that holds it: `cjs`, the CLI bundle (the banner's helper), else the worker's ES module. */
function ownUrl(id, cjs) {
  const rel = path.relative(OUT, id).split(path.sep).join("/");
  return cjs ? `__imgpolicyOwnUrl(${JSON.stringify(rel)})` : `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
}

/** Starts the CLI bundle (strict, as the ES modules it is made of are): the URL of a file beside it. */
const BANNER = `"use strict";
const __imgpolicyOwnUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;`;

/** `cjs`: for the CLI bundle, where testcontainers is required only when the module importing it runs. */
const plugin = (cjs) => ({
  name: "imgpolicy-cli",
  resolveId(id, importer) {
    if (id === ENTRY) return ENTRY;
    if (id !== "testcontainers" && !id.startsWith("testcontainers/")) return null;
    // (an external import would become a require at the top of the bundle, run at every start)
    return cjs && importer !== LAZY ? LAZY : { id, external: true };
  },
  load(id) {
    if (id === ENTRY) return entryCode;
    return id === LAZY ? `module.exports = require("testcontainers");` : null;
  },
  transform(code, id) {
    if (!id.startsWith(DIST + path.sep) || !code.includes("import.meta.url")) return null;
    // (the pool's worker is the bundled one beside the CLI bundle)
    if (id === POOL) return cjs ? { code: code.replaceAll("import.meta.url", ownUrl(path.join(OUT, "imgpolicy.cjs"), true)), map: null } : null;
    return { code: code.replaceAll("import.meta.url", ownUrl(id, cjs)), map: null };
  },
});

rmSync(OUT, { recursive: true, force: true });
const bundle = await rolldown({ input: { imgpolicy: ENTRY }, platform: "node", plugins: [plugin(true)], logLevel: "warn" });
await bundle.write({ file: path.join(OUT, "imgpolicy.cjs"), format: "cjs", codeSplitting: false, banner: BANNER, charset: "ascii", comments: { legal: true, annotation: false, jsdoc: false } });
await bundle.close();
const worker = await rolldown({ input: WORKER, platform: "node", plugins: [plugin(false)], logLevel: "warn" });
await worker.write({ file: path.join(OUT, "scan-worker.js"), format: "esm", codeSplitting: false });
await worker.close();
writeFileSync(path.join(OUT, "package.json"), JSON.stringify({ type: "module" }) + "\n");
// the code cache, made by a check run (in a process of its own: the command ends with exit())
execFileSync(process.execPath, [path.join(ROOT, "scripts", "train-code-cache.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
