/**
 * Test helper for rule tests (not a rule, not registered): `facts(overrides)` deep-merges
 * overrides over a minimal, valid Facts document — an empty linux/amd64 image with no
 * config set, no files and no binaries (what `FROM scratch` with nothing in it gives).
 *
 * Merge rules: plain objects merge key by key; arrays and everything else replace;
 * a key given as `undefined` is removed (e.g. `{ config: { user: undefined } }`).
 */
import { Ajv } from "ajv";
import type { ElfInfo } from "../../inspect/elf/elf.js";
import type { GoBuildInfo } from "../../inspect/elf/go-modinfo.js";
import { resolveUser } from "../../inspect/parsers/user-resolve.js";
import { emptyFilesystemFact } from "../../inspect/facts/filesystem-facts.js";
import { FACTS_SCHEMA, type Facts, type UsersFact } from "../../inspect/facts/types.js";
import type { AnyRule, RuleOutcome } from "../types.js";

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

/** A fresh copy of the minimal default document. */
export function baseFacts(): Facts {
  return {
    schema: FACTS_SCHEMA,
    image: {
      reference: "example.test/app:1",
      digest: "sha256:" + "a".repeat(64),
      id: "sha256:" + "b".repeat(64),
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platform: { os: "linux", architecture: "amd64" },
      size: { compressed: 0, uncompressed: 0 },
      layers: [],
      history: [],
    },
    config: {
      entrypointForm: "none",
      cmdForm: "none",
      env: [],
      labels: {},
      exposedPorts: [],
      healthcheck: { kind: "none" },
      volumes: [],
    },
    users: {
      emptyPasswords: [],
      duplicateUids: [],
      duplicateGids: [],
      user: { spec: "", uid: 0, gid: 0, root: true, numeric: false, resolved: true, status: "runs", groups: [0] },
    },
    entrypoint: { argv: [], viaShell: false, found: false, problem: "the image sets neither ENTRYPOINT nor CMD" },
    binaries: [],
    certificates: { present: false },
    zoneinfo: { present: false, zones: 0, tz: { tz: undefined, kind: "none", exists: true } },
    filesystem: emptyFilesystemFact(),
    files: {},
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = merge(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

/** The default document with `overrides` deep-merged over it (see the file comment). */
export function facts(...overrides: DeepPartial<Facts>[]): Facts {
  let out = baseFacts() as unknown as Record<string, unknown>;
  for (const o of overrides) out = merge(out, o as Record<string, unknown>);
  return out as unknown as Facts;
}

/** ElfInfo for a stripped, static x86-64 executable; override what a test needs. */
export function elf(overrides: Partial<ElfInfo> = {}): ElfInfo {
  return {
    class: 64,
    endian: "little",
    machine: 62,
    machineName: "x86_64",
    goarch: "amd64",
    osabi: 0,
    type: "EXEC",
    entry: 0x401000,
    pie: false,
    needed: [],
    rpath: [],
    runpath: [],
    linkage: "static",
    stripped: true,
    debugInfo: false,
    sections: [".text", ".rodata", ".data", ".bss", ".shstrtab"],
    complete: true,
    problems: [],
    ...overrides,
  };
}

/** ElfInfo for a dynamic glibc x86-64 executable. */
export function dynamicElf(overrides: Partial<ElfInfo> = {}): ElfInfo {
  return elf({
    type: "DYN",
    pie: true,
    linkage: "dynamic",
    interpreter: "/lib64/ld-linux-x86-64.so.2",
    needed: ["libc.so.6"],
    ...overrides,
  });
}

/** Go build information as `go version -m` reports it; `settings` fills the lifted fields like the parser does. */
export function goInfo(settings: Record<string, string> = {}, overrides: Partial<GoBuildInfo> = {}): GoBuildInfo {
  const info: GoBuildInfo = { goVersion: "go1.22.5", path: "example.test/app", deps: [], settings, complete: true };
  if (settings.CGO_ENABLED !== undefined) info.cgoEnabled = settings.CGO_ENABLED === "1";
  if (Object.keys(settings).length > 0) info.trimpath = settings["-trimpath"] === "true";
  if (settings["-ldflags"] !== undefined) info.ldflags = settings["-ldflags"];
  if (settings.GOOS !== undefined) info.goos = settings.GOOS;
  if (settings.GOARCH !== undefined) info.goarch = settings.GOARCH;
  return { ...info, ...overrides };
}

/** An exec-form ENTRYPOINT of one program that exists at `path` in `layer`, with its ELF facts. */
export function entrypointAt(path: string, elfInfo?: ElfInfo, layer = 1): DeepPartial<Facts> {
  return {
    config: { entrypoint: [path], entrypointForm: "exec" },
    entrypoint: {
      argv: [path],
      program: path,
      viaShell: false,
      resolved: { path, layer },
      found: true,
      executable: true,
      problem: undefined,
      ...(elfInfo ? { elf: elfInfo } : {}),
    },
  };
}

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/**
 * config.user and users.* for a USER spec, resolved by the real resolver against the
 * given accounts (`passwd`/`group` undefined = the image has no such file).
 */
export function userFacts(
  spec: string | undefined,
  passwd?: Account[],
  group?: { name: string; gid: number }[],
): DeepPartial<Facts> {
  const text = (lines: string[]) => ({ kind: "bytes" as const, bytes: Buffer.from(lines.join("\n") + "\n") });
  const resolved = resolveUser(
    spec,
    passwd && text(passwd.map((a) => `${a.name}:x:${a.uid}:${a.gid}::/:/sbin/nologin`)),
    group && text(group.map((g) => `${g.name}:x:${g.gid}:`)),
  );
  const users: DeepPartial<UsersFact> = {
    // every optional field named, so fields the resolver left out are removed from the default
    user: { user: undefined, uid: undefined, gid: undefined, group: undefined, groups: undefined, problem: undefined, problemFile: undefined, ...resolved },
    passwd: passwd && {
      path: "/etc/passwd",
      layer: 0,
      entries: passwd.map((a) => ({ ...a, home: "/", shell: "/sbin/nologin" })),
      malformed: 0,
    },
    group: group && { path: "/etc/group", layer: 0, entries: group.map((g) => ({ ...g, members: [] })), malformed: 0 },
  };
  return { config: { user: spec }, users };
}

export interface Outcome {
  status: RuleOutcome["status"];
  /** Finding messages joined by newlines, or the skip reason; "" for a pass. */
  text: string;
  outcome: RuleOutcome;
}

/** Runs a rule with its default options, overridden key by key by `options`. */
export function run(rule: AnyRule, f: Facts, options: object = {}): Outcome {
  const outcome = rule.check(f, { ...rule.defaultOptions, ...options });
  const text =
    outcome.status === "fail" ? outcome.findings.map((x) => x.message).join("\n") : outcome.status === "skip" ? outcome.reason : "";
  return { status: outcome.status, text, outcome };
}

/** ajv's errors for `options` against the rule's options schema (strict mode), or [] when valid. */
export function optionsErrors(rule: AnyRule, options: unknown = rule.defaultOptions): string[] {
  const validate = new Ajv({ strict: true, allErrors: true }).compile(rule.optionsSchema);
  return validate(options) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}
