/**
 * Docker credential helpers: `docker-credential-NAME get` reads the server URL on
 * stdin and writes {"ServerURL","Username","Secret"} on stdout. A Username of
 * "<token>" means the secret is an identity (refresh) token. What the helper
 * prints never goes into a message: only its name and exit status do.
 */
import { spawn } from "node:child_process";
import { RegistryError } from "../../errors.js";
import type { Credentials } from "./docker-config.js";

const OUTPUT_LIMIT = 256 * 1024;

export interface HelperOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

function fail(name: string, serverUrl: string, why: string): RegistryError {
  return new RegistryError(`cannot get credentials for ${serverUrl} from docker-credential-${name}: ${why}`);
}

/** Asks a helper for the credentials of `serverUrl`; undefined when it has none. */
export async function runCredentialHelper(name: string, serverUrl: string, opts: HelperOptions = {}): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw fail(name, serverUrl, "not a valid helper name");
  const program = `docker-credential-${name}`;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { code, stdout, spawnError, timedOut } = await new Promise<{
    code: number | null;
    stdout: Buffer;
    spawnError?: NodeJS.ErrnoException;
    timedOut: boolean;
  }>((resolve) => {
    // its own process group, so that a timeout ends whatever the helper started too
    const child = spawn(program, ["get"], { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    const out: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.stdout.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= OUTPUT_LIMIT) out.push(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      // helpers say "credentials not found" on either stream
      size += c.length;
      if (size <= OUTPUT_LIMIT && /credentials not found/i.test(c.toString("utf8"))) out.push(c);
    });
    child.stdin.on("error", () => {});
    child.on("error", (err) => {
      spawnError = err;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), timedOut, ...(spawnError ? { spawnError } : {}) });
    });
    child.stdin.end(serverUrl);
  });

  if (spawnError) {
    throw fail(name, serverUrl, spawnError.code === "ENOENT" ? `${program} is not on PATH` : spawnError.message);
  }
  if (timedOut) throw fail(name, serverUrl, `no answer within ${Math.round(timeoutMs / 1000)}s`);
  const text = stdout.toString("utf8");
  if (code !== 0) {
    if (/credentials not found/i.test(text)) return undefined;
    throw fail(name, serverUrl, `it exited with status ${code ?? "killed"}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(text) as { Username?: unknown; Secret?: unknown };
  } catch {
    throw fail(name, serverUrl, "its answer is not JSON");
  }
  const username = typeof parsed?.Username === "string" ? parsed.Username : "";
  const secret = typeof parsed?.Secret === "string" ? parsed.Secret : "";
  if (!secret) return undefined;
  if (username === "<token>") return { identityToken: secret };
  return { username, password: secret };
}
