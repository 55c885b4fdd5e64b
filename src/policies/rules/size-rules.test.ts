import { describe, expect, it } from "vitest";
import type { Facts, LayerFact } from "../../inspect/facts/types.js";
import type { AnyRule } from "../types.js";
import { formatBytes, formatBytesExact } from "./byte-size.js";
import { rule as imageSize } from "./image-size.js";
import { rule as layerCount } from "./layer-count.js";
import { facts, optionsErrors, run } from "./test-facts.js";
import { rule as wastedBytes } from "./wasted-bytes.js";
import { table, type Case } from "./test-rule-table.js";



const MB = 1_000_000;

function layer(index: number, uncompressedSize: number, createdBy?: string, size = Math.round(uncompressedSize / 3)): LayerFact {
  const l: LayerFact = {
    index,
    digest: `sha256:${String(index).repeat(64).slice(0, 64)}`,
    diffId: `sha256:${String(index + 1).repeat(64).slice(0, 64)}`,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    size,
    uncompressedSize,
    files: 10,
  };
  if (createdBy) l.createdBy = createdBy;
  return l;
}

/** An image of these layers, sizes summed as image-facts does. */
function sized(layers: LayerFact[]): Facts {
  return facts({
    image: {
      layers,
      size: { compressed: layers.reduce((n, l) => n + l.size, 0), uncompressed: layers.reduce((n, l) => n + l.uncompressedSize, 0) },
    },
  });
}

describe("byte formatting", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [10 * MB, "10.0 MB"],
    [926_401_024, "926.4 MB"],
    [2_500_000_000, "2.5 GB"],
  ])("%d → %s", (n, s) => expect(formatBytes(n)).toBe(s));
  it("exact form", () => expect(formatBytesExact(12_345_678)).toBe("12.3 MB (12,345,678 bytes)"));
});

const naiveGo = sized([layer(0, 120 * MB, "ADD file:abc in /"), layer(1, 640 * MB, "RUN /bin/sh -c go build -o /app . # buildkit"), layer(2, 5 * MB)]);

table(imageSize, [
  { name: "scratch, empty", facts: facts(), status: "pass" },
  { name: "a small static service", facts: sized([layer(0, 8 * MB)]), status: "pass" },
  {
    name: "over the default budget, largest layers named",
    facts: naiveGo,
    status: "fail",
    findings: 1,
    text: "The image is 765.0 MB uncompressed, over the budget of 500.0 MB. Largest layers: layer 2 640.0 MB: RUN /bin/sh -c go build -o /app . # buildkit; layer 1 120.0 MB: ADD file:abc in /; layer 3 5.0 MB.",
    location: { layer: 1 },
  },
  { name: "within a larger budget", facts: naiveGo, options: { maxBytes: 1000 * MB }, status: "pass" },
  {
    name: "compressed budget",
    facts: naiveGo,
    options: { maxBytes: 1000 * MB, maxCompressedBytes: 100 * MB },
    status: "fail",
    findings: 1,
    text: "The image is 255.0 MB compressed, over the budget of 100.0 MB.",
  },
  { name: "both budgets", facts: naiveGo, options: { maxBytes: 100 * MB, maxCompressedBytes: 100 * MB }, status: "fail", findings: 2 },
  {
    name: "layers stored uncompressed (docker-archive, engine): within the compressed budget by their stored size passes",
    facts: sized([{ ...layer(0, 2 * MB, undefined, 2 * MB), mediaType: "application/vnd.docker.image.rootfs.diff.tar" }]),
    options: { maxBytes: 100 * MB, maxCompressedBytes: 3 * MB },
    status: "pass",
  },
  {
    name: "layers stored uncompressed over the compressed budget: not judged, not a false failure",
    facts: sized([{ ...layer(0, 2 * MB, undefined, 2 * MB), mediaType: "application/vnd.docker.image.rootfs.diff.tar" }, layer(1, 3 * MB)]),
    options: { maxBytes: 100 * MB, maxCompressedBytes: 2 * MB },
    status: "skip",
    text: /the compressed size is not known: 1 of 2 layers are stored uncompressed where the image was read/,
  },
  {
    name: "compressed layers alone over the compressed budget fail, whatever the layers stored uncompressed weigh",
    facts: sized([layer(0, 9 * MB, undefined, 3 * MB), { ...layer(1, 1000, undefined, 1000), mediaType: "application/vnd.oci.image.layer.v1.tar" }]),
    options: { maxBytes: 100 * MB, maxCompressedBytes: 2 * MB },
    status: "fail",
    findings: 1,
    text: "compressed, over the budget of 2.0 MB",
  },
  {
    name: "layers stored uncompressed, over the uncompressed budget too: fails on that alone",
    facts: sized([{ ...layer(0, 200 * MB, undefined, 200 * MB), mediaType: "application/vnd.docker.image.rootfs.diff.tar" }]),
    options: { maxBytes: 100 * MB, maxCompressedBytes: 2 * MB },
    status: "fail",
    findings: 1,
    text: "uncompressed, over the budget",
  },
]);

table(wastedBytes, [
  { name: "nothing wasted", facts: sized([layer(0, 100 * MB)]), status: "pass" },
  {
    name: "under both budgets",
    facts: facts(sized([layer(0, 100 * MB), layer(1, 2 * MB)]), { filesystem: { waste: { bytes: 2 * MB, files: 3, top: [] } } }),
    status: "pass",
  },
  {
    name: "over the byte budget, under the percent",
    facts: facts(sized([layer(0, 400 * MB), layer(1, 20 * MB)]), {
      filesystem: { waste: { bytes: 15 * MB, files: 120, top: [{ path: "/var/lib/apt/lists/x_Packages", size: 9 * MB, layer: 1, removedBy: 2 }] } },
    }),
    status: "fail",
    text: "15.0 MB in 120 files (3.6% of 420.0 MB) are written by one layer and overwritten or deleted by a later one, over the budget of 10.0 MB. Largest: /var/lib/apt/lists/x_Packages (9.0 MB, written by layer 2, removed by layer 3).",
    location: { path: "/var/lib/apt/lists/x_Packages", layer: 1 },
  },
  {
    name: "over the percent budget only",
    facts: facts(sized([layer(0, 40 * MB)]), { filesystem: { waste: { bytes: 6 * MB, files: 2, top: [] } } }),
    status: "fail",
    text: "(15.0% of 40.0 MB)",
  },
  {
    name: "a looser policy",
    facts: facts(sized([layer(0, 40 * MB)]), { filesystem: { waste: { bytes: 6 * MB, files: 2, top: [] } } }),
    options: { maxPercent: 20 },
    status: "pass",
  },
]);

table(layerCount, [
  { name: "no layers", facts: facts(), status: "pass" },
  { name: "at the budget", facts: sized(Array.from({ length: 50 }, (_, i) => layer(i, MB))), status: "pass" },
  {
    name: "over the budget",
    facts: sized(Array.from({ length: 12 }, (_, i) => layer(i, MB))),
    options: { max: 10 },
    status: "fail",
    text: "The image has 12 layers, more than the budget of 10.",
    location: { layer: 11 },
  },
]);
