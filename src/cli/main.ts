/** The command line: a thin commander layer that parses, calls the library and renders. */
import { Command, CommanderError, Option } from "commander";
import { commanderErrorText, errorLine, exitCodeFor } from "./exit-code.js";
import { UsageError } from "../errors.js";
import { VERSION } from "../version.js";
import { addSourceOptions, sourceOptionsFrom, type SourceFlags } from "./source-options.js";

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const debug = argv.includes("--debug");
  const program = new Command()
    .name("imgpolicy")
    .description("Prove a container image is fit to ship: read its layers and check them against policies.")
    .version(VERSION)
    .option("--debug", "show the chain of causes of an error")
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (s, write) => write(commanderErrorText(s)),
    })
    .showSuggestionAfterError(true);

  addSourceOptions(program
    .command("inspect")
    .description("read an image without running it and print what it holds")
    .argument("<ref>", "docker-archive:PATH, oci:PATH[:TAG], docker:NAME[:TAG], or NAME[:TAG] in the local engine")
    .option("--json", "print the facts as a JSON document (schema imgpolicy/facts@1)")
    .addOption(new Option("--platform <os/arch[/variant]>", "platform to choose from a multi-platform index (default: this host's)"))
    .action(async (ref: string, opts: { json?: boolean } & SourceFlags) => {
      const { runInspect } = await import("./commands/inspect.js");
      code = await runInspect(ref, opts, io, await sourceOptionsFrom(opts, io));
    }));

  addSourceOptions(program
    .command("ls")
    .description("list the image's flattened filesystem (all layers applied), with the layer each entry comes from")
    .argument("<ref>", "the image (same forms as inspect)")
    .argument("[path]", "list only this path and what is below it (default /)")
    .option("--json", "print a JSON array of {path, type, mode, uid, gid, size, linkname?, layer, implicit?}")
    .addOption(new Option("--platform <os/arch[/variant]>", "platform to choose from a multi-platform index (default: this host's)"))
    .action(async (ref: string, path: string | undefined, opts: { json?: boolean } & SourceFlags) => {
      const { runLs } = await import("./commands/ls.js");
      code = await runLs(ref, path, opts, io, await sourceOptionsFrom(opts, io));
    }));

  const collect = (v: string, prev: string[] = []) => [...prev, v];
  addSourceOptions(program
    .command("check")
    .description("check images against a policy; exit 0 pass, 1 policy failed, 2 usage or input error")
    .argument("[ref...]", "images to check (same forms as inspect)")
    .option("-p, --policy <name|file>", "shipped policy name or policy file (repeatable; default .imgpolicy.yaml here or above, else 'base')", collect)
    .option("--from <file>", "check the images listed in this YAML or JSON file, each with its own policy, platform and runtime (a release gate)")
    .option("--shard <k/n>", "with --from: check only shard K of N of the list (split by a hash of each image reference); join the shards' JSON reports with 'imgpolicy report merge'")
    .option("--allow-extends-outside", "let policies extend files outside their own directory tree (off: a policy found in a checkout cannot read other files)")
    .option("--trust-policy", "let a policy found here or above (not named with --policy) weaken the runtime sandbox: add capabilities, a writable root, root, no-new-privileges off (off: it may only harden it)")
    .option("--format <format[=file]>", "text, json, junit, sarif, markdown or codequality, optionally to a file (repeatable; directories are made)", collect)
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .option("--fail-on <severity>", "fail on findings at or above: critical, high, medium, low, info")
    .option("--ignore <rule[,rule…]>", "waive every finding of these rules, reported as \"ignored on the command line\" (repeatable; also IMGPOLICY_IGNORE)", collect)
    .addOption(new Option("--platform <os/arch[/variant]>", "platform to choose from a multi-platform index"))
    .option("--concurrency <n>", "images checked at once (default 2)")
    .option("-v, --verbose", "also list passed and not-applicable rules (text, markdown)")
    .option("--show-skipped", "list not-applicable rules in markdown (else a count) and junit (else left out)")
    .addOption(new Option("--color <when>", "colour the text report: auto (a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces), always, never").choices(["auto", "always", "never"]).default("auto"))
    .option("--no-color", "the same as --color never")
    .option("--runtime", "also run each image under the policy's hardened runtime profile and check how it behaves (needs a container engine)")
    .option("--runtime-only", "run the images and apply only the runtime rules")
    .option("--require-runtime", "with --runtime: exit 2 when an image could not be run (no engine…) instead of reporting the runtime rules as not run")
    .option("--build <context>", "build the image from this context directory with the local engine, then check it (the Dockerfile goes to the Dockerfile rules)")
    .option("-f, --file <dockerfile>", "with --build: the Dockerfile (default CONTEXT/Dockerfile)")
    .option("--dockerfile <file>", "the Dockerfile the images were built from: lint it (IMG-DF-*) and cross-check it with them")
    .option("--target <stage>", "with --build: the stage to build (with --dockerfile: the stage that was built)")
    .option("--build-arg <key=value>", "with --build: a build argument (repeatable; with --dockerfile: the ones the build had)", collect)
    .option("--tag <name>", "with --build: keep the built image under this name (otherwise it is removed after the check)")
    .option("--label <key=value>", "with --build: a label for the built image (repeatable)", collect)
    .action(async (refs: string[], opts: import("./commands/check-from.js").CheckFromFlags & SourceFlags) => {
      if (opts.from !== undefined && opts.build !== undefined) throw new UsageError("--build and --from do not go together: list built images in the --from file");
      if (opts.shard !== undefined && opts.from === undefined) throw new UsageError("--shard goes with --from FILE: it checks one part of the list's images");
      if (opts.from !== undefined) {
        const stray = (["file", "dockerfile", "target", "tag"] as const).find((k) => (opts as Record<string, unknown>)[k] !== undefined);
        if (stray) throw new UsageError(`--${stray} does not go with --from: the images in the list are checked as they are`);
        const { runCheckFrom } = await import("./commands/check-from.js");
        code = await runCheckFrom(refs, opts, io, await sourceOptionsFrom(opts, io));
        return;
      }
      const { runCheck } = await import("./commands/check.js");
      code = await runCheck(refs, { ...opts, debug }, io, await sourceOptionsFrom(opts, io));
    }));

  addSourceOptions(program
    .command("init")
    .description("write a starter .imgpolicy.yaml here: for an image, the closest shipped policy and the USER, ports and labels it has")
    .argument("[ref]", "the image to fit it to (same forms as inspect); without it, a generic starter")
    .option("--dockerfile <file>", "without an image: pick the policy from the base of this Dockerfile's final stage (default ./Dockerfile, when there is one)")
    .option("--policy-name <name>", "the shipped policy to extend (default: the closest to the image or Dockerfile, else base)")
    .option("--force", "replace an existing .imgpolicy.yaml")
    .addOption(new Option("--platform <os/arch[/variant]>", "platform to choose from a multi-platform index (default: this host's)"))
    .action(async (ref: string | undefined, opts: import("./commands/init.js").InitFlags & SourceFlags) => {
      const { runInit } = await import("./commands/init.js");
      code = await runInit(ref, opts, io, ref === undefined ? {} : await sourceOptionsFrom(opts, io));
    }));

  program
    .command("gc")
    .description("remove the containers of runtime checks whose imgpolicy process is gone (a killed run), and list them")
    .option("--all", "also remove those of imgpolicy runs still in progress")
    .option("--image <ref>", "only the containers of this image (a name or ID the engine has)")
    .action(async (opts: import("./commands/gc.js").GcFlags) => {
      const { runGc } = await import("./commands/gc.js");
      code = await runGc(opts, io);
    });

  const cache = program.command("cache").description("show or prune the registry blob cache (default $XDG_CACHE_HOME/imgpolicy or ~/.cache/imgpolicy)");
  cache
    .command("info")
    .description("the cache's directory, its blobs and their size, its cap, and the oldest and newest use")
    .option("--cache-dir <dir>", "the cache directory")
    .option("--cache-max <size>", "the cap to show (default IMGPOLICY_CACHE_MAX, else 2GB)")
    .option("--json", "print it as a JSON object")
    .action(async (opts: import("./commands/cache.js").CacheInfoFlags) => {
      const { runCacheInfo } = await import("./commands/cache.js");
      code = await runCacheInfo(opts, io);
    });
  cache
    .command("prune")
    .description("remove blobs, least recently used first, and say what was freed (default: down to the cap)")
    .option("--cache-dir <dir>", "the cache directory")
    .option("--all", "remove every blob")
    .option("--max <size>", "remove blobs until the rest hold at most this, e.g. 500MB")
    .option("--older-than <age>", "remove blobs not used for this long, e.g. 12h or 7d")
    .action(async (opts: import("./commands/cache.js").CachePruneFlags) => {
      const { runCachePrune } = await import("./commands/cache.js");
      code = await runCachePrune(opts, io);
    });

  program
    .command("report")
    .description("work with JSON reports")
    .command("merge")
    .description("join JSON reports (the shards of a check --from gate, or separate checks) into one and render it; exit 0 passed, 1 failed, 2 bad input")
    .argument("<report...>", "JSON reports written by check --format json")
    .option("--format <format[=file]>", "text, json, junit, sarif, markdown or codequality, optionally to a file (repeatable; directories are made)", collect)
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .option("-v, --verbose", "also list passed and not-applicable rules (text, markdown)")
    .option("-q, --quiet", "failures only")
    .option("--show-skipped", "list not-applicable rules in markdown (else a count) and junit (else left out)")
    .addOption(new Option("--color <when>", "colour the text report: auto, always, never").choices(["auto", "always", "never"]).default("auto"))
    .option("--no-color", "the same as --color never")
    .action(async (files: string[], opts: import("./commands/report-merge.js").ReportMergeFlags) => {
      const { runReportMerge } = await import("./commands/report-merge.js");
      code = await runReportMerge(files, opts, io);
    });

  const policy = program.command("policy").description("work with policy files");
  policy
    .command("validate")
    .description("validate policy files against the schema (problems as file:line:col)")
    .argument("<file...>", "policy files or shipped policy names")
    .option("--allow-extends-outside", "let policies extend files outside their own directory tree")
    .action(async (files: string[], opts: import("./commands/policy-validate.js").PolicyValidateFlags) => {
      const { runPolicyValidate } = await import("./commands/policy-validate.js");
      code = await runPolicyValidate(files, io, opts);
    });
  policy
    .command("show")
    .description("print the effective policy (extends and defaults applied) and where each setting came from")
    .argument("[policy...]", "shipped policy names or files, layered (default: the one check would use)")
    .option("-p, --policy <name|file>", "a shipped policy name or file (repeatable, as for check)", collect)
    .option("--json", "print it as JSON: each setting with its value and origin")
    .option("--allow-extends-outside", "let policies extend files outside their own directory tree")
    .action(async (names: string[], opts: import("./commands/policy-show.js").PolicyShowFlags) => {
      const { runPolicyShow } = await import("./commands/policy-show.js");
      code = await runPolicyShow(names, opts, io);
    });

  program
    .command("rules")
    .description("list the rules, or explain one: what it checks, why, how to fix")
    .argument("[id]", "a rule id, e.g. IMG-USER-001")
    .option("--format <format>", "text (default) or json: id, title, default severity, category, description, options and their schema")
    .action(async (id: string | undefined, opts: import("./commands/rules.js").RulesFlags) => {
      const { runRules } = await import("./commands/rules.js");
      code = runRules(id, io, opts);
    });

  program
    .command("completion")
    .description("print a shell completion script: commands, options, shipped policies, rule ids")
    .argument("<shell>", "bash or zsh")
    .action(async (shell: string) => {
      const { runCompletion } = await import("./commands/completion.js");
      code = await runCompletion(shell, program, io);
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return exitCodeFor(err);
    io.stderr(errorLine(err, debug) + "\n");
    return exitCodeFor(err);
  }
}
