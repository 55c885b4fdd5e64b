import { describe, expect, it } from "vitest";
import { configFact } from "../../inspect/facts/config-facts.js";
import type { Facts } from "../../inspect/facts/types.js";
import type { ContainerConfig } from "../../inspect/image.js";
import type { AnyRule } from "../types.js";
import { rule as commandExecForm } from "./command-exec-form.js";
import { rule as commandSet } from "./command-set.js";
import { rule as envNoSecrets } from "./env-no-secrets.js";
import { rule as healthcheckPresent } from "./healthcheck-present.js";
import { rule as labelsPattern } from "./labels-pattern.js";
import { rule as labelsRequired } from "./labels-required.js";
import { parsePortSpec, rule as portsAllowed } from "./ports-allowed.js";
import { facts, optionsErrors, run } from "./test-facts.js";
import { table, type Case } from "./test-rule-table.js";



/** Facts whose config is what inspection makes of this image config. */
const cfg = (c: ContainerConfig) => facts({ config: configFact(c) });
const SH = ["/bin/sh", "-c"];

table(commandExecForm, [
  { name: "exec ENTRYPOINT and CMD", facts: cfg({ Entrypoint: ["/app"], Cmd: ["--port", "8080"] }), status: "pass" },
  { name: "exec CMD only", facts: cfg({ Cmd: ["/app"] }), status: "pass" },
  {
    name: "shell ENTRYPOINT",
    facts: cfg({ Entrypoint: [...SH, "/app --port 8080"] }),
    status: "fail",
    text: 'ENTRYPOINT is in shell form ["/bin/sh","-c","/app --port 8080"]: /bin/sh is PID 1 and does not pass SIGTERM to the program.',
  },
  { name: "shell ENTRYPOINT ignores CMD", facts: cfg({ Entrypoint: [...SH, "/app"], Cmd: ["--debug"] }), status: "fail", text: "CMD is ignored" },
  { name: "shell CMD", facts: cfg({ Cmd: [...SH, "node server.js"] }), status: "fail", text: "CMD is in shell form" },
  {
    name: "shell CMD under exec ENTRYPOINT",
    facts: cfg({ Entrypoint: ["/app"], Cmd: [...SH, "--port 8080"] }),
    status: "fail",
    text: 'the entrypoint receives the shell and "-c" as its arguments',
  },
  { name: "shell form that execs", facts: cfg({ Cmd: [...SH, "exec /app --port $PORT"] }), status: "pass" },
  { name: "custom SHELL", facts: cfg({ Shell: ["/bin/bash", "-o", "pipefail", "-c"], Cmd: ["/bin/bash", "-o", "pipefail", "-c", "app"] }), status: "fail" },
  { name: "neither set", facts: cfg({}), status: "skip", text: "IMG-CMD-002" },
]);

table(commandSet, [
  { name: "ENTRYPOINT", facts: cfg({ Entrypoint: ["/app"] }), status: "pass" },
  { name: "CMD", facts: cfg({ Cmd: ["/app"] }), status: "pass" },
  { name: "neither", facts: cfg({ Entrypoint: null, Cmd: [] }), status: "fail", text: "The image sets neither ENTRYPOINT nor CMD" },
]);

const oci = {
  "org.opencontainers.image.source": "https://github.com/example/app",
  "org.opencontainers.image.version": "1.2.3",
  "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
  "org.opencontainers.image.created": "2024-05-01T10:00:00Z",
};

const { "org.opencontainers.image.revision": _revision, ...noRevision } = oci;

table(labelsRequired, [
  { name: "all four OCI labels", facts: cfg({ Labels: oci }), status: "pass" },
  {
    name: "revision missing",
    facts: cfg({ Labels: noRevision }),
    status: "fail",
    text: "Label 'org.opencontainers.image.revision' is missing.",
  },
  { name: "version empty", facts: cfg({ Labels: { ...oci, "org.opencontainers.image.version": " " } }), status: "fail", text: "is set but empty" },
  { name: "no labels", facts: cfg({}), status: "fail", text: /source[\s\S]*version[\s\S]*revision[\s\S]*created/ },
  { name: "custom list", facts: cfg({ Labels: { team: "core" } }), options: { required: ["team"] }, status: "pass" },
  { name: "custom list, absent", facts: cfg({ Labels: {} }), options: { required: ["team"] }, status: "fail", text: "Label 'team' is missing." },
]);

