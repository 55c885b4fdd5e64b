/** IMG-FS-005: no private keys or credential files in the image (CIS 4.10, dockle CIS-DI-0010). */
import { failIf, type Rule } from "../types.js";
import { secretFileKind } from "../../inspect/parsers/secret-files.js";
import { allowSchema, pathMatcher, where, globLists } from "./path-glob.js";
import { VENDORED_SECRET_PATHS, VENDORED_SECRET_PATHS_TEXT } from "./vendored-secrets.js";
import { kindFor, USER_EXTENSION, USER_FILE, USER_SECRET_FILE_PROPERTIES, userSecretMatcher, type UserSecretFiles } from "./user-secret-files.js";

interface Options extends UserSecretFiles {
  /** Files accepted as not secret: globs over the path, or base names. */
  allow: string[];
  /** Kinds not reported (see `filesystem.secretFiles`); "pem" is a .pem file whose content is not a private key. */
  ignoreKinds: string[];
}

/** A credential file found by its name (.npmrc, .netrc, .docker/config.json, …), not by a key in its content nor by the policy's own lists. */
function byName(kind: string): boolean {
  return kind !== USER_FILE && kind !== USER_EXTENSION && kind !== "unscanned-pem" && kind !== "pem" && kind !== "private-key" && !kind.endsWith("-private-key");
}

/** How the inspector recognised it: `*-private-key` kinds come from the content, `private-key` from a PKCS#8 header or a .key name. */
function how(kind: string): string {
  if (kind === USER_FILE) return "a secret file by the policy's `files`";
  if (kind === USER_EXTENSION) return "a secret file by the policy's `extensions`";
  if (kind === "unscanned-pem") return "a PEM file larger than the 1 MiB searched for a private key, so not shown to be free of one";
  if (kind.endsWith("-private-key")) return "a private key by its content";
  if (kind === "private-key") return "a private key (PKCS#8 content or a .key name)";
  return "a credential file by its name";
}

export const rule: Rule<Options> = {
  id: "IMG-FS-005",
  title: "No secret files or private keys",
  category: "filesystem",
  severity: "critical",
  cis: "4.10",
  description:
    "No file holds a private key (PEM, OpenSSH, PGP or PuTTY key, found by content anywhere in the first 1 MiB of any file but an ELF binary; a PEM file (.pem, .key, .crt, or a first line -----BEGIN) longer than that with no key in it fails as `unscanned-pem`) or is a well-known credential file (.env, .aws/credentials, .docker/config.json, .kube/config, .ssh/id_*, .npmrc, .pypirc, .netrc, .git-credentials, .pgpass, SSH host keys, keystores, …, found by path) in the image's filesystem, as a container sees it. A file a later layer deleted is not judged here, though its bytes still ship (IMG-SIZE-002 counts them as waste). A policy's own secret files add to these, as dockle's --sensitive-file and --sensitive-file-extension: `files` (globs over the path, or base names) and `extensions` (`.kdbx`, `.ovpn`), reported as kinds `user-file` and `user-extension`. A credential file found by its name in which IMG-FS-007 found a token (`filesystem.secretContents` at the same path) is left to IMG-FS-007, whose finding names the token's kind, line and hash: one finding per leak. `allow` holds by default " +
    VENDORED_SECRET_PATHS_TEXT,
  rationale:
    "CIS Docker Benchmark 4.10 (Ensure secrets are not stored in Dockerfiles), dockle CIS-DI-0010, trivy's secret scanner: every layer of an image is readable by whoever can pull it, and a file deleted in a later layer is still in the layer that added it. A leaked key has to be revoked; rebuilding is not enough. An SSH host key baked into an image is shared by every container started from it.",
  remediation:
    "Remove the file from the build context (`.dockerignore`: `.env`, `*.key`, `.aws/`, `.ssh/`), rotate the secret, and pass it at build time as a build secret, which never lands in a layer:\n" +
    "  RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n" +
    "and at run time as a mounted secret or an environment variable. Do not delete it in a later RUN: the layer that added it still has it. A file that is not secret (a test fixture, a public key with a .key name) goes in `allow`.",
  optionsSchema: {
    type: "object",
    properties: {
      allow: allowSchema("Files accepted as not secret"),
      ...USER_SECRET_FILE_PROPERTIES,
      ignoreKinds: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description: 'Kinds of secret file not reported ("pem": a .pem file whose content is not a private key, usually a certificate).',
      },
    },
    additionalProperties: false,
  },
  defaultOptions: { allow: [...VENDORED_SECRET_PATHS], files: [], extensions: [], ignoreKinds: ["pem"] },
  patterns: globLists("allow", "files"),
  userSecretFiles: (options) => ({ files: options.files, extensions: options.extensions }),
  check(facts, options) {
    const allowed = pathMatcher(options.allow);
    const ignored = new Set(options.ignoreKinds);
    const own = userSecretMatcher(options);
    // a token found inside a credential file is IMG-FS-007's finding, the more precise one
    const tokens = new Set((facts.filesystem.secretContents ?? []).map((t) => t.path));
    return failIf(
      facts.filesystem.secretFiles
        .flatMap((s) => {
          const kind = kindFor(s.kind, s.path, own, secretFileKind);
          return kind === undefined ? [] : [{ ...s, kind }];
        })
        .filter((s) => !ignored.has(s.kind) && !allowed(s.path) && !(byName(s.kind) && tokens.has(s.path)))
        .map((s) => ({
          message: `${where(s)} is ${how(s.kind)} (${s.kind}).`,
          location: { path: s.path, layer: s.layer },
          expected: "no private keys or credential files in the image's filesystem",
          found: `${s.kind} at ${s.path}`,
        })),
    );
  },
};
