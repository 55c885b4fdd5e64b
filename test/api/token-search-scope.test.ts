/**
 * IMG-FS-007's `skipDirs` reaches the layer scan: by default the token search leaves out
 * what distributions ship as data (/usr/share/doc here), and a policy that empties the
 * list has every file searched. Through check() over a fixture OCI layout, with the scan
 * on this thread (the sources) and in the worker pool (the build in dist/, whose worker is
 * compiled: a plain local layer is hashed on a worker and parsed on this thread).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as src from "../../src/index.js";
import type { Report } from "../../src/index.js";
import { buildImage, writeOciLayout } from "../../fixtures/image-writer.js";
import { GOOD } from "./fixture-images.js";

const TOKEN_DOC = "ghp_" + "Doc0123456789abcdefghijklmnopqrstuvw".slice(0, 36);
const TOKEN_APP = "ghp_" + "App0123456789abcdefghijklmnopqrstuvw".slice(0, 36);

let dir: string;
let ref: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-token-scope-"));
  const layers = [
    ...GOOD.layers,
    {
      files: [
        { path: "/usr/share/doc/tool/README", content: `example: ${TOKEN_DOC}\n` },
        { path: "/app/config.js", content: `module.exports = { token: "${TOKEN_APP}" };\n` },
      ],
    },
  ];
  await writeOciLayout(join(dir, "img"), [{ image: buildImage({ ...GOOD, layers }), refName: "1" }]);
  ref = `oci:${join(dir, "img")}:1`;
  // (ignore: [] too, as /usr/share/doc is also in the default vendored list, vendored-secrets.ts)
  await writeFile(join(dir, "everywhere.yaml"), "extends: base\nrules:\n  IMG-FS-007:\n    options:\n      skipDirs: []\n      ignore: []\n");
  await writeFile(join(dir, "bad-dir.yaml"), "extends: base\nrules:\n  IMG-FS-007:\n    options:\n      skipDirs: [usr/share]\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const pathsOf = (report: Report) =>
  report.images[0]!.results.filter((r) => r.rule === "IMG-FS-007").flatMap((r) => (r.status === "fail" ? r.findings.map((f) => f.location?.path) : []));

describe("token search scope", () => {
  for (const workers of ["0", "1"]) {
    it(`leaves distribution data out by default, searches it when the policy says so (workers ${workers})`, async () => {
      const saved = process.env.IMGPOLICY_SCAN_WORKERS;
      process.env.IMGPOLICY_SCAN_WORKERS = workers;
      const { check, inspect } = workers === "0" ? src : ((await import("../../dist/index.js")) as unknown as typeof src);
      try {
        expect(pathsOf(await check(ref, "base"))).toEqual(["/app/config.js"]);
        expect(pathsOf(await check(ref, join(dir, "everywhere.yaml")))).toEqual(["/usr/share/doc/tool/README", "/app/config.js"].sort());
        const facts = await inspect(ref);
        expect(facts.filesystem.secretContents?.map((s) => s.path)).toEqual(["/app/config.js"]);
        const all = await inspect(ref, { tokenSkipDirs: [] });
        expect(all.filesystem.secretContents?.map((s) => s.path).sort()).toEqual(["/app/config.js", "/usr/share/doc/tool/README"]);
      } finally {
        if (saved === undefined) delete process.env.IMGPOLICY_SCAN_WORKERS;
        else process.env.IMGPOLICY_SCAN_WORKERS = saved;
      }
    });
  }

  it("refuses a skip entry that is not an absolute directory, at file:line", async () => {
    const err = await src.check(ref, join(dir, "bad-dir.yaml")).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/bad-dir\.yaml:\d+/);
    expect((err as Error).message).toMatch(/skipDirs/);
  });
});
