import { chown, lchown, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../errors.js";
import { discoverPolicy } from "./policy-discovery.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-discovery-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function tree(name: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith("/")) await mkdir(join(root, path), { recursive: true });
    else {
      await mkdir(join(root, path, ".."), { recursive: true });
      await writeFile(join(root, path), content);
    }
  }
  return root;
}

describe("discoverPolicy", () => {
  it("finds the policy in the working directory or above, as a path relative to it", async () => {
    const root = await tree("up", { ".imgpolicy.yml": "failOn: low\n", "a/b/": "" });
    expect(await discoverPolicy(root)).toBe(".imgpolicy.yml");
    expect(await discoverPolicy(join(root, "a", "b"))).toBe(join("..", "..", ".imgpolicy.yml"));
  });

  it("takes .json too", async () => {
    const root = await tree("json", { ".imgpolicy.json": "{}" });
    expect(await discoverPolicy(root)).toBe(".imgpolicy.json");
  });

  it("two policies in one directory is an error naming both", async () => {
    const root = await tree("two", { ".imgpolicy.yaml": "", ".imgpolicy.yml": "", "sub/": "" });
    const err = await discoverPolicy(join(root, "sub")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message).toBe(`../.imgpolicy.yaml and ../.imgpolicy.yml are both policies of ${root}: keep one, or name it with --policy`);
  });

  // (changing a file's owner needs root: as another user, the case cannot be made)
  it.skipIf(process.getuid?.() !== 0)("refuses a policy found that belongs to another user, or links to one (as root: root's own files are taken)", async () => {
    const root = await tree("planted", { ".imgpolicy.yaml": "rules:\n  IMG-FS-003: off\n", "sub/deeper/": "" });
    await chown(join(root, ".imgpolicy.yaml"), 65534, 65534);
    const err = await discoverPolicy(join(root, "sub", "deeper")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message).toBe(
      `${join("..", "..", ".imgpolicy.yaml")} belongs to uid 65534, neither you (uid 0) nor root: a policy another user could have put there is not used unnamed; name it with --policy to use it`,
    );
    const linked = await tree("linked", { "target.yaml": "failOn: critical\n" });
    await chown(join(linked, "target.yaml"), 1234, 1234);
    await symlink("target.yaml", join(linked, ".imgpolicy.yaml"));
    await expect(discoverPolicy(linked)).rejects.toThrow("belongs to uid 1234");
    const theirLink = await tree("their-link", { "target.yaml": "failOn: critical\n" });
    await symlink("target.yaml", join(theirLink, ".imgpolicy.yaml"));
    await lchown(join(theirLink, ".imgpolicy.yaml"), 1234, 1234);
    await expect(discoverPolicy(theirLink)).rejects.toThrow("belongs to uid 1234");
    await chown(join(root, ".imgpolicy.yaml"), 0, 0);
    expect(await discoverPolicy(join(root, "sub", "deeper"))).toBe(join("..", "..", ".imgpolicy.yaml"));
  });

  it("stops at the repository root, the directory holding .git (a directory or a worktree's file)", async () => {
    const outer = await tree("outer", { ".imgpolicy.yaml": "failOn: low\n", "repo/.git/": "", "repo/src/": "", "wt/.git": "gitdir: /elsewhere\n" });
    expect(await discoverPolicy(join(outer, "repo", "src"))).toBeUndefined();
    expect(await discoverPolicy(join(outer, "wt"))).toBeUndefined();
    await writeFile(join(outer, "repo", ".imgpolicy.yaml"), "");
    expect(await discoverPolicy(join(outer, "repo", "src"))).toBe(join("..", ".imgpolicy.yaml"));
  });
});
