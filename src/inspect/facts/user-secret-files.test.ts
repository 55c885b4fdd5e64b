/** A caller's own secret files (InspectOptions.userSecretFile) in the final filesystem's and the deleted secrets' facts. */
import { describe, expect, it } from "vitest";
import { buildImage } from "../../../fixtures/image-builder.js";
import type { FileSpec, LayerSpec } from "../../../fixtures/image-spec.js";
import { layerTar } from "../../../fixtures/layer-tar.js";
import { memoryImage } from "../../../fixtures/memory-image.js";
import type { FileRecord, FileType } from "../fs/file-record.js";
import { FileTree } from "../fs/file-tree.js";
import { layerScan } from "../fs/scan-layer.js";
import { inspectImage } from "./collect.js";
import { deletedSecretsFact } from "./deleted-secrets.js";
import { filesystemFact, type UserSecretFile } from "./filesystem-facts.js";
import type { LayerFact } from "./types.js";

const CERT = ["-----BEGIN", "CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"].join(" ");
const KEY = ["-----BEGIN", "OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"].join(" ");

/** What a policy with `files: ["/srv/**", ".env"]`, `extensions: [".p12", ".pem"]` would hand over (the matching itself is the policy's). */
const asked: string[] = [];
const user: UserSecretFile = (path) => {
  asked.push(path);
  if (path.startsWith("/srv/") || path.endsWith("/.env")) return "user-file";
  return /\.(p12|pem)$/i.test(path) ? "user-extension" : undefined;
};

const e = (path: string, type: FileType = "file"): FileRecord => ({ path, type, mode: 0o644, uid: 0, gid: 0, size: type === "file" ? 1 : 0, layer: 0 });

describe("filesystemFact with the caller's own secret files", () => {
  const files = [e("/srv", "dir"), e("/srv/db", "dir"), e("/srv/db/main.kdbx"), e("/srv/link", "symlink"), e("/app", "dir"), e("/app/.env"), e("/app/cert.P12"), e("/app/ca.pem"), e("/app/key.pem"), e("/app/main.js"), e("/etc/ssl/certs/ca.pem")];
  const tree = FileTree.fromLayers([{ layer: 0, files, whiteouts: [], opaque: [], fileBytes: 0 }]);
  const keys = (path: string) => (path === "/app/key.pem" ? "rsa-private-key" : undefined);

  it("adds the files it names; a built-in kind stands (dotenv, a key by content), a bare pem becomes theirs", () => {
    asked.length = 0;
    const f = filesystemFact(tree, [], keys, user);
    expect(f.secretFiles.map((s) => [s.path, s.kind])).toEqual([
      ["/app/.env", "dotenv"],
      ["/app/ca.pem", "user-extension"],
      ["/app/cert.P12", "pkcs12"],
      ["/app/key.pem", "rsa-private-key"],
      ["/etc/ssl/certs/ca.pem", "user-extension"],
      ["/srv/db/main.kdbx", "user-file"],
    ]);
    // asked only of regular files the built-in detection leaves (or calls pem); never of directories or links
    expect(asked.sort()).toEqual(["/app/ca.pem", "/app/main.js", "/etc/ssl/certs/ca.pem", "/srv/db/main.kdbx"]);
  });

  it("without it, the facts are those of before", () => {
    expect(filesystemFact(tree, [], keys, undefined)).toEqual(filesystemFact(tree, [], keys));
    expect(filesystemFact(tree, [], keys).secretFiles.map((s) => s.kind)).toEqual(["dotenv", "pem", "pkcs12", "rsa-private-key"]);
  });
});

function indexesOf(layers: FileSpec[][]) {
  return layers.map((files, i) => {
    const scan = layerScan(i, `layer ${i}`, { wantContent: () => false });
    scan.write(layerTar(files, 0, i));
    return scan.end();
  });
}
const layerFacts = (n: number): LayerFact[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, digest: `sha256:${String(i).repeat(64)}`, diffId: "", mediaType: "", size: 0, uncompressedSize: 0, files: 0, createdBy: `step ${i}` }));
const brief = (layers: FileSpec[][], u?: UserSecretFile) =>
  deletedSecretsFact(indexesOf(layers), layerFacts(layers.length), u).map((d) => [d.path, d.kind, d.by, d.added.layer, d.removed.layer, d.removed.how]);

