/**
 * The facts document: everything imgpolicy learns about an image without running it.
 * `imgpolicy inspect --json` prints it; rules judge it. Versioned by `schema`;
 * fields are only added within a version. See docs/facts.md.
 */
import type { ElfInfo } from "../elf/elf.js";
import type { CaBundleSummary } from "../parsers/ca-bundle.js";
import type { ResolvedUser } from "../parsers/user-resolve.js";
import type { TzCheck } from "../parsers/zoneinfo.js";

export const FACTS_SCHEMA = "imgpolicy/facts@1";

/** Where in the image a fact comes from. */
export interface Where {
  path: string;
  /** Layer index, 0 = bottom. */
  layer: number;
}

export interface LayerFact {
  index: number;
  digest: string;
  diffId: string;
  mediaType: string;
  size: number;
  uncompressedSize: number;
  files: number;
  createdBy?: string;
  created?: string;
}

export interface ImageFact {
  reference: string;
  /** Manifest digest. For a classic docker-archive, the digest of the manifest imgpolicy synthesises. */
  digest: string;
  /** Config digest: the image ID the engine shows. */
  id: string;
  mediaType: string;
  platform: { os: string; architecture: string; variant?: string };
  created?: string;
  size: { compressed: number; uncompressed: number };
  layers: LayerFact[];
  /** History entries that made no layer (ENV, USER, LABEL…). */
  history: { createdBy?: string; created?: string; emptyLayer: boolean }[];
  /**
   * Secrets the build history records (build args, RUN assignments, ENV/ARG lines, tokens,
   * build secrets copied into a layer), found on the raw text before `history` is redacted.
   * Absent on facts from before it was added.
   */
  historySecrets?: HistorySecretFact[];
}

/** One secret in one history entry (see history-secrets.ts). */
export interface HistorySecretFact {
  /** Index in `image.history`. */
  index: number;
  /** The layer the entry made (0 = bottom), when the history maps onto the layers. */
  layer?: number;
  /** How the entry records it. */
  via: "build-arg" | "run-assignment" | "env" | "arg" | "token" | "secret-mount-copy";
  /** The variable's name (for a secret-mount copy: the secret's path under /run/secrets). */
  key?: string;
  /** Detector kind (`github-token`) or what the key name says (`password`). */
  kind: string;
  reason: string;
  /** `<kind xx… N chars>`; for a secret-mount copy, the command's shape without values. */
  redacted: string;
  /** `sha256:` of the value (of the secret's path for a secret-mount copy). */
  sha256: string;
}

export type CommandForm = "exec" | "shell" | "none";

export interface EnvFact {
  name: string;
  /** The value, unless it looks secret. */
  value?: string;
  /**
   * Set when the value looks secret: why, its display form (`<kind xx… N chars>`), and
   * (additive) its kind and `sha256:` of the value, for policies to accept it without writing it down.
   */
  secret?: { reason: string; redacted: string; kind?: string; sha256?: string };
}

export interface HealthcheckFact {
  kind: "none" | "cmd" | "cmd-shell" | "disabled";
  test?: string[];
  intervalSeconds?: number;
  timeoutSeconds?: number;
  startPeriodSeconds?: number;
  retries?: number;
}

export interface ConfigFact {
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  entrypointForm: CommandForm;
  cmdForm: CommandForm;
  env: EnvFact[];
  labels: Record<string, string>;
  /** Labels that look secret as an ENV entry would (absent when none): their values in `labels` are the display form only. */
  labelSecrets?: { name: string; reason: string; redacted: string; kind?: string; sha256?: string }[];
  /**
   * Arguments of the config's commands (Entrypoint, Cmd, the Healthcheck test, Shell,
   * OnBuild) in which a secret was found and redacted (`--token=gh…`, a URL's password, a
   * known token): absent when none. `index` counts from 0 in its field.
   */
  commandSecrets?: { field: "Entrypoint" | "Cmd" | "Healthcheck" | "Shell" | "OnBuild"; index: number; redacted: string; kind?: string; sha256: string }[];
  exposedPorts: string[];
  healthcheck: HealthcheckFact;
  workingDir?: string;
  stopSignal?: string;
  volumes: string[];
  shell?: string[];
  /** ONBUILD triggers, as the config holds them (credentials redacted): run by builds FROM this image. */
  onBuild?: string[];
}

export interface UsersFact {
  passwd?: Where & { entries: { name: string; uid: number; gid: number; home: string; shell: string }[]; malformed: number };
  group?: Where & { entries: { name: string; gid: number; members: string[] }[]; malformed: number };
  /** Accounts whose shadow password field is empty. */
  emptyPasswords: string[];
  duplicateUids: { id: number; names: string[] }[];
  duplicateGids: { id: number; names: string[] }[];
  /** The config's USER resolved to uid/gid. */
  user: ResolvedUser;
  /**
   * Account files that are there but were not read (over the size read, not a regular
   * file, leading where the engine mounts its own files): what they hold is not known,
   * so the rules that need them cannot pass on them.
   */
  unread?: (Where & { file: "passwd" | "group" | "shadow"; reason: string })[];
}

