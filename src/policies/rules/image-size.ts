/** IMG-SIZE-001: the image is within a size budget. */
import type { LayerFact } from "../../inspect/facts/types.js";
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { formatBytes, formatBytesExact } from "./byte-size.js";

/** A layer media type that says the layer is compressed (OCI `+gzip`/`+zstd`, Docker `.tar.gzip`/`.tar.zstd`). */
const COMPRESSED = /(?:\+|\.tar\.)(?:gzip|zstd)$/;

interface Options {
  /** Budget for the uncompressed size (the sum of the layer tars), in bytes. */
  maxBytes: number;
  /** Budget for the compressed size (what a pull downloads), in bytes. */
  maxCompressedBytes?: number;
}

function largest(layers: readonly LayerFact[], key: "uncompressedSize" | "size"): string {
  const top = [...layers].sort((a, b) => b[key] - a[key]).slice(0, 3);
  const one = (l: LayerFact) => {
    const by = l.createdBy ? `: ${l.createdBy.replace(/\s+/g, " ").trim().slice(0, 80)}` : "";
    return `layer ${l.index + 1} ${formatBytes(l[key])}${by}`;
  };
  return top.length ? ` Largest layers: ${top.map(one).join("; ")}.` : "";
}

function biggest(layers: readonly LayerFact[], key: "uncompressedSize" | "size"): { layer: number } | undefined {
  const top = [...layers].sort((a, b) => b[key] - a[key])[0];
  return top ? { layer: top.index } : undefined;
}

export const rule: Rule<Options> = {
  id: "IMG-SIZE-001",
  title: "Image size within budget",
  category: "size",
  severity: "medium",
  optIn: true,
  description:
    "The image's uncompressed size (`image.size.uncompressed`, the sum of its layer tars) is at most `maxBytes`, and, when `maxCompressedBytes` is set, its compressed size (`image.size.compressed`) is at most that. Sizes are in bytes; messages print SI units as `docker images` does.",
  rationale:
    "Size is pull time, start-up time on a fresh node, registry storage and attack surface: every file shipped is a file to patch. A budget in the policy catches the regression when a build stage's toolchain or a cache slips into the final image (a Go service goes from ~10 MB on scratch to ~900 MB on `FROM golang`).",
  remediation:
    "Build in one stage and ship only the result:\n" +
    "  FROM golang:1.22 AS build\n" +
    "  RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/app .\n" +
    "  FROM scratch\n" +
    "  COPY --from=build /out/app /app\n" +
    "Use slim or distroless bases, install with `--no-install-recommends` / `--no-cache`, and clean caches in the same RUN. Look at the largest layers named in the finding first.",
  optionsSchema: {
    type: "object",
    properties: {
      maxBytes: { type: "integer", minimum: 0, description: "Budget for the uncompressed size, in bytes." },
      maxCompressedBytes: { type: "integer", minimum: 0, description: "Budget for the compressed size, in bytes." },
    },
    required: ["maxBytes"],
    additionalProperties: false,
  },
  defaultOptions: { maxBytes: 500_000_000 },
  check(facts, options) {
    const { size, layers } = facts.image;
    const findings: Finding[] = [];
    if (size.uncompressed > options.maxBytes) {
      const f: Finding = {
        message: `The image is ${formatBytes(size.uncompressed)} uncompressed, over the budget of ${formatBytes(options.maxBytes)}.${largest(layers, "uncompressedSize")}`,
        expected: `at most ${formatBytesExact(options.maxBytes)} uncompressed`,
        found: formatBytesExact(size.uncompressed),
      };
      const loc = biggest(layers, "uncompressedSize");
      if (loc) f.location = loc;
      findings.push(f);
    }
    // a layer stored as a plain tar (a docker-archive's, the engine's) has no compressed size here: its stored size is only a bound
    const plain = layers.filter((l) => !COMPRESSED.test(l.mediaType));
    // what the compressed layers alone weigh: over the budget, the image is for certain
    const known = size.compressed - plain.reduce((n, l) => n + l.size, 0);
    let unknown: string | undefined;
    if (options.maxCompressedBytes !== undefined && size.compressed > options.maxCompressedBytes && plain.length > 0 && known <= options.maxCompressedBytes) {
      unknown = `the compressed size is not known: ${plain.length} of ${layers.length} layers are stored uncompressed where the image was read (as a docker-archive or the engine holds them), so the ${formatBytes(size.compressed)} over maxCompressedBytes (${formatBytes(options.maxCompressedBytes)}) is only an upper bound; check the image in its registry or an OCI layout with compressed layers`;
    } else if (options.maxCompressedBytes !== undefined && size.compressed > options.maxCompressedBytes) {
      const f: Finding = {
        message: `The image is ${formatBytes(size.compressed)} compressed, over the budget of ${formatBytes(options.maxCompressedBytes)}.${largest(layers, "size")}`,
        expected: `at most ${formatBytesExact(options.maxCompressedBytes)} compressed`,
        found: formatBytesExact(size.compressed),
      };
      const loc = biggest(layers, "size");
      if (loc) f.location = loc;
      findings.push(f);
    }
    if (findings.length === 0 && unknown !== undefined) return skip(unknown);
    return failIf(findings);
  },
};
