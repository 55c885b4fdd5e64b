/**
 * A policy's own secret files (IMG-FS-005 and IMG-FS-008 `files` and `extensions`, as
 * dockle's --sensitive-file and --sensitive-file-extension) reach the inspector: a KeePass
 * database under /srv and an OpenVPN profile (.ovpn, with its keys inline) in the final
 * filesystem fail IMG-FS-005, the same deleted
 * by a later layer fail IMG-FS-008; the default policy passes them; a bad glob is a policy
 * error at file:line. Through check() over a fixture OCI layout, and the CLI once.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check, inspect, type Report } from "../../src/index.js";
import { buildImage, writeOciLayout } from "../../fixtures/image-writer.js";
import { runBin } from "../cli/run-bin.js";
import { GOOD } from "./fixture-images.js";

let dir: string;
let ref: string;
let policy: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-user-secret-files-"));
  const layers = [
    ...GOOD.layers,
    {
      files: [
        { path: "/srv/vault/team.kdbx", content: "KeePass database bytes" },
        { path: "/srv/old/backup.kdbx", content: "an older database" },
        { path: "/etc/openvpn/client.ovpn", content: "client profile bytes" },
        { path: "/etc/openvpn/old.OVPN", content: "an older profile" },
        { path: "/opt/notes/team.kdbx", content: "outside /srv: not named" },
      ],
      createdBy: "COPY secrets/ / # buildkit",
    },
    { files: [{ path: "/srv/old", type: "whiteout" as const }, { path: "/etc/openvpn/old.OVPN", type: "whiteout" as const }], createdBy: "RUN /bin/sh -c rm -r /srv/old /etc/openvpn/old.OVPN # buildkit" },
  ];
  await writeOciLayout(join(dir, "img"), [{ image: buildImage({ ...GOOD, layers }), refName: "1" }]);
  ref = `oci:${join(dir, "img")}:1`;
  policy = join(dir, "mine.yaml");
  const options = '    options:\n      files: ["/srv/**/*.kdbx"]\n      extensions: [".p12", ".ovpn"]\n';
  await writeFile(policy, `extends: base\nrules:\n  IMG-FS-005:\n${options}  IMG-FS-008:\n${options}`);
  await writeFile(join(dir, "bad-glob.yaml"), 'extends: base\nrules:\n  IMG-FS-008:\n    options:\n      files:\n        - "/srv/@(a|b)/*.kdbx"\n');
  await writeFile(join(dir, "bad-ext.yaml"), "extends: base\nrules:\n  IMG-FS-005:\n    options:\n      extensions: [p12]\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const findings = (report: Report, rule: string) =>
  report.images[0]!.results.filter((r) => r.rule === rule).flatMap((r) => (r.status === "fail" ? r.findings.map((f) => [f.location?.path, f.found]) : []));

describe("a policy's own secret files", () => {
  it("fail IMG-FS-005 in the final filesystem and IMG-FS-008 once deleted; the default policy passes them", async () => {
    const mine = await check(ref, policy);
    expect(findings(mine, "IMG-FS-005")).toEqual([
      ["/etc/openvpn/client.ovpn", "user-extension at /etc/openvpn/client.ovpn"],
      ["/srv/vault/team.kdbx", "user-file at /srv/vault/team.kdbx"],
    ]);
    expect(findings(mine, "IMG-FS-008")).toEqual([
      ["/etc/openvpn/old.OVPN", "user-extension at /etc/openvpn/old.OVPN in layer 2, deleted in layer 3"],
      ["/srv/old/backup.kdbx", "user-file at /srv/old/backup.kdbx in layer 2, deleted in layer 3"],
    ]);
    expect(mine.passed).toBe(false);

    const base = await check(ref, "base");
    expect(findings(base, "IMG-FS-005")).toEqual([]);
    expect(findings(base, "IMG-FS-008")).toEqual([]);
    // and inspect without a policy lists none of them
    const facts = await inspect(ref);
    expect(facts.filesystem.secretFiles).toEqual([]);
    expect(facts.filesystem.deletedSecrets).toBeUndefined();
  });

  it("a bad glob or extension is a policy error at file:line", async () => {
    const glob = await check(ref, join(dir, "bad-glob.yaml")).catch((e: unknown) => e as Error);
    expect(glob).toBeInstanceOf(Error);
    expect((glob as Error).message).toMatch(/bad-glob\.yaml:6:\d+/);
    const ext = await check(ref, join(dir, "bad-ext.yaml")).catch((e: unknown) => e as Error);
    expect((ext as Error).message).toMatch(/bad-ext\.yaml:5:\d+.*extensions/);
  });

  it("the CLI: exit 1 with the policy, 0 with base, 2 on the bad glob", async () => {
    const mine = await runBin(["check", ref, "-p", policy, "--format", "json"]);
    expect(mine.code, mine.stderr).toBe(1);
    const rules = (JSON.parse(mine.stdout) as Report).images[0]!.results.filter((r) => r.status === "fail" && r.rule.startsWith("IMG-FS-")).map((r) => r.rule);
    expect(rules).toEqual(["IMG-FS-005", "IMG-FS-008"]);
    expect((await runBin(["check", ref, "-p", "base"])).code).toBe(0);
    const bad = await runBin(["check", ref, "-p", join(dir, "bad-glob.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad-glob\.yaml:6:\d+/);
  });
});
