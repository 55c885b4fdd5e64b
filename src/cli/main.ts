/** The command line: a thin commander layer that parses, calls the library and renders. */
import { Command, CommanderError, Option } from "commander";
import { errorLine, exitCodeFor } from "./exit-code.js";

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
    .version("0.1.0")
    .option("--debug", "show the chain of causes of an error")
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (s, write) => write(`imgpolicy: ${s.replace(/^error: /, "")}`),
    })
    .showSuggestionAfterError(true);

  program
    .command("inspect")
    .description("read an image without running it and print what it holds")
    .argument("<ref>", "docker-archive:PATH, oci:PATH[:TAG], docker:NAME[:TAG], or NAME[:TAG] in the local engine")
    .option("--json", "print the facts as a JSON document (schema imgpolicy/facts@1)")
    .addOption(new Option("--platform <os/arch[/variant]>", "platform to choose from a multi-platform index (default: this host's)"))
    .action(async (ref: string, opts: { json?: boolean; platform?: string }) => {
      const { runInspect } = await import("./commands/inspect.js");
      code = await runInspect(ref, opts, io);
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
