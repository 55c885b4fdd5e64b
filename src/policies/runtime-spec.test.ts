import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicy } from "./load-policy.js";
import { formatProblem } from "./policy-types.js";
import { RUNTIME_DEFAULTS, RUNTIME_SPEC_SCHEMA, resolveRuntimeSpec } from "./runtime-spec.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-runtime-spec-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function problems(text: string): Promise<string[]> {
  const f = join(dir, "p.yaml");
  await writeFile(f, text);
  const { errors } = await loadPolicy(f);
  return errors.map((e) => formatProblem(e).slice(dir.length + 1));
}

describe("the runtime section in a policy", () => {
  it("accepts every field", async () => {
    const text = [
      "extends: base",
      "runtime:",
      "  entrypoint: [/app]",
      "  command: [serve, --port, '8080']",
      "  env: { LOG_LEVEL: debug }",
      "  user: '65532:65532'",
      "  tmpfs: [/tmp, '/var/cache/app:size=64m']",
      "  readOnly: true",
      "  capDrop: [ALL]",
      "  capAdd: [NET_BIND_SERVICE]",
      "  noNewPrivileges: true",
      "  memory: 256m",
      "  cpus: 0.5",
      "  startupTimeout: 20",
      "  stayUp: 5",
      "  health: { http: { port: 8080, path: /health, status: 204, body: '^ok$', tls: false } }",
      "  stop: { signal: SIGTERM, gracePeriod: 15, allowedExitCodes: [0, 143] }",
      "  writeProbe: false",
    ].join("\n");
    expect(await problems(text)).toEqual([]);
    const { policy } = await loadPolicy(join(dir, "p.yaml"));
    expect(resolveRuntimeSpec(policy!.runtime).health).toEqual({ http: { port: 8080, path: "/health", status: 204, body: "^ok$", tls: false } });
  });

  const typos: [string, string, string][] = [
    ["an unknown key (the issue's example)", "runtime: { readonly: true }\n", "p.yaml:1:12: unknown key 'readonly' in runtime"],
    ["an unknown key, block style", "runtime:\n  readOnly: true\n  tmpfs: [/tmp]\n  capdrop: [ALL]\n", "p.yaml:4:3: unknown key 'capdrop' in runtime"],
    ["an unknown key in stop", "runtime:\n  stop:\n    grace: 5\n", "p.yaml:3:5: unknown key 'grace' in runtime.stop"],
    ["an unknown key in health.http", "runtime:\n  health:\n    http: { port: 8080, url: /x }\n", "p.yaml:3:25: unknown key 'url' in runtime.health.http"],
    ["a port as a string", "runtime:\n  health:\n    tcp: { port: '8080' }\n", "p.yaml:3:18: runtime.health.tcp.port: expected integer, found a string"],
    ["readOnly not a boolean", "runtime:\n  readOnly: yes please\n", "p.yaml:2:13: runtime.readOnly: expected boolean, found a string"],
    ["a misspelt capability", "runtime:\n  capAdd: [NET_BIND_SERIVCE]\n", "p.yaml:2:12: runtime.capAdd.0: expected one of \"ALL\", \"CHOWN\""],
    ["a relative tmpfs path", "runtime:\n  tmpfs: [tmp]\n", "p.yaml:2:11: runtime.tmpfs.0: must match pattern"],
    ["a memory limit that is not a size", "runtime:\n  memory: lots\n", "p.yaml:2:11: runtime.memory: must match pattern"],
    ["a negative timeout", "runtime:\n  startupTimeout: -1\n", "p.yaml:2:19: runtime.startupTimeout: must be > 0"],
    ["two health methods", "runtime:\n  health: { tcp: { port: 80 }, log: ready }\n", "p.yaml:2:11: runtime.health: must NOT have more than 1 properties"],
    ["an exit code above 255", "runtime:\n  stop: { allowedExitCodes: [0, 300] }\n", "p.yaml:2:33: runtime.stop.allowedExitCodes.1: must be <= 255"],
    ["a body that is not a regular expression", "runtime:\n  health: { http: { port: 80, body: '(' } }\n", "p.yaml:2:37: runtime.health.http.body: expected a regex"],
  ];
  for (const [what, text, want] of typos) {
    it(`reports ${what} at its line and column`, async () => {
      const got = await problems(text);
      expect(got.length, got.join("\n")).toBe(1);
      expect(got[0]!.startsWith(want), got[0]).toBe(true);
    });
  }
});

describe("RUNTIME_SPEC_SCHEMA", () => {
  it("is valid, documents every field, and its defaults match resolveRuntimeSpec's", () => {
    const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true });
    addFormats(ajv);
    expect(ajv.validateSchema(RUNTIME_SPEC_SCHEMA)).toBe(true);
    ajv.compile(RUNTIME_SPEC_SCHEMA);
    const props = RUNTIME_SPEC_SCHEMA.properties as Record<string, { description?: string; default?: unknown }>;
    for (const [k, v] of Object.entries(props)) expect(v.description, k).toBeTruthy();
    const resolved = resolveRuntimeSpec(undefined) as unknown as Record<string, unknown>;
    for (const k of ["tmpfs", "readOnly", "capDrop", "noNewPrivileges", "startupTimeout", "stayUp", "writeProbe"]) {
      expect(props[k]!.default, k).toEqual(resolved[k]);
    }
    const stop = (props.stop as { properties: Record<string, { default?: unknown }> }).properties;
    expect(Object.fromEntries(Object.entries(stop).map(([k, v]) => [k, v.default]))).toEqual(resolved.stop);
  });
});

describe("resolveRuntimeSpec", () => {
  it("applies the hardened defaults to a missing section", () => {
    expect(resolveRuntimeSpec(undefined)).toEqual({
      readOnly: true,
      tmpfs: ["/tmp"],
      capDrop: ["ALL"],
      capAdd: [],
      noNewPrivileges: true,
      startupTimeout: 30,
      stayUp: 3,
      stop: { signal: "SIGTERM", gracePeriod: 10, allowedExitCodes: [0, 143] },
      writeProbe: true,
    });
  });

  it("keeps what the policy says, fills the rest, and normalises capability names", () => {
    const r = resolveRuntimeSpec({ readOnly: false, tmpfs: [], capAdd: ["cap_net_bind_service"], stop: { gracePeriod: 2 }, user: "1000", memory: "128m", env: { A: "1" } });
    expect(r).toMatchObject({ readOnly: false, tmpfs: [], capDrop: ["ALL"], capAdd: ["NET_BIND_SERVICE"], user: "1000", memory: "128m", env: { A: "1" } });
    expect(r.stop).toEqual({ signal: "SIGTERM", gracePeriod: 2, allowedExitCodes: [0, 143] });
    expect(r).not.toHaveProperty("health");
    expect(r).not.toHaveProperty("entrypoint");
  });

  it("copies, so changing the result changes neither the policy nor the defaults", () => {
    const raw = { tmpfs: ["/tmp"], env: { A: "1" } };
    const r = resolveRuntimeSpec(raw);
    r.tmpfs.push("/run");
    r.env!.B = "2";
    r.stop.allowedExitCodes.push(1);
    expect(raw).toEqual({ tmpfs: ["/tmp"], env: { A: "1" } });
    expect(RUNTIME_DEFAULTS.stop.allowedExitCodes).toEqual([0, 143]);
    expect(resolveRuntimeSpec(undefined).stop.allowedExitCodes).toEqual([0, 143]);
  });
});