describe("deletedSecretsFact with the caller's own secret files", () => {
  it("a file it names, deleted, hidden or overwritten by a later layer; found by path", () => {
    const added: FileSpec[] = [{ path: "srv/db/main.kdbx", content: "kdbx bytes" }, { path: "app/cert.p12", content: "p12 bytes" }, { path: "app/ca.pem", content: CERT }, { path: "app/notes.txt", content: "x" }];
    const removed: FileSpec[] = [{ path: "srv/db", type: "whiteout" }, { path: "app/cert.p12", content: "other" }, { path: "app/ca.pem", type: "whiteout" }, { path: "app/notes.txt", type: "whiteout" }];
    expect(brief([added, removed], user)).toEqual([
      ["/app/ca.pem", "user-extension", "path", 0, 1, "whiteout"],
      ["/app/cert.p12", "pkcs12", "path", 0, 1, "overwrite"],
      ["/srv/db/main.kdbx", "user-file", "path", 0, 1, "whiteout"],
    ]);
    // without it: the built-in secrets alone (a certificate is none)
    expect(brief([added, removed])).toEqual([["/app/cert.p12", "pkcs12", "path", 0, 1, "overwrite"]]);
  });

  it("a copy-up of the same size is no removal; a key by content keeps its kind; an empty file is none", () => {
    const first: FileSpec[] = [{ path: "srv/a.kdbx", content: "12345" }, { path: "srv/id", content: KEY }, { path: "srv/empty", content: "" }];
    expect(brief([first, [{ path: "srv/a.kdbx", content: "54321", mode: 0o600 }]], user)).toEqual([]);
    expect(brief([first, [{ path: "srv", type: "opaque" }]], user)).toEqual([
      ["/srv/a.kdbx", "user-file", "path", 0, 1, "opaque"],
      ["/srv/id", "openssh-private-key", "content", 0, 1, "opaque"],
    ]);
  });
});

describe("inspectImage({ userSecretFile })", () => {
  const layers: LayerSpec[] = [
    { files: [{ path: "bin/sh", content: "x", mode: 0o755 }] },
    { files: [{ path: "srv/db/main.kdbx", content: "kdbx" }, { path: "srv/old.kdbx", content: "old" }, { path: "app/ca.pem", content: CERT }], createdBy: "COPY . / # buildkit" },
    { files: [{ path: "srv/old.kdbx", type: "whiteout" }], createdBy: "RUN /bin/sh -c rm /srv/old.kdbx # buildkit" },
  ];
  const now = new Date("2026-01-01T00:00:00Z");

  it("lists its files in secretFiles and deletedSecrets; with a function that names nothing, the facts are byte-identical to none", async () => {
    const image = () => memoryImage(buildImage({ layers }));
    const f = await inspectImage(image(), { workers: 0, now, userSecretFile: user });
    expect(f.filesystem.secretFiles.map((s) => [s.path, s.layer, s.kind])).toEqual([
      ["/app/ca.pem", 1, "user-extension"],
      ["/srv/db/main.kdbx", 1, "user-file"],
    ]);
    expect(f.filesystem.deletedSecrets?.map((d) => [d.path, d.kind, d.added.layer, d.removed.layer])).toEqual([["/srv/old.kdbx", "user-file", 1, 2]]);
    const plain = JSON.stringify(await inspectImage(image(), { workers: 0, now }));
    expect(JSON.stringify(await inspectImage(image(), { workers: 0, now, userSecretFile: () => undefined }))).toBe(plain);
    expect(JSON.parse(plain).filesystem.secretFiles.map((s: { kind: string }) => s.kind)).toEqual(["pem"]);
  });
});
