/** IMG-SIZE-002: bytes that later layers overwrite or delete stay within budget (dive's CI thresholds). */
import { fail, pass, type Finding, type Rule } from "../types.js";
import { formatBytes, formatBytesExact, formatPercent } from "./byte-size.js";

interface Options {
  /** Budget for wasted bytes. */
  maxBytes: number;
  /** Budget for wasted bytes as a percentage of the uncompressed image size. */
  maxPercent: number;
}

export const rule: Rule<Options> = {
  id: "IMG-SIZE-002",
  title: "Wasted bytes within budget",
  category: "size",
  severity: "low",
  description:
    "The bytes of files that one layer writes and a later layer overwrites or deletes (`filesystem.waste`) are at most `maxBytes` and at most `maxPercent` percent of the uncompressed image size.",
  rationale:
    "A file deleted in a later layer is still in the layer that added it: every pull downloads it and every node stores it, though no container can see it. This is dive's measure; its CI mode fails on `highestWastedBytes` and `highestUserWastedPercent`. The usual causes are a cache cleaned in a separate RUN, a `chmod`/`chown` in a RUN (which copies every file it touches into a new layer), and build tools removed after the fact.",
  remediation:
    "Clean up in the RUN that made the mess, and set modes and owners when copying:\n" +
    "  RUN apt-get update && apt-get install -y --no-install-recommends <packages> && rm -rf /var/lib/apt/lists/*\n" +
    "  COPY --chown=app:app --chmod=0755 app /app\n" +
    "or build in a separate stage and `COPY --from=build` only the result. The finding names the largest wasted files, the layer that wrote each and the layer that removed it.",
  optionsSchema: {
    type: "object",
    properties: {
      maxBytes: { type: "integer", minimum: 0, description: "Budget for wasted bytes." },
      maxPercent: { type: "number", minimum: 0, maximum: 100, description: "Budget for wasted bytes, in percent of the uncompressed size." },
    },
    additionalProperties: false,
  },
  defaultOptions: { maxBytes: 10_000_000, maxPercent: 10 },
  check(facts, options) {
    const { waste } = facts.filesystem;
    const total = facts.image.size.uncompressed;
    const percent = total > 0 ? (waste.bytes / total) * 100 : 0;
    const over: string[] = [];
    if (waste.bytes > options.maxBytes) over.push(`${formatBytes(options.maxBytes)}`);
    if (percent > options.maxPercent) over.push(`${options.maxPercent}% of the image`);
    if (!over.length) return pass();
    const top = waste.top.slice(0, 3).map((w) => `${w.path} (${formatBytes(w.size)}, written by layer ${w.layer + 1}, removed by layer ${w.removedBy + 1})`);
    const f: Finding = {
      message:
        `${formatBytes(waste.bytes)} in ${waste.files} files (${formatPercent(percent)} of ${formatBytes(total)}) are written by one layer and overwritten or deleted by a later one, over the budget of ${over.join(" and ")}.` +
        (top.length ? ` Largest: ${top.join("; ")}.` : ""),
      expected: `at most ${formatBytesExact(options.maxBytes)} and ${options.maxPercent}% of the image`,
      found: `${formatBytesExact(waste.bytes)}, ${formatPercent(percent)}, ${waste.files} files`,
    };
    const first = waste.top[0];
    if (first) f.location = { path: first.path, layer: first.layer };
    return fail(f);
  },
};
