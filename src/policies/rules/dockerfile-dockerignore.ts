/** IMG-DF-013: the build context has a .dockerignore. */
import { isBuilt } from "../../dockerfile/built-stages.js";
import { copiesWholeContext, copySources } from "../../dockerfile/stages.js";
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { at, dockerfileOf, NO_DOCKERFILE, shown } from "./dockerfile-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-DF-013",
  title: ".dockerignore present",
  category: "dockerfile",
  severity: "low",
  description:
    "When the Dockerfile copies from the build context (COPY or ADD without --from, in the stages the build runs: the final or `--target` stage and the stages it uses), the context has a .dockerignore. Known with `imgpolicy check --build`; skipped when imgpolicy cannot tell.",
  rationale:
    "Without it the whole directory is sent to the builder and `COPY . .` copies it all: .git (history, sometimes credentials), .env files, local build output and node_modules end up in the layer (IMG-FILE stray-file checks find them there), every unrelated file change invalidates the cache, and large contexts slow every build.",
  remediation:
    "Add a .dockerignore next to the Dockerfile (or `Dockerfile.dockerignore`), excluding at least:\n" +
    "  .git\n  .env*\n  **/*.pem\n  Dockerfile*\n  bin/\n  node_modules/\n" +
    "or invert it: `*` then `!go.mod`, `!go.sum`, `!cmd/`, `!internal/`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    if (!facts.dockerfile) return skip(NO_DOCKERFILE);
    if (facts.dockerfile.dockerignore === undefined) return skip("whether the build context has a .dockerignore is not known (imgpolicy check --build tells)");
    if (facts.dockerfile.dockerignore) return pass();
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const copies = df.instructions.filter((i) => {
      if (!isBuilt(df, i)) return false;
      const c = copySources(i);
      return c !== undefined && c.from === undefined && i.heredocs.length < c.sources.length;
    });
    if (copies.length === 0) return pass();
    const first = copies.find(copiesWholeContext) ?? copies[0]!;
    return fail({
      message: `The build context has no .dockerignore, and ${shown(first, 80)} copies from it${copiesWholeContext(first) ? ": everything in the directory goes into the layer" : ""}.`,
      location: at(df, first),
      expected: "a .dockerignore next to the Dockerfile",
      found: "no .dockerignore",
    });
  },
};
