import { describe, expect, it } from "vitest";
import { buildImage } from "../../../fixtures/image-builder.js";
import type { FileSpec, LayerSpec } from "../../../fixtures/image-spec.js";
import { layerTar } from "../../../fixtures/layer-tar.js";
import { memoryImage } from "../../../fixtures/memory-image.js";
import { layerScan, type LayerIndex } from "../fs/scan-layer.js";
import { inspectImage } from "./collect.js";
import { deletedSecretsFact } from "./deleted-secrets.js";
import type { LayerFact } from "./types.js";

// built at run time, so that no key block sits in the source as one
const KEY = ["-----BEGIN", "OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"].join(" ");
const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0 user@host\n";
const CERT = ["-----BEGIN", "CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"].join(" ");
const ENV = "AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/** The layer indexes the scan makes of these layers' tars (fixture writer → the real scanner). */
function indexesOf(layers: FileSpec[][]): LayerIndex[] {
  return layers.map((files, i) => {
    const scan = layerScan(i, `layer ${i}`, { wantContent: () => false });
    scan.write(layerTar(files, 0, i));
    return scan.end();
  });
}

const facts = (n: number): LayerFact[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, digest: `sha256:${String(i).repeat(64)}`, diffId: "", mediaType: "", size: 0, uncompressedSize: 0, files: 0, createdBy: `step ${i}` }));

const found = (layers: FileSpec[][]) => deletedSecretsFact(indexesOf(layers), facts(layers.length));
const brief = (layers: FileSpec[][]) => found(layers).map((d) => [d.path, d.kind, d.by, d.added.layer, d.removed.layer, d.removed.how]);

describe("deletedSecretsFact", () => {
  it("a key added then deleted by a whiteout: by its header, with both layers (digest, history), its size", () => {
    const d = found([[{ path: "bin/sh", content: "x" }], [{ path: "root/.ssh/keyfile", content: KEY, mode: 0o600 }], [{ path: "root/.ssh/keyfile", type: "whiteout" }]]);
    expect(d).toEqual([
      {
        path: "/root/.ssh/keyfile",
        kind: "openssh-private-key",
        by: "content",
        size: KEY.length,
        added: { layer: 1, digest: `sha256:${"1".repeat(64)}`, createdBy: "step 1" },
        removed: { layer: 2, digest: `sha256:${"2".repeat(64)}`, createdBy: "step 2", how: "whiteout" },
      },
    ]);
  });

  it("by path: id_rsa, id_ed25519, .env, .npmrc, .git-credentials, .docker/config.json, .netrc, .aws/credentials", () => {
    const paths = ["root/.ssh/id_rsa", "root/.ssh/id_ed25519", "app/.env", "root/.npmrc", "root/.git-credentials", "root/.docker/config.json", "root/.netrc", "root/.aws/credentials"];
    const rows = brief([paths.map((path) => ({ path, content: "secret-ish\n" })), paths.map((path) => ({ path, type: "whiteout" as const }))]);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ["/app/.env", "dotenv", "path"],
      ["/root/.aws/credentials", "aws-credentials", "path"],
      ["/root/.docker/config.json", "docker-config", "path"],
      ["/root/.git-credentials", "git-credentials", "path"],
      ["/root/.netrc", "netrc", "path"],
      ["/root/.npmrc", "npmrc", "path"],
      ["/root/.ssh/id_ed25519", "ssh-private-key", "path"],
      ["/root/.ssh/id_rsa", "ssh-private-key", "path"],
    ]);
  });

  it("public keys, known_hosts, certificates and empty files are none", () => {
    const added: FileSpec[] = [
      { path: "root/.ssh/id_rsa.pub", content: PUB },
      { path: "root/.ssh/known_hosts", content: "github.com " + PUB },
      { path: "root/.ssh/authorized_keys", content: PUB },
      { path: "app/tls/ca.pem", content: CERT },
      { path: "app/tls/server.crt", content: CERT },
      { path: "app/.env", content: "" },
      // (a template with no value: one with token-shaped values is a deleted token file, as in IMG-FS-007)
      { path: "app/.env.example", content: "AWS_ACCESS_KEY_ID=\nAWS_SECRET_ACCESS_KEY=\n" },
    ];
    expect(found([added, added.map((f) => ({ path: f.path, type: "whiteout" as const }))])).toEqual([]);
  });

  it("a directory deleted or made opaque above it, or replaced by a file", () => {
    expect(brief([[{ path: "root/.ssh/id_rsa", content: "k" }], [{ path: "root/.ssh", type: "whiteout" }]])).toEqual([["/root/.ssh/id_rsa", "ssh-private-key", "path", 0, 1, "whiteout"]]);
    expect(brief([[{ path: "root/.ssh/id_rsa", content: "k" }], [{ path: "root", type: "opaque" }, { path: "root/.profile", content: "x" }]])).toEqual([["/root/.ssh/id_rsa", "ssh-private-key", "path", 0, 1, "opaque"]]);
    expect(brief([[{ path: "root/.ssh/id_rsa", content: "k" }], [{ path: "root/.ssh", type: "symlink", linkname: "/tmp" }]])).toEqual([["/root/.ssh/id_rsa", "ssh-private-key", "path", 0, 1, "overwrite"]]);
  });

  it("overwritten by a different file (empty, or another size), not by the same file copied up (chmod)", () => {
    expect(brief([[{ path: "app/.env", content: ENV }], [{ path: "app/.env", content: "" }]])).toEqual([["/app/.env", "dotenv", "path", 0, 1, "overwrite"]]);
    expect(brief([[{ path: "etc/app/k", content: KEY }], [{ path: "etc/app/k", content: "not a key any more\n" }]])).toEqual([["/etc/app/k", "openssh-private-key", "content", 0, 1, "overwrite"]]);
    // a chmod copies it up unchanged: still there (IMG-FS-005's), until a later layer deletes it, and it is the first layer's
    const chmod: FileSpec[][] = [[{ path: "root/.ssh/id_rsa", content: KEY, mode: 0o644 }], [{ path: "root/.ssh/id_rsa", content: KEY, mode: 0o600 }]];
    expect(found(chmod)).toEqual([]);
    expect(brief([...chmod, [{ path: "root/.ssh/id_rsa", type: "whiteout" }]])).toEqual([["/root/.ssh/id_rsa", "openssh-private-key", "content", 0, 2, "whiteout"]]);
  });

  it("added and deleted within one layer ships nothing; added again after deletion is listed once per adding layer", () => {
    expect(found([[{ path: "app/.env", content: ENV }, { path: "app/.env", content: "" }], [{ path: "app/.env", type: "whiteout" }]])).toEqual([]);
    const rows = brief([[{ path: "app/.env", content: ENV }], [{ path: "app/.env", type: "whiteout" }], [{ path: "app/.env", content: ENV + "X=1\n" }], [{ path: "app/.env", type: "whiteout" }]]);
    expect(rows).toEqual([
      ["/app/.env", "dotenv", "path", 0, 1, "whiteout"],
      ["/app/.env", "dotenv", "path", 2, 3, "whiteout"],
    ]);
  });
});

