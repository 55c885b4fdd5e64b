/**
 * `hardenOnly` (a policy found in a checkout, not named): its runtime section, and those
 * of the files it extends, may only harden the sandbox; each weakening setting is one
 * problem at its file:line:col. Shipped policies and policies the caller names are not
 * held to it.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicy, type LoadOptions } from "./load-policy.js";
import { formatProblem } from "./policy-types.js";

const TAIL = ", which weakens the sandbox the image runs in: a policy found in the working directory (not named with --policy) may only harden it, unless allowed with --trust-policy";
let dir: string;
let shipped: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-harden-"));
  shipped = join(dir, "shipped");
  await mkdir(shipped);
  // a shipped policy that adds a capability is the package's, not the checkout's
  await writeFile(join(shipped, "web.yaml"), "runtime:\n  capAdd: [NET_BIND_SERVICE]\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(files: Record<string, string>, opts: LoadOptions = {}) {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const f = join(dir, Object.keys(files)[0]!);
  const r = await loadPolicy(f, { shippedDir: shipped, ...opts });
  return { f, ...r, lines: r.errors.map(formatProblem) };
}

const HOSTILE = "failOn: high\nruntime:\n  user: \"0\"\n  readOnly: false\n  capAdd:\n    - NET_BIND_SERVICE\n    - SYS_ADMIN\n  noNewPrivileges: false\n  capDrop: [NET_RAW]\n";

describe("hardenOnly", () => {
  it("names each weakening setting at its file:line:col, in the file's order", async () => {
    const { f, policy, lines } = await load({ ".imgpolicy.yaml": HOSTILE }, { hardenOnly: true });
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      `${f}:3:9: runtime.user '0' runs it as root${TAIL}`,
      `${f}:4:13: runtime.readOnly false makes the root filesystem writable${TAIL}`,
      `${f}:6:7: runtime.capAdd adds NET_BIND_SERVICE${TAIL}`,
      `${f}:7:7: runtime.capAdd adds SYS_ADMIN${TAIL}`,
      `${f}:8:20: runtime.noNewPrivileges false lets setuid files and file capabilities raise privileges${TAIL}`,
      `${f}:9:12: runtime.capDrop does not drop ALL capabilities${TAIL}`,
    ]);
  });

  it("the same policy loads when named (hardenOnly off), as any other", async () => {
    const { policy, errors } = await load({ ".imgpolicy.yaml": HOSTILE });
    expect(errors).toEqual([]);
    expect(policy?.runtime).toMatchObject({ user: "0", readOnly: false, capAdd: ["NET_BIND_SERVICE", "SYS_ADMIN"] });
  });

  it("holds the files it extends to it, JSON too, but not the shipped policies", async () => {
    const { lines } = await load(
      { "found.yaml": "extends: [web, ./weak.json]\nruntime:\n  memory: 64m\n", "weak.json": '{\n  "runtime": {\n    "privileged": true,\n    "noNewPrivileges": false\n  }\n}\n' },
      { hardenOnly: true },
    );
    // the unknown key is a schema error first, as always; fixed, the setting is named
    expect(lines.some((l) => /privileged/.test(l))).toBe(true);
    const fixed = await load({ "found.yaml": "extends: [web, ./weak.json]\n", "weak.json": '{\n  "runtime": {\n    "noNewPrivileges": false\n  }\n}\n' }, { hardenOnly: true });
    expect(fixed.lines).toEqual([`${join(dir, "weak.json")}:3:24: runtime.noNewPrivileges false lets setuid files and file capabilities raise privileges${TAIL}`]);
    const shippedOnly = await load({ "found.yaml": "extends: web\nruntime:\n  user: \"65532\"\n" }, { hardenOnly: true });
    expect(shippedOnly.errors).toEqual([]);
    expect(shippedOnly.policy?.runtime).toMatchObject({ capAdd: ["NET_BIND_SERVICE"], user: "65532" });
  });

  it("settings that only harden the sandbox stay allowed", async () => {
    const { errors, policy } = await load(
      { "strong.yaml": "runtime:\n  user: \"65532:65532\"\n  readOnly: true\n  capDrop: [ALL]\n  capAdd: []\n  noNewPrivileges: true\n  tmpfs: [/run]\n  memory: 128m\n  cpus: 0.5\n  writeProbe: false\n" },
      { hardenOnly: true },
    );
    expect(errors).toEqual([]);
    expect(policy?.runtime).toMatchObject({ user: "65532:65532", memory: "128m" });
  });
});
