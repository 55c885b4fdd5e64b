/**
 * Through the built CLI (`npm run build` first), what an attacker review found:
 * credentials in DOCKER_HOST or a context's Host are never printed; `policy show`
 * hides runtime.env values; `report merge` refuses a report whose verdicts were edited,
 * and reports too large for its memory budget, each in one line with exit 2.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderJson } from "../../src/policies/report/json.js";
import { sampleReport } from "../../src/policies/report/sample-report.fixture.js";
import { contextId } from "../../src/engine/context.js";
import { VERSION } from "../../src/version.js";
import { runBin } from "./run-bin.js";

const SECRET = "ghp_" + "S7q".repeat(12);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-attacker-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const oneLine = (stderr: string) => expect(stderr.trimEnd().split("\n")).toHaveLength(1);

describe("engine addresses with credentials", () => {
  it("DOCKER_HOST tcp://user:token@host:port: spoken to at host:port, the credentials shown as ***", async () => {
    const r = await runBin(["inspect", "x", "--source", "engine"], { env: { DOCKER_HOST: `tcp://user:${SECRET}@127.0.0.1:1` } });
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^imgpolicy: cannot reach the Docker engine at tcp:\/\/\*\*\*@127\.0\.0\.1:1: connection refused/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stderr).not.toContain("user");
  });

  it("ssh://user:password@host and a context's Host with credentials: refused or used without showing them", async () => {
    const ssh = await runBin(["inspect", "x", "--source", "engine"], { env: { DOCKER_HOST: `ssh://u:${SECRET}@engine.example` } });
    expect(ssh.code).toBe(2);
    expect(ssh.stderr).toMatch(/^imgpolicy: DOCKER_HOST 'ssh:\/\/\*\*\*@engine\.example' is not supported: ssh transports are not spoken/);
    expect(ssh.stderr).not.toContain(SECRET);

    const cfg = join(dir, "docker-config");
    const meta = join(cfg, "contexts", "meta", contextId("leaky"));
    await mkdir(meta, { recursive: true });
    await writeFile(join(meta, "meta.json"), JSON.stringify({ Name: "leaky", Endpoints: { docker: { Host: `tcp://u:${SECRET}@127.0.0.1:1` } } }));
    const ctx = await runBin(["inspect", "x", "--source", "engine"], { env: { DOCKER_HOST: undefined, DOCKER_CONFIG: cfg, DOCKER_CONTEXT: "leaky" } });
    expect(ctx.code).toBe(2);
    oneLine(ctx.stderr);
    expect(ctx.stderr).toMatch(/^imgpolicy: cannot reach the Docker engine at tcp:\/\/\*\*\*@127\.0\.0\.1:1 \(context "leaky"\): connection refused/);
    expect(ctx.stderr).not.toContain(SECRET);
  });
});

describe("policy show with runtime.env", () => {
  it("shows that each value is set, never the value, in text and JSON", async () => {
    const pol = join(dir, "pol.yaml");
    const dsn = "postgres://app:hunter2pw@db:5432/app";
    await writeFile(pol, ["runtime:", "  env:", `    API_TOKEN: ${SECRET}`, "    DB_PASSWORD: hunter2pw", `    DATABASE_URL: "${dsn}"`, ""].join("\n"));
    const text = await runBin(["policy", "show", pol], { cwd: dir });
    const json = await runBin(["policy", "show", pol, "--json"], { cwd: dir });
    for (const r of [text, json]) {
      expect(r.code, r.stderr).toBe(0);
      for (const secret of [SECRET, "hunter2pw", dsn]) expect(r.stdout).not.toContain(secret);
    }
    expect(text.stdout).toContain('"API_TOKEN":"gh… (40 chars, a GitHub token)"');
    const env = (JSON.parse(json.stdout) as { runtime: { name: string; value: unknown }[] }).runtime.find((s) => s.name === "env")!.value;
    expect(env).toEqual({ API_TOKEN: "gh… (40 chars, a GitHub token)", DB_PASSWORD: "hu… (9 chars)", DATABASE_URL: "po… (36 chars, a URL with an inline password)" });
  });
});

describe("report merge takes no verdict on trust", () => {
  const report = () => ({ ...sampleReport(), tool: { name: "imgpolicy" as const, version: VERSION } });

  it("merges an honest failing report with exit 1, and refuses it edited to passed with exit 2", async () => {
    const honest = join(dir, "honest.json");
    await writeFile(honest, renderJson(report()));
    expect((await runBin(["report", "merge", honest, "-q"])).code).toBe(1);

    const edited = join(dir, "edited.json");
    const r = report();
    r.images[0]!.passed = true;
    r.passed = true;
    await writeFile(edited, renderJson(r));
    const m = await runBin(["report", "merge", edited]);
    expect(m.code).toBe(2);
    expect(m.stdout).toBe("");
    expect(m.stderr).toBe(`imgpolicy: ${edited}: images[0] says passed, but its results say failed (failOn high): the report was edited or is damaged (write it again with check --format json=${edited})\n`);
  });

  it("refuses a report with a string over 64 KiB, in one line", async () => {
    const long = join(dir, "long.json");
    const r = report();
    r.images[0]!.results[0]!.findings[0]!.message = "x".repeat(70_000);
    await writeFile(long, renderJson(r));
    const m = await runBin(["report", "merge", long]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(new RegExp(`^imgpolicy: ${long}: not a report imgpolicy writes: the string at byte \\d+ is longer than 64 KiB .*\\n$`));
  });
});