describe("deletedSecretsFact: tokens inside files deleted or scrubbed later", () => {
  // built at run time, so that no token sits in the source as one
  const GH = "ghp_" + "aB3dE5fG7h".repeat(4).slice(0, 36);
  const JS = `// app config\nexport const token = "${GH}";\n`;
  const SCRUBBED = `// app config\nexport const token = "REDACTED";\n`;

  it("a file with a token that a later layer deletes, hides or scrubs: by its content, of the token's kind", () => {
    expect(brief([[{ path: "app/config.js", content: JS }], [{ path: "app/config.js", type: "whiteout" }]])).toEqual([["/app/config.js", "github-token", "content", 0, 1, "whiteout"]]);
    expect(brief([[{ path: "app/config.js", content: JS }], [{ path: "app", type: "opaque" }, { path: "app/main.js", content: "x" }]])).toEqual([["/app/config.js", "github-token", "content", 0, 1, "opaque"]]);
    // `sed -i` leaves a different file at the path: the token still ships in layer 1
    expect(brief([[{ path: "app/config.js", content: JS }], [{ path: "app/config.js", content: SCRUBBED }]])).toEqual([["/app/config.js", "github-token", "content", 0, 1, "overwrite"]]);
    // another token of the same length in its place: a different file all the same
    const other = JS.replace(GH, "ghp_" + "Zy9Xw8Vu7T".repeat(4).slice(0, 36));
    expect(brief([[{ path: "app/config.js", content: JS }], [{ path: "app/config.js", content: other }]])).toEqual([["/app/config.js", "github-token", "content", 0, 1, "overwrite"]]);
  });

  it("a later file that still holds the same tokens is not a removal (chmod, or a line appended); the value is never in the fact", () => {
    expect(found([[{ path: "app/config.js", content: JS, mode: 0o644 }], [{ path: "app/config.js", content: JS, mode: 0o600 }]])).toEqual([]);
    expect(found([[{ path: "app/config.js", content: JS }], [{ path: "app/config.js", content: JS + "export const debug = false;\n" }]])).toEqual([]);
    const d = found([[{ path: "app/config.js", content: JS }], [{ path: "app/config.js", content: JS, mode: 0o600 }], [{ path: "app/config.js", type: "whiteout" }]]);
    expect(d.map((x) => [x.path, x.kind, x.size, x.added.layer, x.removed.layer])).toEqual([["/app/config.js", "github-token", JS.length, 0, 2]]);
    expect(JSON.stringify(d)).not.toContain(GH);
  });

  it("a credential file with a token keeps its kind by path; a file with no token found is not one", () => {
    const npmrc = `//registry.npmjs.org/:_authToken=${GH}\n`;
    expect(brief([[{ path: "root/.npmrc", content: npmrc }], [{ path: "root/.npmrc", type: "whiteout" }]])).toEqual([["/root/.npmrc", "npmrc", "path", 0, 1, "whiteout"]]);
    // scrubbed to the same size: the token is gone, so it is a removal all the same
    const blank = npmrc.replace(GH, "x".repeat(GH.length));
    expect(brief([[{ path: "root/.npmrc", content: npmrc }], [{ path: "root/.npmrc", content: blank }]])).toEqual([["/root/.npmrc", "npmrc", "path", 0, 1, "overwrite"]]);
    expect(found([[{ path: "app/config.js", content: SCRUBBED }], [{ path: "app/config.js", type: "whiteout" }]])).toEqual([]);
  });
});

