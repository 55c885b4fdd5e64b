// The example suite on its own: `npx vitest run --config examples/vitest/vitest.config.ts`.
// Reading an image (a registry pull, a large layer) can take longer than vitest's
// default 5 s; with `runtime: true` the image is also started and stopped.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    dir: fileURLToPath(new URL(".", import.meta.url)),
    include: ["**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
