import { builtinModules } from "node:module";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const importsOf = (text: string) => [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);

interface Import {
  spec: string;
  /** `import type …` / `export type …`: erased, nothing runs. */
  typeOnly: boolean;
}

/** Every import and re-export of a file (static, dynamic, and `import("…")` types), with whether it is erased. */
function importStatements(text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s*)?["']([^"']+)["']/g)) {
    out.push({ spec: m[2]!, typeOnly: m[1] !== undefined });
  }
  for (const m of text.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

/** The repository path ("src/runtime/probe") a relative specifier of `file` names; undefined for packages. */
function target(file: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  return relative(".", resolve(dirname(file), spec)).split(sep).join("/").replace(/\.js$/, "");
}

const under = (file: string, dir: string) => file.split(sep).join("/").startsWith(`${dir}/`);
const nodeBuiltin = (spec: string) => spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]!);
const at = (f: string, what: string) => `${relative(".", f)} → ${what}`;

describe("import boundaries (design.md, convention 4)", () => {
  it("src/inspect imports neither policies nor the CLI, and no test code", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src/inspect")) {
      for (const spec of importsOf(await readFile(f, "utf8"))) {
        if (/\/(policies|cli)\//.test(spec) || /fixtures|vitest/.test(spec)) offenders.push(`${relative(".", f)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("only the CLI maps errors to exit codes", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src")) {
      if (f.startsWith(join("src", "cli"))) continue;
      if (/process\.exit/.test(await readFile(f, "utf8"))) offenders.push(relative(".", f));
    }
    expect(offenders).toEqual([]);
  });

  it("rules import no node:* module (nor a bare node builtin): they are pure functions over facts", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src/policies/rules")) {
      for (const { spec } of importStatements(await readFile(f, "utf8"))) if (nodeBuiltin(spec)) offenders.push(at(f, spec));
    }
    expect(offenders).toEqual([]);
  });

  it("src/inspect never imports src/runtime, not even for a type", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src/inspect")) {
      for (const { spec } of importStatements(await readFile(f, "utf8"))) {
        const t = target(f, spec);
        if (t !== undefined && (t === "src/runtime" || t.startsWith("src/runtime/"))) offenders.push(at(f, spec));
      }
    }
    expect(offenders).toEqual([]);
  });

  it("only src/runtime imports testcontainers, and nothing imports dockerode or docker-modem (testcontainers' engine client stays inside it)", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src")) {
      for (const { spec } of importStatements(await readFile(f, "utf8"))) {
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (pkg === "testcontainers" && !under(f, "src/runtime")) offenders.push(at(f, spec));
        if (pkg === "dockerode" || pkg === "docker-modem") offenders.push(at(f, spec));
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe("one engine client: only src/engine speaks to the Docker engine", () => {
  /**
   * Modules outside src/engine that open network connections, to peers that are not the
   * engine. They must not touch the engine's address either (next test).
   */
  const OTHER_PEERS: Record<string, string> = {
    "src/inspect/registry/": "Distribution registries and their token servers and proxies",
    "src/runtime/wait.ts": "the probed container's published ports (HTTP and TCP health)",
  };
  const NETWORK = new Set(["node:http", "node:https", "node:http2", "node:net", "node:tls", "node:dgram", "http", "https", "http2", "net", "tls", "dgram"]);
  const otherPeer = (f: string) => Object.keys(OTHER_PEERS).some((p) => f.split(sep).join("/").startsWith(p));

  it("outside src/engine, nothing opens a connection with node:http/https/net/tls but the listed modules for other peers", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src")) {
      if (under(f, "src/engine") || otherPeer(f)) continue;
      for (const { spec, typeOnly } of importStatements(await readFile(f, "utf8"))) {
        if (NETWORK.has(spec) && !typeOnly) offenders.push(at(f, spec));
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the modules for other peers never hold the engine's address: they use the one client (client.ts, containers.ts), never its endpoint", async () => {
    const ADDRESS = new Set(["src/engine/transport", "src/engine/address", "src/engine/host", "src/engine/context", "src/engine/tls"]);
    const offenders: string[] = [];
    for (const f of await sources("src")) {
      if (!otherPeer(f)) continue;
      const text = await readFile(f, "utf8");
      for (const { spec } of importStatements(text)) if (ADDRESS.has(target(f, spec) ?? "")) offenders.push(at(f, spec));
      for (const m of text.matchAll(/\.endpoint\b|\bEngineEndpoint\b|socketPath|docker\.sock/g)) offenders.push(at(f, m[0]));
    }
    expect(offenders).toEqual([]);
  });

  it("the engine transport (the code that connects) is imported only inside src/engine", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src")) {
      if (under(f, "src/engine")) continue;
      for (const { spec } of importStatements(await readFile(f, "utf8"))) {
        if (target(f, spec) === "src/engine/transport") offenders.push(at(f, spec));
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the engine's address is resolved once, in src/engine: nothing else reads DOCKER_HOST, DOCKER_CONTEXT or the TLS variables from an environment", async () => {
    const offenders: string[] = [];
    const reads = /\benv(?:\?)?\.(DOCKER_(?:HOST|CONTEXT|TLS|TLS_VERIFY|CERT_PATH))\b|\benv\s*\[\s*["'](DOCKER_(?:HOST|CONTEXT|TLS|TLS_VERIFY|CERT_PATH))["']\s*\]/g;
    for (const f of await sources("src")) {
      if (under(f, "src/engine")) continue;
      for (const m of (await readFile(f, "utf8")).matchAll(reads)) offenders.push(at(f, m[1] ?? m[2]!));
    }
    expect(offenders).toEqual([]);
  });

  it("the checks above see what they look for", () => {
    // the parsers the rules rely on, on the forms the source tree uses
    expect(importStatements(`import { request, type IncomingMessage } from "node:http";`)).toEqual([{ spec: "node:http", typeOnly: false }]);
    expect(importStatements(`import type { IncomingMessage } from "node:http";`)).toEqual([{ spec: "node:http", typeOnly: true }]);
    expect(importStatements(`export type { RuntimeFacts } from "../x/runtime-facts.js";`)).toEqual([{ spec: "../x/runtime-facts.js", typeOnly: true }]);
    expect(importStatements(`  runtime?: import("../../runtime/runtime-types.js").RuntimeFacts;`)).toEqual([{ spec: "../../runtime/runtime-types.js", typeOnly: false }]);
    expect(importStatements(`const { x } = await import("../../engine/client.js");`)).toEqual([{ spec: "../../engine/client.js", typeOnly: false }]);
    expect(target(join("src", "inspect", "facts", "types.ts"), "../../runtime/runtime-types.js")).toBe("src/runtime/runtime-types");
    expect(nodeBuiltin("fs/promises")).toBe(true);
    expect(nodeBuiltin("yaml")).toBe(false);
  });
});