describe("inspectImage: a deleted key is a deleted secret, not a final-filesystem one", () => {
  it("IMG-FS-005's facts do not see the whiteout'd key or .env; deletedSecrets lists both with their layers", async () => {
    const layers: LayerSpec[] = [
      { files: [{ path: "bin/sh", content: "x", mode: 0o755 }], createdBy: "COPY busybox /bin/sh # buildkit" },
      { files: [{ path: "root/.ssh/id_rsa", content: KEY, mode: 0o600 }, { path: "app/.env", content: ENV }], createdBy: "COPY id_rsa .env / # buildkit" },
      { files: [{ path: "root/.ssh/id_rsa", type: "whiteout" }, { path: "app/.env", type: "whiteout" }, { path: "root/.ssh/id_rsa.pub", content: PUB }], createdBy: "RUN /bin/sh -c rm /root/.ssh/id_rsa /app/.env # buildkit" },
    ];
    const f = await inspectImage(memoryImage(buildImage({ layers })), { workers: 0 });
    expect(f.filesystem.secretFiles).toEqual([]);
    expect(f.filesystem.deletedSecrets?.map((d) => [d.path, d.kind, d.added.layer, d.added.createdBy, d.removed.layer, d.removed.createdBy])).toEqual([
      ["/app/.env", "dotenv", 1, "COPY id_rsa .env / # buildkit", 2, "RUN /bin/sh -c rm /root/.ssh/id_rsa /app/.env # buildkit"],
      ["/root/.ssh/id_rsa", "openssh-private-key", 1, "COPY id_rsa .env / # buildkit", 2, "RUN /bin/sh -c rm /root/.ssh/id_rsa /app/.env # buildkit"],
    ]);
    expect(f.filesystem.deletedSecrets!.every((d) => d.added.digest === f.image.layers[1]!.digest && d.removed.digest === f.image.layers[2]!.digest)).toBe(true);
    // the document carries no key material
    expect(JSON.stringify(f)).not.toContain("b3BlbnNzaC1rZXktdjEAAAAA");
    expect(JSON.stringify(f)).not.toContain("IOSFODNN7EXAMPLE");
  });

  it("an image that deletes nothing secret has no deletedSecrets", async () => {
    const layers: LayerSpec[] = [{ files: [{ path: "root/.ssh/known_hosts", content: PUB }] }, { files: [{ path: "root/.ssh/known_hosts", type: "whiteout" }] }];
    const f = await inspectImage(memoryImage(buildImage({ layers })), { workers: 0 });
    expect(f.filesystem.deletedSecrets).toBeUndefined();
  });
});
