/** Image → Facts: read the config, stream each layer once, flatten, and derive every fact. */
import type { Image, Platform } from "../image.js";
import { readLayers, type ReadResult } from "../read-layers.js";
import { openImage, type OpenOptions } from "../resolve.js";
import { certificatesFact, zoneinfoFact } from "./certs-facts.js";
import { configFact } from "./config-facts.js";
import { deletedSecretsFact } from "./deleted-secrets.js";
import { entrypointFact } from "./entrypoint-facts.js";
import { filesystemFact, privateKeysOf, secretContentsFact, type UserSecretFile } from "./filesystem-facts.js";
import { imageFact } from "./image-facts.js";
import { factsInterest, pathDirsOf } from "./interest.js";
import { FACTS_SCHEMA, type BinaryFact, type Facts } from "./types.js";
import { usersFact } from "./user-facts.js";
import { policySecretMatcher, type PolicySecrets } from "../parsers/policy-secrets.js";
import { fileProbes } from "./file-probes.js";

export interface InspectOptions {
  /** The time certificate expiry is judged against (default: now). */
  now?: Date;
  /** How many layers are read at once (default 3). */
  concurrency?: number;
  /** Worker threads for the layer scan (0 = scan on the main thread; default: chosen by image size and CPUs). */
  workers?: number;
  platform?: Platform;
  /** Extra paths to report in `facts.files`, with their content (policy file checks). */
  files?: readonly string[];
  /**
   * Directories whose files are not searched for token formats (`filesystem.secretContents`):
   * absolute paths ending in "/", `*` within a segment. Default: distribution data
   * (DEFAULT_TOKEN_SKIP_DIRS); [] searches every file.
   */
  tokenSkipDirs?: readonly string[];
  /**
   * The caller's own secret files: the kind it gives an absolute path, or undefined. It is
   * asked of every file of the final filesystem and of every layer that the built-in
   * detection does not name a secret (or names only `pem`), and its matches are listed in
   * `filesystem.secretFiles` and `deletedSecrets` (found by path). check() makes it from
   * IMG-FS-005's and IMG-FS-008's `files` and `extensions` (kinds `user-file`, `user-extension`).
   */
  userSecretFile?: UserSecretFile;
  /**
   * The caller's own secret key names and value patterns (RE2): the history texts are
   * redacted for them as for the built-in ones, and what they find there is listed in
   * `image.historySecrets` (kind `policy-secret`). check() passes IMG-ENV-001's and
   * IMG-HIST-007's `names` and `patterns`.
   */
  userSecrets?: PolicySecrets;
  /** Stops the layer reads; inspectImage then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export async function inspectImage(image: Image, opts: InspectOptions = {}): Promise<Facts> {
  const [cfg, rawConfig, digest, mediaType] = await Promise.all([
    image.config(),
    image.rawConfig(),
    image.digest(),
    image.mediaType(),
  ]);
  // the facts are made while the last layers' digests are still checked; they are given only once all are
  const { tree, layers, indexes, checked } = await readLayers(image, factsInterest(cfg, opts.files ?? [], opts.tokenSkipDirs), {
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    deferChecks: true,
  });
  const facts = factsOf(image, { cfg, rawConfig, digest, mediaType }, { tree, layers, indexes }, opts);
  await checked;
  return facts;
}

/** The facts of what was read. */
function factsOf(
  image: Image,
  { cfg, rawConfig, digest, mediaType }: { cfg: Awaited<ReturnType<Image["config"]>>; rawConfig: Buffer; digest: string; mediaType: string },
  { tree, layers, indexes }: Omit<ReadResult, "checked">,
  opts: InspectOptions,
): Facts {
  const c = cfg.config;
  const pathDirs = pathDirsOf(cfg);
  const binaries: BinaryFact[] = [];
  for (const r of tree.entries()) {
    if (r.type === "file" && r.elf) {
      const { sections: _sections, ...elf } = r.elf;
      binaries.push({ path: r.path, layer: r.layer, size: r.size, mode: r.mode, elf });
    }
  }
  binaries.sort((a, b) => (a.path < b.path ? -1 : 1));
  const imageFacts = imageFact({ reference: image.reference, digest, mediaType, rawConfig }, cfg, layers, policySecretMatcher(opts.userSecrets));
  const filesystem = filesystemFact(tree, pathDirs, privateKeysOf(indexes), opts.userSecretFile);
  const deleted = deletedSecretsFact(indexes, imageFacts.layers, opts.userSecretFile);
  if (deleted.length > 0) filesystem.deletedSecrets = deleted;
  const contents = secretContentsFact(tree, indexes);
  if (contents.length > 0) filesystem.secretContents = contents;
  return {
    schema: FACTS_SCHEMA,
    image: imageFacts,
    config: configFact(c),
    users: usersFact(tree, c?.User),
    entrypoint: entrypointFact(tree, c),
    binaries,
    certificates: certificatesFact(tree, c, opts.now ?? new Date()),
    zoneinfo: zoneinfoFact(tree, c),
    filesystem,
    files: fileProbes(tree, opts.files ?? []),
  };
}

/** Opens a reference (with the source options: engine or registry, credentials, cache), inspects it, and closes it. */
export async function inspect(ref: string, opts: InspectOptions & OpenOptions = {}): Promise<Facts> {
  const image = await openImage(ref, opts);
  try {
    return await inspectImage(image, opts);
  } finally {
    await image.close();
  }
}
