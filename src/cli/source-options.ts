/**
 * The flags that say where images come from and how registries are reached,
 * shared by every command that opens an image, and their translation into
 * OpenOptions. Only this file reads the password from stdin.
 */
import type { Readable } from "node:stream";
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import { escapeText } from "../text/escape.js";
import { limitVariables } from "../inspect/limits.js";
import { parsePlatform } from "../inspect/platform.js";
import { cacheCap, parseSize } from "../inspect/registry/cache-size.js";
import { progressRenderer } from "../inspect/registry/progress.js";
import type { OpenOptions, SourceChoice } from "../inspect/resolve.js";

export interface SourceFlags {
  source?: SourceChoice;
  insecureRegistry?: string[];
  caCert?: string[];
  username?: string;
  passwordStdin?: boolean;
  cacheDir?: string;
  cacheMax?: string;
  /** false with --no-cache. */
  cache?: boolean;
  quiet?: boolean;
  platform?: string;
}

export interface SourceIo {
  stderr: (s: string) => void;
  /** Where --password-stdin reads (default process.stdin). */
  stdin?: Readable;
  /** Whether stderr is a terminal (default process.stderr.isTTY): progress is drawn only there. */
  stderrIsTTY?: boolean;
  env?: Record<string, string | undefined>;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds --source, --insecure-registry, --ca-cert, --username, --password-stdin, --cache-dir, --cache-max, --no-cache, --quiet. */
export function addSourceOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--source <where>", "where a plain NAME is read: the local engine, its registry, or the engine then the registry")
        .choices(["auto", "engine", "registry"])
        .default("auto"),
    )
    .addOption(new Option("--insecure-registry <host>", "allow plain HTTP and unverified TLS for this registry host[:port] (repeatable)").argParser(collect))
    .addOption(new Option("--ca-cert <file>", "trust the CA certificates in this PEM file for registries (repeatable)").argParser(collect))
    .option("--username <user>", "registry user name (with --password-stdin)")
    .option("--password-stdin", "read the registry password from stdin")
    .option("--cache-dir <dir>", "blob cache directory (default $XDG_CACHE_HOME/imgpolicy or ~/.cache/imgpolicy)")
    .option("--cache-max <size>", "most the blob cache holds, e.g. 500MB or 2GB, 0 for no cache; least recently used blobs go first (default IMGPOLICY_CACHE_MAX, else 2GB)")
    .option("--no-cache", "do not read or write the blob cache")
    .option("-q, --quiet", "print less: no download progress on stderr (check: failures only)");
}

/** Reads all of stdin (bounded) and drops one trailing newline, as `docker login --password-stdin` does. */
async function readPassword(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > 64 * 1024) throw new UsageError("--password-stdin: more than 64 KiB on stdin");
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** The OpenOptions the flags ask for. */
export async function sourceOptionsFrom(flags: SourceFlags, io: SourceIo): Promise<OpenOptions> {
  const out: OpenOptions = {};
  limitVariables(); // an invalid IMGPOLICY_MAX_* is a usage error before any image is opened
  if (flags.platform) out.platform = parsePlatform(flags.platform);
  if (flags.source !== undefined) {
    if (!["auto", "engine", "registry"].includes(flags.source)) throw new UsageError(`--source must be auto, engine or registry, not '${flags.source}'`);
    out.source = flags.source;
  }
  const registry: NonNullable<OpenOptions["registry"]> = {};
  if (flags.insecureRegistry?.length) registry.insecureRegistries = [...flags.insecureRegistry];
  if (flags.caCert?.length) registry.caFiles = [...flags.caCert];
  if (flags.passwordStdin && flags.username === undefined) throw new UsageError("--password-stdin needs --username");
  if (flags.username !== undefined) {
    if (!flags.username) throw new UsageError("--username is empty");
    if (!flags.passwordStdin) throw new UsageError("--username needs --password-stdin (a password is never taken from the command line)");
    const password = await readPassword(io.stdin ?? process.stdin);
    if (!password) throw new UsageError("--password-stdin: no password on stdin");
    registry.username = flags.username;
    registry.password = password;
  }
  if (flags.cacheDir) registry.cacheDir = flags.cacheDir;
  registry.onWarning = (message) => io.stderr(`${escapeText(`imgpolicy: warning: ${message}`)}\n`);
  // an invalid --cache-max or IMGPOLICY_CACHE_MAX is a usage error before any image is opened
  if (flags.cacheMax !== undefined) registry.cacheMax = parseSize(flags.cacheMax, "--cache-max");
  else cacheCap(io.env ?? process.env);
  if (flags.cache === false) registry.noCache = true;
  if (io.env) registry.env = io.env;
  const tty = io.stderrIsTTY ?? Boolean(process.stderr.isTTY);
  if (tty && !flags.quiet) registry.onProgress = progressRenderer(io.stderr).onProgress;
  if (Object.keys(registry).length > 0) out.registry = registry;
  return out;
}