/** An ELF file; `sections` is left out here to keep the document small (the entrypoint keeps it). */
export type BinaryFact = Where & { size: number; mode: number; elf: Omit<ElfInfo, "sections"> };

export interface EntrypointFact {
  /** The argv the container runs: Entrypoint + Cmd. */
  argv: string[];
  /** The program, argv[0] (the shell for shell form). */
  program?: string;
  viaShell: boolean;
  /** Where the program resolved to through PATH and symlinks. */
  resolved?: Where;
  found: boolean;
  problem?: string;
  executable?: boolean;
  elf?: ElfInfo;
  /** For a dynamic binary: whether its program interpreter (ELF loader) exists in the image. */
  interpreterPresent?: boolean;
}

export interface CertificatesFact extends Partial<CaBundleSummary> {
  present: boolean;
  bundle?: Where;
}

export interface ZoneinfoFact {
  present: boolean;
  root?: string;
  zones: number;
  tz: TzCheck;
}

export type FileFact = Where & { mode: number; uid: number; gid: number; type: string };

export interface FilesystemFact {
  files: number;
  directories: number;
  symlinks: number;
  shells: (Where & { name: string })[];
  packageManagers: (Where & { name: string })[];
  interpreters: (Where & { name: string })[];
  networkTools: (Where & { name: string })[];
  setuid: FileFact[];
  setgid: FileFact[];
  /**
   * Regular files with file capabilities (security.capability): what they grant when run.
   * Absent when there are none, and on facts from before it was added.
   */
  fileCapabilities?: (FileFact & { capabilities: string[]; effective: boolean; malformed?: true })[];
  worldWritable: FileFact[];
  secretFiles: (Where & { kind: string })[];
  strayFiles: (Where & { kind: string })[];
  waste: { bytes: number; files: number; top: { path: string; size: number; layer: number; removedBy: number }[] };
  osRelease?: { id?: string; versionId?: string; prettyName?: string } & Where;
  /**
   * Secret files a layer added and a later layer deleted or overwrote: not in the
   * filesystem a container sees, but still in the image's bytes (deleted-secrets.ts).
   * Absent when there are none, and on facts from before it was added.
   */
  deletedSecrets?: DeletedSecretFact[];
  /**
   * Known token formats found inside the text files of the filesystem a container sees
   * (secret-contents.ts: the first 1 MiB of every file that is not ELF and has no NUL in
   * its first 8000 bytes), in path then line order. Absent when there are none.
   */
  secretContents?: SecretContentFact[];
}

/** A token found inside a file: never the value, only its kind, redacted form and hash. */
export interface SecretContentFact extends Where {
  /** 1-based line where the token starts. */
  line: number;
  /** `github-token`, `aws-access-key-id`, `url-credentials`, `npm-auth-token`, `docker-auth`, … */
  kind: string;
  /** `<kind xx… N chars>`: at most the first two characters and the length. */
  redacted: string;
  /** `sha256:<hex>` of the value, for a policy's `accept`. */
  sha256: string;
}

/** A layer, as a deleted secret names it: index (0 = bottom), digest, and its history entry (redacted, as in `image.layers`). */
export interface LayerRef {
  layer: number;
  digest: string;
  createdBy?: string;
}

/** One secret file that a layer adds and a later layer removes (see deleted-secrets.ts). */
export interface DeletedSecretFact {
  path: string;
  /** As in `secretFiles`: a private key's kind (`rsa-private-key`…) or a credential file's (`dotenv`, `npmrc`…). */
  kind: string;
  /** Found by the private-key header in its content, or by its path. */
  by: "content" | "path";
  /** Its size in the layer that added it. */
  size: number;
  added: LayerRef;
  /** The layer that removed it: by a whiteout of it or a directory above it, an opaque directory above it, or a later entry over it. */
  removed: LayerRef & { how: "whiteout" | "opaque" | "overwrite" };
}

/** A path a policy asked about (container-structure-test style file checks). */
export interface FileProbe {
  path: string;
  exists: boolean;
  /** The path after following symlinks, when it differs. */
  resolvedPath?: string;
  type?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  layer?: number;
  /** UTF-8 content of a regular file up to 1 MiB, when asked for. */
  content?: string;
}

export interface Facts {
  schema: typeof FACTS_SCHEMA;
  image: ImageFact;
  config: ConfigFact;
  users: UsersFact;
  entrypoint: EntrypointFact;
  /** Every ELF file in the image. */
  binaries: BinaryFact[];
  certificates: CertificatesFact;
  zoneinfo: ZoneinfoFact;
  filesystem: FilesystemFact;
  /** Only the paths named in InspectOptions.files (by policy rules), keyed by the path as asked. */
  files: Record<string, FileProbe>;
  /** Set when the image was run (imgpolicy check --runtime); see runtime-facts.ts. */
  runtime?: import("./runtime-facts.js").RuntimeFacts;
  /**
   * The Dockerfile the image was built from, when given (imgpolicy check --build, or the
   * `dockerfile` option of check()), for the Dockerfile rules (IMG-DF-*).
   */
  dockerfile?: import("../../dockerfile/dockerfile-fact.js").DockerfileFact;
}