const revision = { "org.opencontainers.image.revision": "^[0-9a-f]{40}$", "org.opencontainers.image.version": "^\\d+\\.\\d+\\.\\d+$" };

table(labelsPattern, [
  { name: "values match", facts: cfg({ Labels: oci }), options: { patterns: revision }, status: "pass" },
  {
    name: "short revision",
    facts: cfg({ Labels: { ...oci, "org.opencontainers.image.revision": "0123abc" } }),
    options: { patterns: revision },
    status: "fail",
    text: "Label 'org.opencontainers.image.revision' is '0123abc', which does not match /^[0-9a-f]{40}$/.",
  },
  { name: "absent labels are IMG-LABEL-001's job", facts: cfg({ Labels: { "org.opencontainers.image.version": "1.0.0" } }), options: { patterns: revision }, status: "pass" },
  { name: "none of the labels present", facts: cfg({}), options: { patterns: revision }, status: "skip", text: "none of the labels" },
  { name: "no patterns configured", facts: cfg({ Labels: oci }), status: "skip", text: "no label patterns" },
  { name: "invalid pattern", facts: cfg({ Labels: { a: "x" } }), options: { patterns: { a: "(" } }, status: "fail", text: "is refused: /(/ is not a regular expression imgpolicy accepts" },
]);

const ports = (...p: string[]) => cfg({ ExposedPorts: Object.fromEntries(p.map((x) => [x, {}])) });

table(portsAllowed, [
  { name: "8080/tcp", facts: ports("8080/tcp"), status: "pass" },
  { name: "nothing exposed", facts: ports(), status: "pass" },
  { name: "22/tcp forbidden by default", facts: ports("8080/tcp", "22/tcp"), status: "fail", text: "Port 22/tcp is exposed, but the policy forbids 22/tcp." },
  { name: "23/tcp forbidden by default", facts: ports("23/tcp"), status: "fail", text: "forbids 23/tcp" },
  { name: "22/udp is not 22/tcp", facts: ports("22/udp"), status: "pass" },
  { name: "allowed, bare number means tcp", facts: ports("8080/tcp"), options: { allowed: ["8080"] }, status: "pass" },
  {
    name: "not allowed",
    facts: ports("8080/tcp", "9090/tcp"),
    options: { allowed: ["8080/tcp"] },
    status: "fail",
    text: "Port 9090/tcp is exposed, but is not among the allowed ports (8080/tcp).",
  },
  { name: "allowed range", facts: ports("8001/tcp", "8099/tcp"), options: { allowed: ["8000-8099/tcp"] }, status: "pass" },
  { name: "udp not allowed by a tcp entry", facts: ports("8080/udp"), options: { allowed: ["8080"] }, status: "fail", text: "8080/udp" },
  { name: "allowed nothing", facts: ports("80/tcp"), options: { allowed: [] }, status: "fail", text: "(none)" },
  { name: "required present", facts: ports("8080/tcp"), options: { required: ["8080"] }, status: "pass" },
  {
    name: "required missing",
    facts: ports("9090/tcp"),
    options: { required: ["8080/tcp"] },
    status: "fail",
    text: "Port 8080/tcp is required but not exposed (exposed: 9090/tcp).",
  },
  { name: "forbidden overridden", facts: ports("22/tcp"), options: { forbidden: [] }, status: "pass" },
  { name: "forbidden range", facts: ports("6000/tcp"), options: { forbidden: ["6000-6063/tcp"] }, status: "fail", text: "forbids 6000-6063/tcp" },
]);

describe("IMG-PORT-001 port specs", () => {
  it.each([
    ["8080", "8080/tcp"],
    ["8080/TCP", "8080/tcp"],
    ["53/udp", "53/udp"],
    ["8000-8099", "8000-8099/tcp"],
  ])("%s → %s", (spec, text) => expect(parsePortSpec(spec)?.text).toBe(text));

  it.each(["", "http", "70000", "90-80", "80/xyz/1"])("rejects %j", (spec) => expect(parsePortSpec(spec)).toBeUndefined());

  it("the schema rejects a malformed port", () => {
    expect(optionsErrors(portsAllowed, { forbidden: ["ssh"] })).not.toEqual([]);
    expect(optionsErrors(portsAllowed, { forbidden: ["22/tcp"], allowed: ["8080", "53/udp", "8000-8099/tcp"], required: ["8080"] })).toEqual([]);
  });
});

