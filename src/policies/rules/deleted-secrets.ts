/** IMG-FS-008: no secret file deleted or overwritten by a later layer (its bytes still ship in the layer that added it). */
import type { DeletedSecretFact, LayerRef } from "../../inspect/facts/types.js";
import { failIf, type Rule } from "../types.js";
import { allowSchema, globLists, pathMatcher } from "./path-glob.js";
import { VENDORED_SECRET_PATHS, VENDORED_SECRET_PATHS_TEXT } from "./vendored-secrets.js";
import { kindFor, USER_SECRET_FILE_PROPERTIES, userSecretMatcher, type UserSecretFiles } from "./user-secret-files.js";

interface Options extends UserSecretFiles {
  /** Files accepted as not secret: globs over the path, or base names. */
  allow: string[];
  /** Kinds not reported (see `filesystem.deletedSecrets`). */
  ignoreKinds: string[];
}

const HOW: Record<DeletedSecretFact["removed"]["how"], string> = {
  whiteout: "deleted",
  opaque: "hidden (an opaque directory above it)",
  overwrite: "overwritten",
};

/** "layer 3 (sha256:0123456789ab, COPY id_rsa /root/.ssh/id_rsa)": the history text as the facts give it (redacted), shortened. */
function layerName(l: LayerRef): string {
  const said = [l.digest.slice(0, 19), l.createdBy?.replace(/\s+/g, " ").trim()].filter((s) => s);
  const text = said.join(", ");
  const short = text.length > 120 ? `${text.slice(0, 119)}…` : text;
  return short ? `layer ${l.layer + 1} (${short})` : `layer ${l.layer + 1}`;
}

export const rule: Rule<Options> = {
  id: "IMG-FS-008",
  title: "No secret files deleted in a later layer",
  category: "filesystem",
  severity: "high",
  cis: "4.10",
  description:
    "No layer adds a private key (found by its PEM, OpenSSH, PGP or PuTTY header), a credential file (.env, .ssh/id_*, .npmrc, .git-credentials, .docker/config.json, .netrc, .aws/credentials, …, found by path, as IMG-FS-005 finds them) or a file holding a known token format (as IMG-FS-007 finds them: a GitHub token in a config.js; reported by its first token's kind) that a later layer deletes, hides under an opaque directory, or overwrites with other content (a `sed -i` that scrubs a token leaves other content: the token still ships). The container does not see such a file, so IMG-FS-005 does not judge it, but the layer that added it still holds its bytes. Public keys, known_hosts and certificates are not secrets; a file copied up unchanged (as `chmod` does: the same tokens, or with none the same size and kind) is not a removal. One finding per file, naming the layer that added it and the layer that removed it. A policy's own secret files add to these, as dockle's --sensitive-file and --sensitive-file-extension: `files` (globs over the path, or base names) and `extensions` (`.kdbx`, `.ovpn`), reported as kinds `user-file` and `user-extension`. `allow` holds by default " +
    VENDORED_SECRET_PATHS_TEXT,
  rationale:
    "CIS Docker Benchmark 4.10, trivy's secret scanner (which reports a deleted key with its layer): every layer of an image is readable by whoever can pull it (`docker save`, `crane export`, a registry API call), and deleting a file in a later layer only hides it. A leaked key has to be revoked; rebuilding without it is not enough.",
  remediation:
    "Rotate the secret (it shipped with the image). Do not COPY it and `rm` it later: pass it as a build secret, which never lands in a layer:\n" +
    "  RUN --mount=type=secret,id=id_rsa,target=/root/.ssh/id_rsa git clone git@example.com:org/repo.git\n" +
    "or use it in one stage of a multi-stage build and copy only what it produced into the final stage. A file that is not secret (a test fixture) goes in `allow`.",
  optionsSchema: {
    type: "object",
    properties: {
      allow: allowSchema("Files accepted as not secret"),
      ...USER_SECRET_FILE_PROPERTIES,
      ignoreKinds: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description: 'Kinds of secret file not reported ("dotenv", "npmrc", "rsa-private-key", "github-token", …: the kinds of `filesystem.deletedSecrets`).',
      },
    },
    additionalProperties: false,
  },
  defaultOptions: { allow: [...VENDORED_SECRET_PATHS], files: [], extensions: [], ignoreKinds: [] },
  patterns: globLists("allow", "files"),
  userSecretFiles: (options) => ({ files: options.files, extensions: options.extensions }),
  check(facts, options) {
    const allowed = pathMatcher(options.allow);
    const ignored = new Set(options.ignoreKinds);
    const own = userSecretMatcher(options);
    return failIf(
      (facts.filesystem.deletedSecrets ?? [])
        .flatMap((s) => {
          const kind = kindFor(s.kind, s.path, own);
          return kind === undefined ? [] : [{ ...s, kind }];
        })
        .filter((s) => !ignored.has(s.kind) && !allowed(s.path))
        .map((s) => ({
          message: `${s.path} (${s.kind}, ${s.size} bytes, found by its ${s.by === "content" ? "content" : "path"}) was added by ${layerName(s.added)} and ${HOW[s.removed.how]} by ${layerName(s.removed)}; its bytes still ship in layer ${s.added.layer + 1}.`,
          location: { path: s.path, layer: s.added.layer },
          expected: "no secret file in any layer, deleted or not",
          found: `${s.kind} at ${s.path} in layer ${s.added.layer + 1}, ${HOW[s.removed.how].split(" ")[0]} in layer ${s.removed.layer + 1}`,
        })),
    );
  },
};
