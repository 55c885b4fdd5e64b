/** Runs the CLI in-process with captured output, as the tests of each command need. */
import { main, type Io } from "../../src/cli/main.js";

export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false };
  const code = await main(["node", "imgpolicy", ...args], io);
  return { code, stdout, stderr };
}
