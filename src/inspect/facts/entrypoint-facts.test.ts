/** The entrypoint fact of a shell-form command: the shell itself must be in the image. */
import { describe, expect, it } from "vitest";
import { treeOf } from "../../../fixtures/file-tree.js";
import { entrypointFact } from "./entrypoint-facts.js";

describe("entrypointFact, shell form", () => {
  it("reports a shell-form ENTRYPOINT in an image without /bin/sh as not found: nothing could start it", async () => {
    const tree = await treeOf([[{ path: "api", content: "\x7fELF", mode: 0o755 }]]);
    const f = entrypointFact(tree, { Entrypoint: ["/bin/sh", "-c", "/api"] });
    expect(f).toMatchObject({ viaShell: true, found: false, program: "/bin/sh" });
    expect(f.problem).toBe("/bin/sh, the shell that runs the shell-form command, is not in the image");
  });

  it("judges the script's program once the shell is there", async () => {
    const tree = await treeOf([[{ path: "bin/sh", content: "sh", mode: 0o755 }, { path: "api", content: "api", mode: 0o755 }]]);
    const f = entrypointFact(tree, { Entrypoint: ["/bin/sh", "-c", "/api"] });
    expect(f).toMatchObject({ viaShell: true, found: true, program: "/api", resolved: { path: "/api" } });
  });
});

describe("entrypointFact, exec form", () => {
  it("says a path that names a directory is one, rather than that it does not exist (the engine: permission denied)", async () => {
    const tree = await treeOf([[{ path: "srv/", type: "dir" }, { path: "srv/app", content: "app", mode: 0o755 }]]);
    const f = entrypointFact(tree, { Entrypoint: ["/srv"] });
    expect(f).toMatchObject({ found: false, program: "/srv", problem: "/srv is a directory, not a program" });
    expect(entrypointFact(tree, { Entrypoint: ["/nope"] }).problem).toBe("/nope does not exist in the image");
  });
});
