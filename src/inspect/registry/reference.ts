/**
 * Image references as Docker reads them (distribution/reference's grammar and
 * normalisation): NAME[:TAG][@DIGEST], where NAME is [HOST[:PORT]/]PATH.
 * A first component is a registry host when it holds "." or ":", is "localhost",
 * or has uppercase letters; otherwise the name is on Docker Hub, where a single
 * component gains "library/".
 */
import { UsageError } from "../../errors.js";

export const DOCKER_HUB = "docker.io";
/** Where Docker Hub's registry API answers. */
export const DOCKER_HUB_API = "registry-1.docker.io";
const HUB_ALIASES = new Set([DOCKER_HUB, "index.docker.io", DOCKER_HUB_API]);

export interface Reference {
  /** The registry as the user names it, normalised: "docker.io", "localhost:5000", "[::1]:5000". */
  registry: string;
  /** The repository path inside the registry: "library/busybox", "team/app". */
  repository: string;
  tag?: string;
  digest?: string;
  /** The text parsed. */
  original: string;
}

const ALNUM = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|-+)";
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_SYNTAX_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;
const NAME_MAX = 255;

function invalid(text: string, why: string): UsageError {
  return new UsageError(`'${text}' is not a valid image reference: ${why}`);
}

function problem(why: string): never {
  throw new Problem(why);
}

function checkDigest(digest: string): void {
  if (!DIGEST_SYNTAX_RE.test(digest)) problem(`invalid digest '${digest}'`);
  const [alg, hex] = digest.split(":") as [string, string];
  const want = alg === "sha256" ? 64 : alg === "sha512" ? 128 : 0;
  if (want === 0) problem(`unsupported digest algorithm '${alg}'`);
  if (hex.length !== want || hex !== hex.toLowerCase()) problem(`a ${alg} digest has ${want} lowercase hex digits`);
}

/** Whether the first component of a name is a registry host rather than a Docker Hub namespace. */
export function isRegistryHost(component: string): boolean {
  return component === "localhost" || /[.:]/.test(component) || component !== component.toLowerCase();
}

/** Parses and normalises a reference; throws a UsageError saying what is wrong. */
export function parseRegistryReference(text: string): Reference {
  if (!text) throw new UsageError("empty image reference");
  const parsed = parse(text);
  if (typeof parsed === "string") throw invalid(text, parsed);
  return parsed;
}

/** What is wrong with a reference, or undefined when it parses. */
export function referenceProblem(text: string): string | undefined {
  if (!text) return "empty";
  const parsed = parse(text);
  return typeof parsed === "string" ? parsed : undefined;
}

function parse(text: string): Reference | string {
  try {
    return parseOrThrow(text);
  } catch (err) {
    if (err instanceof Problem) return err.message;
    throw err;
  }
}

class Problem extends Error {}

function parseOrThrow(text: string): Reference {
  if (HEX64_RE.test(text)) problem("a 64-character hexadecimal string is an image ID, not a name");
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    checkDigest(digest);
  }
  // a ":" after the last "/" starts the tag ("a:5000" is a:tag 5000; "a:5000/b" has a port)
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) problem(`invalid tag '${tag}'`);
  }
  if (!rest) problem("no repository name");
  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash !== -1 && isRegistryHost(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!HOST_RE.test(registry)) problem(`invalid registry host '${registry}'`);
  }
  if (HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (repository !== repository.toLowerCase()) problem("repository names must be lowercase");
  if (!PATH_RE.test(repository)) problem(`invalid repository name '${repository}'`);
  if (registry.length + 1 + repository.length > NAME_MAX) problem(`the name is longer than ${NAME_MAX} characters`);
  return { registry, repository, original: text, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The full name: "docker.io/library/busybox". */
export function fullName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Docker's short form of the name: "busybox", "team/app", "localhost:5000/a". */
export function familiarName(ref: Reference): string {
  if (ref.registry !== DOCKER_HUB) return fullName(ref);
  return ref.repository.startsWith("library/") && ref.repository.split("/").length === 2 ? ref.repository.slice(8) : ref.repository;
}

function suffix(ref: Reference): string {
  return `${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** The short form with tag and digest as given: "busybox:1.36", "team/app@sha256:…". */
export function familiar(ref: Reference): string {
  return familiarName(ref) + suffix(ref);
}

/** The canonical form, with ":latest" when neither tag nor digest was given. */
export function canonical(ref: Reference): string {
  return fullName(ref) + (ref.tag === undefined && !ref.digest ? ":latest" : suffix(ref));
}

/** What to ask the registry for: the digest when pinned (a tag beside it is ignored, as Docker does), else the tag. */
export function manifestIdentifier(ref: Reference): string {
  return ref.digest ?? ref.tag ?? "latest";
}

/** The host the registry API answers on. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** The hostname without port or IPv6 brackets: "[::1]:5000" → "::1". */
export function hostname(registry: string): string {
  if (registry.startsWith("[")) return registry.slice(1, registry.indexOf("]"));
  const colon = registry.lastIndexOf(":");
  return colon === -1 ? registry : registry.slice(0, colon);
}

/** localhost, 127.0.0.0/8 and ::1: registries that may speak plain HTTP without being named insecure. */
export function isLoopback(registry: string): boolean {
  const h = hostname(registry).toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::1";
}
