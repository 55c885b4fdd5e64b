/**
 * Image configs read as the engine reads them: configs written as no tool writes them
 * (keys in other cases, 'ſ' and 'K' for s and k, a key twice, null values, a string
 * for Cmd, mixed-case rootfs and manifest.json keys) are loaded with `docker load`, one
 * archive each. Where the engine loads one, imgpolicy must either read the same user,
 * entrypoint, cmd, env, labels, working dir, ports, volumes, shell and stop signal as
 * `docker inspect` shows, or refuse it with a one-line input error; the cases that only
 * differ in spelling must be read, never refused. Where the engine refuses, so must it.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImgpolicyError } from "../../src/errors.js";
import { inspect } from "../../src/inspect/facts/collect.js";
import type { ConfigFact } from "../../src/inspect/facts/types.js";
import { DOCKER, exec } from "../../fixtures/conformance/exec.js";
import { loadCrafted, removeCrafted } from "../../fixtures/conformance/load-archive.js";
import { tarBuffer } from "../../fixtures/tar-writer.js";

const engineUp = await exec(DOCKER, ["version", "--format", "{{.Server.Version}}"], { timeoutMs: 20_000 }).then(
  () => true,
  () => false,
);

/** What a case expects of imgpolicy: to read it as the engine does, or to refuse it (the engine may read it). */
type Expect = "read" | "refused";

interface Case {
  name: string;
  expect: Expect;
  /** The config document's members after architecture and os; `rootfs` is the usual rootfs member. */
  members: (rootfs: string) => string;
}

const LABEL = '"imgpolicy.test":"1"';
const std = (config: string) => (rootfs: string) => `"config":{${config}},${rootfs}`;

const CASES: Case[] = [
  { name: "canonical", expect: "read", members: std(`"User":"1000","Entrypoint":["/app"],"Cmd":["--serve"],"Env":["A=1"],"WorkingDir":"/w","Labels":{${LABEL}}`) },
  {
    name: "lower-case keys",
    expect: "read",
    members: std(`"user":"1000","entrypoint":["/app"],"cmd":["x"],"env":["A=1","B=2"],"workingdir":"/srv","labels":{${LABEL},"Owner":"me"},"exposedports":{"8080/tcp":{}},"volumes":{"/data":{}},"stopsignal":"SIGINT","shell":["/bin/ash","-c"]`),
  },
  { name: "upper-case keys", expect: "read", members: (r) => `"CONFIG":{"USER":"0:0","ENTRYPOINT":"/bin/sh","ENV":["PATH=/bin"],"LABELS":{${LABEL}}},${r}` },
  { name: "long s and Kelvin sign", expect: "read", members: std(`"Uſer":"nobody","Wor\u212AingDir":"/k","Labelſ":{${LABEL}}`) },
  { name: "escaped key", expect: "read", members: std(`"\\u0055ser":"7","Labels":{${LABEL}}`) },
  { name: "cmd as a string, nulls", expect: "read", members: std(`"Cmd":"echo hi","User":null,"Entrypoint":null,"Env":["A=1",null],"Labels":{${LABEL},"n":null}`) },
  { name: "label keys differing in case, and one twice", expect: "read", members: std(`"Labels":{${LABEL},"a":"1","A":"2","b":"x","b":"y"}`) },
  { name: "unknown keys twice", expect: "read", members: (r) => `"config":{"User":"5","Hostnam":"a","Hostnam":"b","Labels":{${LABEL}}},"x":{"k":1,"k":2},"x":3,${r}` },
  { name: "rootfs keys in other cases", expect: "read", members: (r) => `"config":{"User":"9","Labels":{${LABEL}}},${r.replace('"rootfs"', '"RootFS"').replace('"type"', '"Type"').replace('"diff_ids"', '"Diff_IDs"')}` },
  { name: "User in two cases", expect: "refused", members: std(`"User":"65532","user":"0","Labels":{${LABEL}}`) },
  { name: "User twice", expect: "refused", members: std(`"User":"65532","User":"0","Labels":{${LABEL}}`) },
  { name: "User and Uſer", expect: "refused", members: std(`"User":"65532","Uſer":"0","Labels":{${LABEL}}`) },
  { name: "Entrypoint in two cases", expect: "refused", members: std(`"Entrypoint":["/safe"],"ENTRYPOINT":["/bin/sh","-c","id"],"Labels":{${LABEL}}`) },
  { name: "config twice in two cases", expect: "refused", members: (r) => `"config":{"User":"65532","Labels":{${LABEL}}},"Config":{"User":"0"},${r}` },
  { name: "Env twice", expect: "refused", members: std(`"Env":["A=1"],"env":["LD_PRELOAD=/x.so"],"Labels":{${LABEL}}`) },
  { name: "a number for User", expect: "refused", members: std(`"User":0,"Labels":{${LABEL}}`) },
  { name: "a number in Labels", expect: "refused", members: std(`"Labels":{${LABEL},"x":1}`) },
];

