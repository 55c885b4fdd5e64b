import { describe, expect, it } from "vitest";
import { descriptorProblem, imageManifest, indexEntries, shown } from "./descriptors.js";

const D = `sha256:${"a".repeat(64)}`;
const ctx = { registry: "127.0.0.1:5000", repository: "team/app" };

describe("descriptorProblem", () => {
  const table: [string, unknown, string | undefined][] = [
    ["a sound one", { mediaType: "x", digest: D, size: 10 }, undefined],
    ["size 0", { digest: D, size: 0 }, undefined],
    ["null", null, "is null, not a descriptor"],
    ["an array", [D], "is an array, not a descriptor"],
    ["a bad digest", { digest: "sha256:abc", size: 1 }, "has an invalid digest 'sha256:abc'"],
    ["a long bad digest, cut short", { digest: "x".repeat(1000), size: 1 }, `has an invalid digest '${"x".repeat(79)}…'`],
    ["a negative size", { digest: D, size: -1 }, `(${D}) has an invalid size -1`],
    ["a fractional size", { digest: D, size: 0.5 }, `(${D}) has an invalid size 0.5`],
    ["a size past 2^53", { digest: D, size: 2 ** 60 }, `(${D}) has an invalid size 1152921504606847000`],
    ["a size as a string", { digest: D, size: "10" }, `(${D}) has an invalid size '10'`],
    ["a media type that is an object", { digest: D, size: 1, mediaType: {} }, `(${D}) has an invalid media type an object`],
    ["a huge media type", { digest: D, size: 1, mediaType: "m".repeat(300) }, `(${D}) has an invalid media type '${"m".repeat(79)}…'`],
    ["a platform without an os", { digest: D, size: 1, platform: { architecture: "amd64" } }, `(${D}) has an invalid platform`],
    ["a platform whose variant is a list", { digest: D, size: 1, platform: { os: "linux", architecture: "arm", variant: ["v7"] } }, `(${D}) has an invalid platform`],
    ["annotations that are a list", { digest: D, size: 1, annotations: [] }, `(${D}) has invalid annotations`],
  ];
  for (const [name, d, want] of table) it(name, () => expect(descriptorProblem(d)).toBe(want));
});

describe("manifests and indexes", () => {
  it("names the entry that is wrong", () => {
    expect(() => indexEntries(ctx, { manifests: [{ digest: D, size: 1 }, { digest: D, size: -2 }] }, D)).toThrow(
      `registry 127.0.0.1:5000: repository team/app: index ${D}: entry 2 (${D}) has an invalid size -2`,
    );
    expect(() => indexEntries(ctx, { manifests: "all" }, D)).toThrow(`index ${D} lists no manifests`);
  });

  it("refuses a config bigger than the limit, and what is not an image manifest", () => {
    expect(() => imageManifest(ctx, { config: { digest: D, size: 5000 }, layers: [] }, D, 4096)).toThrow(`config ${D} is 5000 bytes, more than the 4096 imgpolicy reads`);
    expect(() => imageManifest(ctx, { config: { digest: D, size: 5 } }, D, 4096)).toThrow(`manifest ${D} is not an image manifest`);
    expect(() => imageManifest(ctx, [], D, 4096)).toThrow(`manifest ${D} is not an image manifest`);
    expect(imageManifest(ctx, { config: { digest: D, size: 5 }, layers: [{ digest: D, size: 7 }] }, D, 4096).layers).toHaveLength(1);
  });

  it("shows values without dumping them", () => {
    expect(shown(undefined)).toBe("undefined");
    expect(shown({ deep: [[[]]] })).toBe("an object");
    expect(shown("a\nb")).toBe("'a b'");
  });
});
