import { describe, expect, it } from "vitest";
import type { Descriptor } from "./image.js";
import { normalizePlatform, parsePlatform, platformMatches } from "./platform.js";
import { choosePlatform } from "./sources/select-manifest.js";

const entry = (platform: Record<string, string> | undefined, n: number, annotations?: Record<string, string>): Descriptor =>
  ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${String(n).repeat(64)}`, size: 1, ...(platform ? { platform } : {}), ...(annotations ? { annotations } : {}) }) as Descriptor;
const pick = (entries: Descriptor[], wanted: string) => entries.indexOf(choosePlatform("img", entries, parsePlatform(wanted)));

describe("normalizePlatform (containerd's, as the 20.10 engine has it)", () => {
  it("folds case and aliases, and gives arm and arm64 their default variants", () => {
    expect(normalizePlatform({ os: "Linux", architecture: "X86_64", variant: "v2" })).toEqual({ os: "linux", architecture: "amd64", variant: "v2" });
    expect(normalizePlatform({ os: "linux", architecture: "amd64", variant: "v1" })).toEqual({ os: "linux", architecture: "amd64", variant: "" });
    expect(normalizePlatform({ os: "linux", architecture: "i386", variant: "v1" })).toEqual({ os: "linux", architecture: "386", variant: "" });
    expect(normalizePlatform({ os: "linux", architecture: "aarch64", variant: "8" })).toEqual({ os: "linux", architecture: "arm64", variant: "" });
    expect(normalizePlatform({ os: "linux", architecture: "arm64", variant: "v9" })).toEqual({ os: "linux", architecture: "arm64", variant: "v9" });
    expect(normalizePlatform({ os: "linux", architecture: "armhf" })).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(normalizePlatform({ os: "linux", architecture: "armel" })).toEqual({ os: "linux", architecture: "arm", variant: "v6" });
    expect(normalizePlatform({ os: "linux", architecture: "ARM", variant: "5" })).toEqual({ os: "linux", architecture: "arm", variant: "v5" });
    expect(normalizePlatform({ architecture: "arm" })).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(normalizePlatform({ os: "macos", architecture: "arm64" })).toEqual({ os: "darwin", architecture: "arm64", variant: "" });
  });

  it("matches exactly once both sides are normalised: no 386 for amd64, no arm for arm64, no lower arm variant", () => {
    expect(platformMatches({ os: "linux", architecture: "arm64", variant: "v8" }, { os: "linux", architecture: "arm64" })).toBe(true);
    expect(platformMatches({ os: "linux", architecture: "arm", variant: "v7" }, { os: "linux", architecture: "arm" })).toBe(true);
    expect(platformMatches({ os: "linux", architecture: "arm", variant: "v6" }, { os: "linux", architecture: "arm" })).toBe(false);
    expect(platformMatches({ os: "linux", architecture: "386" }, { os: "linux", architecture: "amd64" })).toBe(false);
    expect(platformMatches({ os: "linux", architecture: "amd64", variant: "v2" }, { os: "linux", architecture: "amd64" })).toBe(false);
    expect(platformMatches({ os: "linux", architecture: "arm", variant: "v8" }, { os: "linux", architecture: "arm64" })).toBe(false);
    expect(platformMatches(undefined, { os: "linux", architecture: "amd64" })).toBe(false);
  });

  it("parses only what containerd parses", () => {
    expect(parsePlatform("linux/arm64/v8")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    for (const bad of ["linux", "linux/", "linux/amd 64", "linux/amd64/v2/x", "linux/amd64.", "/amd64"]) expect(() => parsePlatform(bad)).toThrow(/invalid platform/);
  });
});

describe("choosePlatform (the engine's filterManifests)", () => {
  const common = [entry({ os: "linux", architecture: "arm", variant: "v6" }, 1), entry({ os: "linux", architecture: "arm", variant: "v7" }, 2), entry({ os: "linux", architecture: "amd64" }, 3)];

  it("takes the first exact match in the index's order", () => {
    expect(pick(common, "linux/arm")).toBe(1);
    expect(pick(common, "linux/arm/v6")).toBe(0);
    expect(pick([entry({ os: "linux", architecture: "x86_64" }, 1), entry({ os: "linux", architecture: "amd64" }, 2)], "linux/amd64")).toBe(0);
  });

  it("falls back, for arm only, to the first entry written as linux/arm, whatever its variant", () => {
    expect(pick(common, "linux/arm/v5")).toBe(0);
    expect(pick(common, "linux/arm/v8")).toBe(0);
    expect(() => pick([entry({ os: "linux", architecture: "armhf" }, 1)], "linux/arm/v6")).toThrow("img: no image for platform linux/arm/v6; platforms present: linux/armhf");
  });

  it("takes an attestation's entry only by its platform, never an entry without one", () => {
    const entries = [entry(undefined, 1), entry({ os: "unknown", architecture: "unknown" }, 2), entry({ os: "linux", architecture: "amd64" }, 3, { "vnd.docker.reference.type": "attestation-manifest" })];
    expect(pick(entries, "linux/amd64")).toBe(2);
    expect(() => pick(entries, "linux/arm64")).toThrow("img: no image for platform linux/arm64; platforms present: unknown");
    expect(() => pick([entry(undefined, 1)], "linux/amd64")).toThrow(/no image for platform linux\/amd64/);
  });
});
