/** IMG-SIZE-003: the number of layers is within a budget. */
import { fail, pass, type Rule } from "../types.js";

interface Options {
  /** Most layers allowed. */
  max: number;
}

export const rule: Rule<Options> = {
  id: "IMG-SIZE-003",
  title: "Layer count within budget",
  category: "size",
  severity: "low",
  optIn: true,
  description: "The image has at most `max` layers (`image.layers`; instructions that make no layer, such as ENV or LABEL, do not count).",
  rationale:
    "Every layer is a separate download, a separate extraction and one more lower directory for the overlay filesystem to search on every lookup; the engine refuses images past about 125 layers. Many layers usually mean one RUN per command, which also keeps files that a later RUN deletes (IMG-SIZE-002).",
  remediation:
    "Chain related commands into one RUN and copy the build result in one step:\n" +
    "  RUN apt-get update \\\n" +
    "   && apt-get install -y --no-install-recommends ca-certificates curl \\\n" +
    "   && rm -rf /var/lib/apt/lists/*\n" +
    "  COPY --from=build /out/ /app/\n" +
    "or build in a separate stage and ship a final stage with only a few COPY steps.",
  optionsSchema: {
    type: "object",
    properties: { max: { type: "integer", minimum: 1, description: "Most layers allowed." } },
    required: ["max"],
    additionalProperties: false,
  },
  defaultOptions: { max: 50 },
  check(facts, options) {
    const n = facts.image.layers.length;
    if (n <= options.max) return pass();
    return fail({
      message: `The image has ${n} layers, more than the budget of ${options.max}.`,
      location: { layer: n - 1 },
      expected: `at most ${options.max} layers`,
      found: `${n} layers`,
    });
  },
};
