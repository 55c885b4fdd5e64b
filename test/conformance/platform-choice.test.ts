/**
 * Platform choice against the engine: indexes with many platform spellings (aliases,
 * missing or default variants, upper case, no os, two equal entries, attestations) are
 * pushed to a local registry; for each platform asked, `docker pull --platform` (and a
 * pull without one) chooses an entry, and imgpolicy must choose the same entry from the
 * same registry, or, where the engine finds none, refuse with an input error.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImgpolicyError, SourceError } from "../../src/errors.js";
import { parsePlatform } from "../../src/inspect/platform.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { DOCKER, exec } from "../../fixtures/conformance/exec.js";
import { pushCraftedIndex, type CraftedEntry, type IndexFamily, type PushedIndex } from "../../fixtures/conformance/platform-index.js";
import { haveRegistry, registryTarget, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/index.js";
import { baseOptions, removeTempDirs } from "../registry/helpers.js";

const engineUp = await exec(DOCKER, ["version", "--format", "{{.Server.Version}}"], { timeoutMs: 20_000 }).then(
  () => true,
  () => false,
);

type P = CraftedEntry;
const p = (os: unknown, architecture: unknown, variant?: unknown): P => ({ platform: { os, architecture, ...(variant !== undefined ? { variant } : {}) } });
const raw = (platform?: Record<string, unknown>, annotations?: Record<string, string>): P => ({ ...(platform ? { platform } : {}), ...(annotations ? { annotations } : {}) });

/** The indexes: each a list of entries' platform objects (undefined: no platform). */
const INDEXES: { name: string; family: IndexFamily; entries: P[]; refused?: true }[] = [
  { name: "common", family: "oci", entries: [p("linux", "amd64"), p("linux", "arm64", "v8"), p("linux", "arm", "v7"), p("linux", "arm", "v6"), p("linux", "386"), p("linux", "s390x")] },
  { name: "fallbacks", family: "docker", entries: [p("linux", "386"), p("linux", "arm", "v5")] },
  { name: "arm-order", family: "oci", entries: [p("linux", "arm", "v5"), p("linux", "arm", "v6"), p("linux", "arm", "v7"), p("linux", "arm", "v8")] },
  { name: "aliases", family: "docker", entries: [p("linux", "x86_64"), p("linux", "aarch64", "8"), p("linux", "armhf"), p("linux", "i386")] },
  // an entry's os other than exactly "linux" (even "Linux") that the engine takes crashes a 20.10 engine: not tried
  { name: "spelling", family: "oci", entries: [p("linux", "AMD64"), p("linux", "arm64"), p("linux", "arm"), p("linux", "ARM", "V6")] },
  { name: "variants", family: "oci", entries: [p("linux", "amd64", "v2"), p("linux", "amd64", "v1"), p("linux", "arm64", "v9"), p("linux", "arm", "7")] },
  { name: "x86-variants", family: "docker", entries: [p("linux", "x86_64", "v2"), p("linux", "i386", "v1"), p("linux", "x86-64", "v1")] },
  { name: "amd64-levels", family: "oci", entries: [p("linux", "amd64", "v3"), p("linux", "amd64")] },
  { name: "no-platform", family: "docker", entries: [raw(), p("linux", "arm64"), raw({ os: "linux", architecture: "arm" })] },
  { name: "twice", family: "docker", entries: [p("linux", "amd64"), p("linux", "amd64"), p("windows", "amd64")] },
  { name: "attestation", family: "oci", entries: [p("unknown", "unknown"), raw({ os: "linux", architecture: "amd64" }, { "vnd.docker.reference.type": "attestation-manifest" }), p("linux", "arm64")] },
  { name: "keys", family: "oci", entries: [raw({ OS: "linux", Architecture: "arm64" }), raw({ os: "linux", ARCHITECTURE: "amd64", VARIANT: "v2" })] },
];

