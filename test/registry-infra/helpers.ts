/**
 * Shared bits of the registry-infra tests: curl through runAsync (the token server
 * and the fault proxy run in this process, so no spawnSync), small images, and the
 * leak check that no registry started here outlives its test file.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImage } from "../../fixtures/image-builder.js";
import type { BuiltImage } from "../../fixtures/image-spec.js";
import { runAsync, type AsyncRunResult } from "../../fixtures/registry/tools.js";
import type { RegistryServer } from "../../fixtures/registry/server.js";
import { haveCommand } from "../../fixtures/test-tools.js";

let headerDir: string | undefined;
let headerCount = 0;

/** Removes curl's scratch directory (call in afterAll). */
export async function cleanupCurl(): Promise<void> {
  if (headerDir) await rm(headerDir, { recursive: true, force: true });
  headerDir = undefined;
}

export const haveCurl = haveCommand("curl");
export const haveSkopeo = haveCommand("skopeo");

export interface CurlResult extends AsyncRunResult {
  /** The HTTP status curl saw (from -w), 0 when none. */
  http: number;
  /** The response headers (lower-cased names), when asked with headers: true. */
  headers: Record<string, string>;
  body: string;
}

/**
 * curl -s with a status line appended; `args` go before the URL. The body is
 * stdout minus the trailing status marker.
 */
export async function curl(url: string, args: string[] = [], timeoutMs = 30_000): Promise<CurlResult> {
  const marker = "\n@@HTTP@@";
  // Headers go to a file: curl 7.88 crashes on -D /dev/stderr when stderr is a socket.
  headerDir ??= await mkdtemp(join(tmpdir(), "imgpolicy-curl-"));
  const headerFile = join(headerDir, `h${++headerCount}`);
  const r = await runAsync("curl", ["-s", "-S", "-D", headerFile, "-w", `${marker}%{http_code}`, ...args, url], timeoutMs);
  const at = r.stdout.lastIndexOf(marker);
  const body = at >= 0 ? r.stdout.slice(0, at) : r.stdout;
  const http = at >= 0 ? Number(r.stdout.slice(at + marker.length)) : 0;
  const headers: Record<string, string> = {};
  const headerText = await readFile(headerFile, "utf8").catch(() => "");
  await rm(headerFile, { force: true });
  for (const line of headerText.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m) headers[m[1]!.toLowerCase()] = m[2]!;
  }
  return { ...r, http, headers, body };
}

/** Does a process with this exact config file still run? */
export async function registryProcessesFor(server: RegistryServer): Promise<string> {
  const r = await runAsync("pgrep", ["-f", "-a", server.configFile], 10_000);
  return r.stdout.trim();
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function smallImage(arch = "amd64", text = "hello"): BuiltImage {
  return buildImage({
    layers: [
      { files: [{ path: "/etc", type: "dir" }, { path: "/etc/motd", content: `${text} on ${arch}\n` }] },
      { files: [{ path: "/bin", type: "dir" }, { path: "/bin/tool", size: 3000, mode: 0o755 }] },
    ],
    platform: { os: "linux", architecture: arch },
    config: { Cmd: ["/bin/tool"] },
  });
}
