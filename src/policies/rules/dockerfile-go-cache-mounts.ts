/** IMG-DF-004: BuildKit cache mounts for the Go module and build caches. */
import { substituteAt } from "../../dockerfile/stages.js";
import type { DockerfileInstruction } from "../../dockerfile/types.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, builtScope, dockerfileOf, shown } from "./dockerfile-helpers.js";
import { compiles, downloadsModules, goCommands, mountCovers, mounts, runs } from "./dockerfile-run.js";

type Options = Record<string, never>;

/** A variable's value at `instr`, or `fallback` when the Dockerfile does not set it. */
function valueAt(df: Parameters<typeof substituteAt>[0], instr: DockerfileInstruction, name: string, fallback: string): string {
  const v = substituteAt(df, instr, `\${${name}}`);
  return v.unresolved.length || v.text === "" ? fallback : v.text;
}

const cachesAt = (instr: DockerfileInstruction, path: string, suffix: string) =>
  mountCovers(instr, path, "cache") || mounts(instr).some((m) => m.type === "cache" && (m.target ?? m.dst ?? "").replace(/\/+$/, "").endsWith(suffix));

export const rule: Rule<Options> = {
  id: "IMG-DF-004",
  title: "Go builds use BuildKit cache mounts",
  category: "dockerfile",
  severity: "info",
  description:
    "Every RUN of the stages the build runs (the final or `--target` stage and the stages it uses) that downloads Go modules or compiles mounts a BuildKit cache at the module cache (`--mount=type=cache,target=/go/pkg/mod`, or $GOMODCACHE) and, when it compiles, at the build cache (`--mount=type=cache,target=/root/.cache/go-build`, or $GOCACHE). A RUN that only compiles after an earlier `go mod download` without a cache mount (the modules are then in the layer) needs only the build cache.",
  rationale:
    "A cache mount keeps the downloaded modules and compiled packages between builds, outside the image: a dependency change downloads only what changed and a source change recompiles only what changed (the seeds' course and gofile). Once `go mod download` writes into a cache mount, the modules are not in the layer, so a later `go build` without the same mount downloads them all again. Cache mounts need BuildKit (`docker buildx build`, or DOCKER_BUILDKIT=1 with Docker before 23): the legacy builder rejects `--mount`.",
  remediation:
    "Mount the caches on every Go RUN (BuildKit; start the Dockerfile with `# syntax=docker/dockerfile:1`):\n" +
    "  RUN --mount=type=cache,target=/go/pkg/mod \\\n" +
    "      go mod download\n" +
    "  RUN --mount=type=cache,target=/go/pkg/mod \\\n" +
    "      --mount=type=cache,target=/root/.cache/go-build \\\n" +
    "      CGO_ENABLED=0 go build -o /out/app .\n" +
    "In CI, persist the caches between runs (e.g. buildkit-cache-dance for GitHub Actions).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const all = runs(df);
    const goRuns = all.filter((r) => goCommands(r).some((g) => downloadsModules(g) || compiles(g)));
    if (goRuns.length === 0) return skip(`no RUN in ${builtScope(df)} downloads Go modules or compiles Go code`);
    const findings: Finding[] = [];
    for (const run of goRuns) {
      const gos = goCommands(run);
      const modCache = valueAt(df, run.instr, "GOMODCACHE", `${valueAt(df, run.instr, "GOPATH", "/go")}/pkg/mod`);
      const buildCache = valueAt(df, run.instr, "GOCACHE", "/root/.cache/go-build");
      const earlier = goRuns.filter((r) => r.stage === run.stage && r.instr.line < run.instr.line && goCommands(r).some(downloadsModules));
      const inLayer = earlier.some((r) => !cachesAt(r.instr, modCache, "/pkg/mod"));
      const inCache = earlier.find((r) => cachesAt(r.instr, modCache, "/pkg/mod"));
      const needsMod = gos.some(downloadsModules) || !inLayer;
      const needsBuild = gos.some(compiles);
      const missing: { what: string; path: string }[] = [];
      if (needsMod && !cachesAt(run.instr, modCache, "/pkg/mod")) missing.push({ what: "the module cache", path: modCache });
      if (needsBuild && !cachesAt(run.instr, buildCache, "/go-build")) missing.push({ what: "the build cache", path: buildCache });
      if (missing.length === 0) continue;
      const lost =
        inCache && missing[0]!.path === modCache && !gos.some(downloadsModules)
          ? ` The modules \`go mod download\` put in the cache mount at line ${inCache.instr.line} are not in the layer, so this RUN downloads them again.`
          : "";
      findings.push({
        message: `${shown(run.instr, 80)} mounts no BuildKit cache for ${missing.map((m) => `${m.what} (${m.path})`).join(" or ")}.${lost}`,
        location: at(df, run.instr),
        expected: missing.map((m) => `--mount=type=cache,target=${m.path}`).join(" "),
        found: run.instr.flags.some((f) => f.name === "mount") ? `mounts: ${mounts(run.instr).map((m) => `${m.type}:${m.target ?? m.dst ?? "?"}`).join(", ")}` : "no --mount",
      });
    }
    return failIf(findings);
  },
};
