/** IMG-DF-002: a multi-stage build whose final stage is not a toolchain image. */
import { finalStage, rootBase, shippedStages } from "../../dockerfile/stages.js";
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { at, dockerfileOf, repository, shown } from "./dockerfile-helpers.js";
import { goCommands, runs } from "./dockerfile-run.js";

interface Options {
  /** Images that carry a compiler or SDK: an official image name ("golang") or a full repository ("cgr.dev/chainguard/go"). */
  toolchainImages: string[];
}

/** Compilers and build tools, with the subcommands that compile (empty: any use). */
const COMPILERS: ReadonlyMap<string, readonly string[]> = new Map([
  ["go", ["build", "install"]],
  ["cargo", ["build", "install"]],
  ["rustc", []],
  ["gcc", []],
  ["g++", []],
  ["cc", []],
  ["c++", []],
  ["clang", []],
  ["clang++", []],
  ["javac", []],
  ["mvn", []],
  ["gradle", []],
  ["gradlew", []],
  ["dotnet", ["build", "publish"]],
]);

export const rule: Rule<Options> = {
  id: "IMG-DF-002",
  title: "Multi-stage build with a small final stage",
  category: "dockerfile",
  severity: "low",
  description:
    "The image the Dockerfile ships (its last stage, or the `--target` stage of the build, with the stages it is built FROM) does not start from a toolchain image (`toolchainImages`: golang, node, python, rust, maven… by default) and runs no compiler (`go build`, `cargo build`, `gcc`, `mvn`, `dotnet publish`…): the program is built in an earlier stage and only its output is copied into the final one.",
  rationale:
    "A toolchain image is hundreds of megabytes of compilers, package managers, headers and shells the program never uses at run time (the seeds' course image goes from 926 MB on `golang` to 17 MB on scratch); all of it is attack surface and CVE noise, and it pulls slower everywhere. Multi-stage builds keep the toolchain in a stage that does not ship.",
  remediation:
    "Build in one stage and copy only the result into a small one:\n" +
    "  FROM golang:1.22-alpine AS build\n" +
    "  …\n" +
    "  RUN CGO_ENABLED=0 go build -ldflags=\"-s -w\" -o /out/app .\n" +
    "  FROM gcr.io/distroless/static-debian12:nonroot\n" +
    "  COPY --from=build /out/app /app\n" +
    "For an interpreted program, install its dependencies in a build stage and copy them onto a slim or distroless runtime image.",
  optionsSchema: {
    type: "object",
    properties: {
      toolchainImages: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description: "Toolchain images: an official image name (golang) or a full repository (cgr.dev/chainguard/go).",
      },
    },
    additionalProperties: false,
  },
  defaultOptions: {
    toolchainImages: [
      "golang", "rust", "gcc", "buildpack-deps", "maven", "gradle", "openjdk", "node", "python", "ruby", "swift", "haskell", "erlang", "elixir",
      "mcr.microsoft.com/dotnet/sdk", "cgr.dev/chainguard/go", "cgr.dev/chainguard/rust",
    ],
  },
  check(facts, options) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const final = finalStage(df);
    const root = rootBase(df, final);
    const toolchains = new Set(options.toolchainImages.map(repository));
    const findings: Finding[] = [];
    if (!root.scratch && toolchains.has(repository(root.name))) {
      const via = final.from.stage !== undefined ? `FROM ${final.from.image}, a stage built on ${root.image}` : `FROM ${root.image}`;
      findings.push({
        message:
          df.stages.length === 1
            ? `The Dockerfile has a single stage on the toolchain image ${root.image}: the image ships the compiler and everything it installed.`
            : `The final stage starts ${via}, a toolchain image: the image ships the compiler, not just the program.`,
        location: at(df, final.fromInstruction),
        expected: "a final stage on scratch, distroless or a slim runtime base, with the build output copied in",
        found: `final stage ${via}`,
      });
    }
    // a toolchain base already says it; otherwise look for a compiler run where it ships
    for (const run of findings.length ? [] : runs(df, shippedStages(df))) {
      const compiler = run.commands.find((c) => {
        const subs = COMPILERS.get(c.program);
        if (!subs) return false;
        if (c.program === "go") return goCommands(run).some((g) => subs.includes(g.sub));
        return subs.length === 0 || subs.includes(c.args.find((a) => !a.startsWith("-")) ?? "");
      });
      if (!compiler) continue;
      const where = run.stage === final ? "in the final stage" : `in stage ${run.stage.name ?? run.stage.index}, which the final stage is built FROM`;
      findings.push({
        message: `${shown(run.instr, 80)} compiles ${where}: the toolchain ships with the program.`,
        location: at(df, run.instr),
        expected: "compilation in a build stage that does not ship",
        found: shown(run.instr),
      });
      break;
    }
    return failIf(findings);
  },
};
