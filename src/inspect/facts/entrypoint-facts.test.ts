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
