/** Runs the built bin/imgpolicy.js (`npm run build` first) as a child process, in a given directory, with a hard timeout. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/imgpolicy.js", import.meta.url));

export interface BinRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBin(args: readonly string[], opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<BinRun> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", TESTCONTAINERS_RYUK_DISABLED: "true", ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: env as NodeJS.ProcessEnv, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}