const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzz1abcdKEY";
const GH_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

table(envNoSecrets, [
  { name: "harmless env", facts: cfg({ Env: ["PATH=/usr/bin:/bin", "PORT=8080"] }), status: "pass" },
  { name: "secret by name", facts: cfg({ Env: ["PATH=/bin", `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`] }), status: "fail", text: /^ENV AWS_SECRET_ACCESS_KEY looks like a secret/ },
  { name: "secret by value", facts: cfg({ Env: [`GREETING=${GH_TOKEN}`] }), status: "fail", text: "ENV GREETING looks like a secret" },
  { name: "allowed name", facts: cfg({ Env: [`AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`] }), options: { allow: ["AWS_SECRET_ACCESS_KEY"] }, status: "pass" },
  { name: "no env", facts: cfg({}), status: "pass" },
]);

describe("IMG-ENV-001 never shows a raw value", () => {
  it.each([AWS_SECRET, GH_TOKEN])("%#", (secret) => {
    const f = cfg({ Env: [`AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, `GREETING=${GH_TOKEN}`, `DB_PASSWORD=hunter2hunter2`] });
    const r = run(envNoSecrets, f);
    expect(r.outcome.status === "fail" && r.outcome.findings).toHaveLength(3);
    const shown = JSON.stringify(r.outcome);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain("hunter2hunter2");
    const redacted = f.config.env.find((e) => e.name === "DB_PASSWORD")?.secret?.redacted ?? "";
    expect(redacted).not.toBe("");
    expect(shown).toContain(`DB_PASSWORD=${redacted}`);
  });

  it("locates the variable by config field", () => {
    const r = run(envNoSecrets, cfg({ Env: ["DB_PASSWORD=hunter2hunter2"] }));
    expect(r.outcome.status === "fail" && r.outcome.findings[0].location).toEqual({ config: "Env.DB_PASSWORD" });
  });
});

const SECOND = 1e9;

table(healthcheckPresent, [
  { name: "HEALTHCHECK CMD", facts: cfg({ Healthcheck: { Test: ["CMD", "/app", "healthcheck"], Interval: 30 * SECOND } }), status: "pass" },
  { name: "HEALTHCHECK CMD-SHELL", facts: cfg({ Healthcheck: { Test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] } }), status: "pass" },
  { name: "none", facts: cfg({}), status: "fail", text: "The image has no HEALTHCHECK." },
  {
    name: "HEALTHCHECK NONE",
    facts: cfg({ Healthcheck: { Test: ["NONE"] } }),
    status: "fail",
    text: "HEALTHCHECK NONE disables health checking",
  },
  { name: "HEALTHCHECK NONE accepted", facts: cfg({ Healthcheck: { Test: ["NONE"] } }), options: { acceptNone: true }, status: "pass" },
  { name: "acceptNone does not accept a missing check", facts: cfg({}), options: { acceptNone: true }, status: "fail", text: "no HEALTHCHECK" },
  { name: "empty command", facts: cfg({ Healthcheck: { Test: ["CMD-SHELL", ""] } }), status: "fail", text: "HEALTHCHECK CMD-SHELL has an empty command." },
]);

describe("IMG-ENV-001 judges labels as it judges ENV", () => {
  const GH = "ghp_" + "Lb7Nc2Md9Pf4Qg6Rh1Sj3Tk5Ul8Vm0Wn2Xo4Yp";
  it("a label with a secret-looking name or a token value fails, shown redacted; OCI labels pass", () => {
    const f = cfg({ Labels: { "db.password": "Hunter2Label9", "ci.token": GH, "org.opencontainers.image.source": "https://github.com/o/r", "org.opencontainers.image.revision": "abc123" } });
    expect(f.config.labels["db.password"]).toMatch(/^<[a-z-]+ Hu… 13 chars>$/);
    expect(JSON.stringify(f.config)).not.toContain("Hunter2Label9");
    expect(JSON.stringify(f.config)).not.toContain(GH);
    const r = run(envNoSecrets, f);
    expect(r.status).toBe("fail");
    expect(r.outcome.status === "fail" && r.outcome.findings.map((x) => x.location?.config)).toEqual(["Labels.db.password", "Labels.ci.token"]);
    expect(r.text).not.toContain("Hunter2Label9");
    expect(run(envNoSecrets, f, { allow: ["db.password", "ci.token"] }).status).toBe("pass");
    expect(run(envNoSecrets, cfg({ Labels: { "org.opencontainers.image.source": "https://github.com/o/r", maintainer: "ops@example.com" } })).status).toBe("pass");
  });
});

describe("IMG-ENV-001 judges the arguments of the config's commands as outputs redact them", () => {
  const GH = "ghp_" + "Qa1Wb2Ec3Rd4Tf5Yg6Uh7Ij8Ok9Pl0Zm1Xn2Co3";
  it("a token, a URL's password, a --password VALUE in ENTRYPOINT, CMD, HEALTHCHECK or ONBUILD fails, shown redacted, accepted by its hash", () => {
    const f = cfg({
      Entrypoint: ["/app", `--github-token=${GH}`],
      Cmd: ["--db", "postgres://admin:S3cr3tPassw0rd@db:5432/app", "--password", "Hunter2Cmd9"],
      Healthcheck: { Test: ["CMD", "/app", "health", `--auth=${GH}`] },
      OnBuild: [`RUN curl -H 'Authorization: token ${GH}' https://x`],
    });
    for (const raw of [GH, "S3cr3tPassw0rd", "Hunter2Cmd9"]) expect(JSON.stringify(f.config)).not.toContain(raw);
    expect(f.config.onBuild).toEqual(["RUN curl -H 'Authorization: token gh…' https://x"]);
    const r = run(envNoSecrets, f);
    expect(r.status).toBe("fail");
    const found = r.outcome.status === "fail" ? r.outcome.findings : [];
    expect(found.map((x) => x.location?.config)).toEqual(["Entrypoint[1]", "Cmd[1]", "Cmd[3]", "Healthcheck[2]", "OnBuild[0]"]);
    expect(found[0]!.message).toMatch(/^ENTRYPOINT argument 2 holds a secret \(github-token\): --github-token=gh… \(argument sha256:[0-9a-f]{64}\)\.$/);
    for (const raw of [GH, "S3cr3tPassw0rd", "Hunter2Cmd9"]) expect(r.text).not.toContain(raw);
    const sha = /argument (sha256:[0-9a-f]{64})/.exec(found[0]!.message)![1]!;
    const accepted = run(envNoSecrets, f, { accept: [sha] }).outcome;
    expect(accepted.status === "fail" ? accepted.findings : []).toHaveLength(4);
  });

  it("commands without secrets pass", () => {
    const f = cfg({ Entrypoint: ["/app", "--port=8080", "--config", "/etc/app.yaml"], Cmd: ["serve", "https://example.com/health"], Healthcheck: { Test: ["CMD-SHELL", "wget -qO- http://localhost:8080/health || exit 1"] } });
    expect(f.config.commandSecrets).toBeUndefined();
    expect(run(envNoSecrets, f).status).toBe("pass");
  });
});

describe("the config's free-text fields hide known token shapes", () => {
  it("User, WorkingDir, ExposedPorts, Volumes, StopSignal, Shell", () => {
    const GH = "ghp_" + "Wd4Xe6Yf8Zg0Ah2Bi4Cj6Dk8El0Fm2Gn4Ho6Ip";
    const f = cfg({ User: `app:${GH}`, WorkingDir: `https://u:${GH}@x/app`, ExposedPorts: { [`${GH}/tcp`]: {} }, Volumes: { [`/data/${GH}`]: {} }, StopSignal: GH, Shell: ["/bin/sh", GH] });
    expect(JSON.stringify(f.config)).not.toContain(GH);
    expect(f.config.user).toBe("app:gh…");
    expect(cfg({ User: "65532:65532", WorkingDir: "/app", ExposedPorts: { "8080/tcp": {} } }).config).toMatchObject({ user: "65532:65532", workingDir: "/app", exposedPorts: ["8080/tcp"] });
  });
});