/** The facts the engine shows, in the shape imgpolicy's ConfigFact gives them. */
interface Seen {
  user: string;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  labels: Record<string, string>;
  workingDir: string;
  exposedPorts: string[];
  volumes: string[];
  stopSignal: string;
  shell: string[] | null;
}

interface EngineConfig {
  User?: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  Labels?: Record<string, string> | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown> | null;
  Volumes?: Record<string, unknown> | null;
  StopSignal?: string;
  Shell?: string[] | null;
}

/** A map with its keys in one order (Go prints maps sorted). */
const sorted = (m: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function fromEngine(c: EngineConfig): Seen {
  return {
    user: c.User ?? "",
    entrypoint: c.Entrypoint ?? null,
    cmd: c.Cmd ?? null,
    env: c.Env ?? [],
    labels: sorted(c.Labels ?? {}),
    workingDir: c.WorkingDir ?? "",
    exposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    volumes: Object.keys(c.Volumes ?? {}).sort(),
    stopSignal: c.StopSignal ?? "",
    shell: c.Shell ?? null,
  };
}

function fromFacts(c: ConfigFact): Seen {
  return {
    user: c.user ?? "",
    entrypoint: c.entrypoint ?? null,
    cmd: c.cmd ?? null,
    env: c.env.map((e) => `${e.name}=${e.value ?? e.secret?.redacted ?? ""}`).map((e) => (e === "=" ? "" : e)),
    labels: sorted(c.labels),
    workingDir: c.workingDir ?? "",
    exposedPorts: c.exposedPorts,
    volumes: c.volumes,
    stopSignal: c.stopSignal ?? "",
    shell: c.shell ?? null,
  };
}

describe.skipIf(!engineUp)("conformance: an image config is read as the engine reads it", () => {
  const run = randomBytes(4).toString("hex");
  const tags = CASES.map((_, i) => `imgpolicy-conformance/keys-${run}:${i}`);
  const loaded: boolean[] = [];
  let work = "";

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "imgpolicy-config-keys-"));
    const layer = tarBuffer([{ name: "app", content: `case file ${run}\n` }]);
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[i]!;
      const document = (ids: string[]) => `{"architecture":"amd64","os":"linux",${c.members(`"rootfs":{"type":"layers","diff_ids":${JSON.stringify(ids)}}`)}}`;
      // one archive per case: the engine refuses a whole archive for one config it cannot read
      loaded[i] = await loadCrafted(join(work, `${i}.tar`), [{ tag: tags[i]!, layers: [layer], config: {}, document }]).then(
        () => true,
        () => false,
      );
    }
  }, 600_000);

  afterAll(async () => {
    await removeCrafted(tags.filter((_, i) => loaded[i]));
    if (work) await rm(work, { recursive: true, force: true });
  }, 600_000);

  it("reads what docker inspect shows, or refuses with one line; never another reading", async () => {
    const problems: string[] = [];
    const rows: string[] = [];
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[i]!;
      const engine = loaded[i] ? fromEngine(JSON.parse(await exec(DOCKER, ["image", "inspect", "--format", "{{json .Config}}", tags[i]!], { timeoutMs: 60_000 })) as EngineConfig) : undefined;
      let ours: Seen | Error;
      try {
        ours = fromFacts((await inspect(`docker-archive:${join(work, `${i}.tar`)}:${tags[i]}`, { workers: 0 })).config);
      } catch (err) {
        ours = err as Error;
      }
      const refused = ours instanceof Error;
      rows.push(`${c.name}: engine ${engine ? `reads user ${JSON.stringify(engine.user)} entrypoint ${JSON.stringify(engine.entrypoint)}` : "refuses"}; imgpolicy ${refused ? `refuses: ${ours instanceof Error ? ours.message : ""}` : "reads the same"}`);
      if (ours instanceof Error) {
        if (!(ours instanceof ImgpolicyError) || ours.kind !== "source" || ours.message.includes("\n")) problems.push(`${c.name}: not a one-line input error: ${ours.name}: ${ours.message}`);
        if (c.expect === "read") problems.push(`${c.name}: refused, the engine reads it: ${ours.message}`);
      } else {
        if (!engine) problems.push(`${c.name}: the engine refuses it, imgpolicy reads it`);
        else if (JSON.stringify(ours) !== JSON.stringify(engine)) problems.push(`${c.name}: engine ${JSON.stringify(engine)}, imgpolicy ${JSON.stringify(ours)}`);
        if (c.expect === "refused") problems.push(`${c.name}: read, expected a refusal`);
      }
    }
    console.info(`config conformance: ${CASES.length} configs, the engine loaded ${loaded.filter(Boolean).length}; disagreements ${problems.length}\n${rows.join("\n")}`);
    expect(problems).toEqual([]);
  }, 600_000);
});
