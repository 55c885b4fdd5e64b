#!/usr/bin/env node
// The command line, bundled by `npm run build` (scripts/bundle-cli.mjs) from dist/cli/main.js
// into one file run from V8's code cache (src/cli/bundle-loader.ts): loading it instead of
// some 300 modules is most of a small image's fixed cost. When dist/ was compiled after the
// bundle was made (tsc alone), the bundle would be stale: dist/cli/main.js runs instead.
// Either way through the one exit path (src/cli/exit-path.ts): the command's code once its
// output is flushed, 2 with one line for an error nobody caught or a command that never finished.
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BUNDLE = new URL("../dist/cli-bundle/imgpolicy.cjs", import.meta.url);
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;

if (mtime(BUNDLE) >= mtime(new URL("../dist/cli/main.js", import.meta.url))) {
  const { runBundle } = await import("../dist/cli/bundle-loader.js");
  runBundle(fileURLToPath(BUNDLE));
} else {
  const { runToExit } = await import("../dist/cli/exit-path.js");
  const { main } = await import("../dist/cli/main.js");
  void runToExit(() => main(process.argv));
}