/** The platforms asked; undefined: no --platform (the host's). */
const WANTED: (string | undefined)[] = [
  undefined,
  "linux/amd64",
  "linux/arm64",
  "linux/arm64/v8",
  "linux/arm",
  "linux/arm/v7",
  "linux/arm/v6",
  "linux/arm/v5",
  "linux/arm/v8",
  "linux/386",
  "linux/amd64/v2",
  "linux/amd64/v3",
  "linux/s390x",
  "Linux/AMD64",
  "linux/aarch64",
  "linux/x86_64",
];

const NONE = -1;
/** imgpolicy's clear input error (exit 2): not the engine's reading, but never another one. */
const REFUSED = "refused";

describe.skipIf(!engineUp || !haveRegistry())("conformance: the platform chosen from an index is the one docker pull --platform takes", () => {
  const run = randomBytes(4).toString("hex");
  let reg: RegistryServer;
  const pushed = new Map<string, PushedIndex>();

  beforeAll(async () => {
    reg = await startRegistry({ auth: "none" });
    for (const ix of INDEXES) pushed.set(ix.name, await pushCraftedIndex(registryTarget(reg), `conformance/platform-${run}`, ix.name, ix.entries, ix.family, `${run}-${ix.name}`));
  }, 120_000);

  afterAll(async () => {
    // every image this file pulled is one of its configs (their labels name this run)
    const ids = [...pushed.values()].flatMap((x) => x.configs);
    for (const id of ids) await exec(DOCKER, ["rmi", id], { timeoutMs: 60_000 }).catch(() => {});
    await stopAllRegistries();
    await removeTempDirs();
  });

  /**
   * The entry the engine pulls, or NONE. Pulled images stay until the end: removing one
   * between pulls releases its layer, and a pull of that layer right after can crash a
   * 20.10 engine (a nil dereference in its layer download manager).
   */
  async function engineChoice(ref: string, wanted: string | undefined, configs: string[]): Promise<number | string> {
    try {
      await exec(DOCKER, ["pull", "-q", ...(wanted !== undefined ? ["--platform", wanted] : []), ref], { timeoutMs: 120_000 });
    } catch (err) {
      const why = (err as Error).message;
      if (/no matching manifest/.test(why)) return NONE;
      return `pull failed: ${why.split("\n").slice(-1)[0]}`;
    }
    const id = (await exec(DOCKER, ["image", "inspect", "--format", "{{.Id}}", ref], { timeoutMs: 60_000 })).trim();
    return configs.indexOf(id);
  }

  async function ourChoice(ref: string, wanted: string | undefined, manifests: string[]): Promise<number | string> {
    try {
      const img = await openRegistryImage(ref, await baseOptions(wanted !== undefined ? { platform: parsePlatform(wanted) } : {}));
      try {
        return manifests.indexOf(await img.digest());
      } finally {
        await img.close();
      }
    } catch (err) {
      if (err instanceof SourceError && /no image for platform/.test(err.message)) return NONE;
      if (err instanceof ImgpolicyError && (err.kind === "source" || err.kind === "registry")) return REFUSED;
      return `failed: ${(err as Error).message}`;
    }
  }

  it("chooses the same entry as the engine for every index and platform, or none where it finds none", async () => {
    const rows: string[] = [];
    const problems: string[] = [];
    let chosen = 0;
    for (const ix of INDEXES) {
      const { configs, manifests } = pushed.get(ix.name)!;
      const ref = `${reg.host}/conformance/platform-${run}:${ix.name}`;
      for (const wanted of WANTED) {
        const engine = await engineChoice(ref, wanted, configs);
        const ours = await ourChoice(ref, wanted, manifests);
        if (typeof engine === "number" && engine !== NONE) chosen++;
        rows.push(`${ix.name.padEnd(13)} ${(wanted ?? "(default)").padEnd(15)} engine ${engine} imgpolicy ${ours}`);
        const agrees = engine === ours || (ours === REFUSED && ix.refused === true && typeof engine === "number");
        if (!agrees) problems.push(rows[rows.length - 1]!);
      }
    }
    console.info(`platform conformance: ${rows.length} pulls of ${INDEXES.length} indexes; the engine chose an entry in ${chosen}; disagreements ${problems.length}\n${rows.join("\n")}`);
    expect(problems).toEqual([]);
    expect(chosen).toBeGreaterThan(40);
  }, 900_000);
});
