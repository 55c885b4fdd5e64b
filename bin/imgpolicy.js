#!/usr/bin/env node
// The command line, bundled by `npm run build` (scripts/bundle-cli.mjs) from dist/cli/main.js
// into one file run from V8's code cache (src/cli/bundle-loader.ts): loading it instead of
// some 300 modules is most of a small image's fixed cost. In a source checkout, dist/
// compiled by tsc alone after the bundle was made leaves the bundle stale: dist/cli/main.js
// runs instead (an installed package has no src/, and npm writes its files in any order).
// Either way through the one exit path (src/cli/exit-path.ts): the command's code once its
// output is flushed, 2 with one line for an error nobody caught or a command that never finished.
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (rel) => new URL(rel, import.meta.url);
const BUNDLE = here("../dist/cli-bundle/imgpolicy.cjs");
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const stale = existsSync(here("../src")) && mtime(BUNDLE) < mtime(here("../dist/cli/main.js"));

if (mtime(BUNDLE) >= 0 && !stale) {
  const { runCli } = await import("../dist/cli/bundle-loader.js");
  runCli(fileURLToPath(BUNDLE));
} else {
  const { runToExit } = await import("../dist/cli/exit-path.js");
  const { main } = await import("../dist/cli/main.js");
  void runToExit(() => main(process.argv));
}
