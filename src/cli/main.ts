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
    .option("--allow-extends-outside", "let policies extend files outside their own directory tree (off: a policy found in a checkout cannot read other files)")
    .option("--format <format[=file]>", "text, json, junit, sarif, markdown or codequality, optionally to a file (repeatable; directories are made)", collect)
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .option("--fail-on <severity>", "fail on findings at or above: critical, high, medium, low, info")
    .addOption(new Option("--platform <os/arch[/variant]>", "platform to choose from a multi-platform index"))
    .option("--concurrency <n>", "images checked at once (default 2)")
    .option("-v, --verbose", "also list passed and not-applicable rules (text, markdown)")
    .option("--show-skipped", "list not-applicable rules in markdown (else a count) and junit (else left out)")
    .addOption(new Option("--color <when>", "colour the text report: auto (a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces), always, never").choices(["auto", "always", "never"]).default("auto"))
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

  program
    .command("gc")
    .description("remove the containers of runtime checks whose imgpolicy process is gone (a killed run), and list them")
    .option("--all", "also remove those of imgpolicy runs still in progress")
    .action(async (opts: import("./commands/gc.js").GcFlags) => {
      const { runGc } = await import("./commands/gc.js");
      code = await runGc(opts, io);
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

  program
    .command("rules")
    .description("list the rules, or explain one: what it checks, why, how to fix")
    .argument("[id]", "a rule id, e.g. IMG-USER-001")
    .action(async (id: string | undefined) => {
      const { runRules } = await import("./commands/rules.js");
      code = runRules(id, io);
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
