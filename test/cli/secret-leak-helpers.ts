/**
 * What the secrets CLI tests (history, contents, deleted files) share: running the built
 * CLI in a directory with its output as one text (through run-bin.ts), and the project's
 * example and base images on this engine, which no secrets rule may flag.
 */
import { execFileSync } from "node:child_process";
import { runBin } from "./run-bin.js";

/** The CLI's exit code and its stdout and stderr together (a planted value must be in neither). */
export async function binText(cwd: string, args: readonly string[], timeoutMs: number): Promise<{ code: number; text: string }> {
  const r = await runBin(args, { cwd, timeoutMs });
  return { code: r.code, text: r.stdout + r.stderr };
}

/** The example and base images the project's fixtures built on this engine (none on a fresh one: nothing to judge). */
export function projectImages(docker: string, engine: boolean): string[] {
  if (!engine) return [];
  return execFileSync(docker, ["images", "--format", "{{.Repository}}:{{.Tag}}"]).toString().split("\n").filter((r) => /^imgpolicy-(example|base)\//.test(r));
}
