import { describe, expect, it } from "vitest";
import { configFact } from "../../inspect/facts/config-facts.js";
import type { Facts } from "../../inspect/facts/types.js";
import type { ContainerConfig } from "../../inspect/image.js";
import type { Finding } from "../types.js";
import { rule, type ConfigAssertions } from "./config-assertions.js";
import { facts, optionsErrors, run } from "./test-facts.js";

/** Facts whose config is what inspection makes of this image config. */
const cfg = (c: ContainerConfig) => facts({ config: configFact(c) });

const image = cfg({
  User: "65532:65532",
  Entrypoint: ["/app", "serve"],
  Cmd: ["--port", "8080"],
  WorkingDir: "/srv",
  Env: ["PATH=/usr/bin:/bin", "APP_ENV=production", "EMPTY=", "DB_PASSWORD=hunter2-hunter2", "APP_ENV=staging-then-prod"],
  Labels: { "com.example.vendor": "ACME Incorporated", "build-date": "2024-01-31T10:20:30.123456" },
  ExposedPorts: { "8080/tcp": {}, "53/udp": {} },
  Volumes: { "/data": {} },
});

interface Case {
  name: string;
  options: Partial<ConfigAssertions>;
  facts?: Facts;
  status: "pass" | "fail" | "skip";
  /** The findings, compared whole (message, location, expected, found). */
  findings?: Finding[];
  text?: string | RegExp;
}

const cases: Case[] = [
  { name: "nothing asserted", options: {}, status: "skip", text: /no config assertions/ },
  // env
  { name: "env value equal", options: { env: [{ key: "PATH", value: "/usr/bin:/bin" }] }, status: "pass" },
  { name: "env set and empty", options: { env: [{ key: "EMPTY", value: "" }] }, status: "pass" },
  {
    name: "env empty, expected a value",
    options: { env: [{ key: "EMPTY", value: "x" }] },
    status: "fail",
    findings: [{ message: 'Environment variable EMPTY is "", expected "x".', location: { config: "Env.EMPTY" }, expected: "x", found: "(empty)" }],
  },
  { name: "env duplicate: the last entry wins", options: { env: [{ key: "APP_ENV", value: "staging-then-prod" }] }, status: "pass" },
  { name: "env regex matches (unanchored)", options: { env: [{ key: "PATH", value: "/usr/bin", isRegex: true }] }, status: "pass" },
  { name: "env regex with a Go inline flag", options: { env: [{ key: "APP_ENV", value: "(?i)STAGING", isRegex: true }] }, status: "pass" },
  {
    name: "env value differs",
    options: { env: [{ key: "APP_ENV", value: "production" }] },
    status: "fail",
    findings: [{ message: 'Environment variable APP_ENV is "staging-then-prod", expected "production".', location: { config: "Env.APP_ENV" }, expected: "production", found: "staging-then-prod" }],
  },
  {
    name: "env regex does not match",
    options: { env: [{ key: "PATH", value: "^/opt", isRegex: true }] },
    status: "fail",
    findings: [{ message: 'Environment variable PATH is "/usr/bin:/bin", which does not match /^/opt/.', location: { config: "Env.PATH" }, expected: "a value matching /^/opt/", found: "/usr/bin:/bin" }],
  },
  {
    name: "env not set",
    options: { env: [{ key: "HOME", value: "/root" }] },
    status: "fail",
    findings: [{ message: "Environment variable HOME is not set.", location: { config: "Env.HOME" }, expected: 'HOME set to "/root"', found: "not set" }],
  },
  {
    name: "env with a secret-looking value cannot be checked",
    options: { env: [{ key: "DB_PASSWORD", value: "hunter2-hunter2" }] },
    status: "fail",
    text: /^Environment variable DB_PASSWORD cannot be checked: its value looks like a secret \(.+\), so the inspector recorded only a redacted form\.$/,
  },
  {
    name: "env with a bad pattern",
    options: { env: [{ key: "PATH", value: "(", isRegex: true }] },
    status: "fail",
    text: /^The policy's pattern for Environment variable PATH is refused: \/\(\/ is not a regular expression imgpolicy accepts/,
  },
  { name: "unbound env absent", options: { unboundEnv: ["DEBUG"] }, status: "pass" },
  {
    name: "unbound env present",
    options: { unboundEnv: ["PATH"] },
    status: "fail",
    findings: [{ message: 'Environment variable PATH is set ("/usr/bin:/bin"), and should not be.', location: { config: "Env.PATH" }, expected: "not set", found: '"/usr/bin:/bin"' }],
  },
  { name: "unbound env present with a secret value: redacted in the finding", options: { unboundEnv: ["DB_PASSWORD"] }, status: "fail", text: /^Environment variable DB_PASSWORD is set \(<password .*… \d+ chars> \(redacted\)\), and should not be\.$/ },
  // labels
  {
    name: "labels equal and matching (the README's example)",
    options: {
      labels: [
        { key: "com.example.vendor", value: "ACME Incorporated" },
        { key: "build-date", value: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}$", isRegex: true },
      ],
    },
    status: "pass",
  },
  {
    name: "label differs",
    options: { labels: [{ key: "com.example.vendor", value: "ACME" }] },
    status: "fail",
    findings: [{ message: 'Label com.example.vendor is "ACME Incorporated", expected "ACME".', location: { config: "Labels.com.example.vendor" }, expected: "ACME", found: "ACME Incorporated" }],
  },
  { name: "label missing", options: { labels: [{ key: "org.opencontainers.image.source", value: "x" }] }, status: "fail", text: "Label org.opencontainers.image.source is not set." },
  // entrypoint, cmd
  { name: "entrypoint and cmd equal", options: { entrypoint: ["/app", "serve"], cmd: ["--port", "8080"] }, status: "pass" },
  {
    name: "entrypoint differs",
    options: { entrypoint: ["/app"] },
    status: "fail",
    findings: [{ message: 'ENTRYPOINT is ["/app","serve"], expected ["/app"].', location: { config: "Entrypoint" }, expected: '["/app"]', found: '["/app","serve"]' }],
  },
  {
    name: "cmd expected empty",
    options: { cmd: [] },
    status: "fail",
    findings: [{ message: 'CMD is ["--port","8080"], expected none.', location: { config: "Cmd" }, expected: "not set", found: '["--port","8080"]' }],
  },
  { name: "entrypoint expected empty, and none set", facts: cfg({ Cmd: ["/bin/bash"] }), options: { entrypoint: [], cmd: ["/bin/bash"] }, status: "pass" },
  {
    name: "cmd expected, none set",
    facts: cfg({}),
    options: { cmd: ["/bin/bash"] },
    status: "fail",
    findings: [{ message: 'CMD is not set, expected ["/bin/bash"].', location: { config: "Cmd" }, expected: '["/bin/bash"]', found: "not set" }],
  },
  // ports
  { name: "port by number matches any protocol", options: { exposedPorts: ["8080", "53"] }, status: "pass" },
  { name: "port with protocol matches exactly", options: { exposedPorts: ["53/udp"], unexposedPorts: ["53/tcp"] }, status: "pass" },
  {
    name: "port not exposed",
    options: { exposedPorts: ["2345"] },
    status: "fail",
    findings: [{ message: "Port 2345 is not exposed.", location: { config: "ExposedPorts" }, expected: "2345 exposed", found: "53/udp, 8080/tcp" }],
  },
  {
    name: "port exposed that should not be",
    options: { unexposedPorts: ["8080", "22"] },
    status: "fail",
    findings: [{ message: "Port 8080 is exposed (8080/tcp), and should not be.", location: { config: "ExposedPorts" }, expected: "8080 not exposed", found: "8080/tcp" }],
  },
  { name: "port expected, none exposed", facts: cfg({}), options: { exposedPorts: ["80"] }, status: "fail", findings: [{ message: "Port 80 is not exposed.", location: { config: "ExposedPorts" }, expected: "80 exposed", found: "no ports exposed" }] },
  // volumes
  { name: "volume declared, other not", options: { volumes: ["/data"], unmountedVolumes: ["/tmp"] }, status: "pass" },
  {
    name: "volume missing",
    options: { volumes: ["/test"] },
    status: "fail",
    findings: [{ message: "Volume /test is not declared.", location: { config: "Volumes" }, expected: "volume /test", found: "/data" }],
  },
  {
    name: "volume that should not be",
    options: { unmountedVolumes: ["/data"] },
    status: "fail",
    findings: [{ message: "Volume /data is declared, and should not be.", location: { config: "Volumes" }, expected: "no volume /data", found: "/data" }],
  },
  // workdir, user
  { name: "workdir and user equal", options: { workdir: "/srv", user: "65532:65532" }, status: "pass" },
  {
    name: "workdir differs",
    options: { workdir: "/app" },
    status: "fail",
    findings: [{ message: 'WORKDIR is "/srv", expected "/app".', location: { config: "WorkingDir" }, expected: "/app", found: "/srv" }],
  },
  {
    name: "user differs (compared as written, not resolved)",
    options: { user: "65532" },
    status: "fail",
    findings: [{ message: 'USER is "65532:65532", expected "65532".', location: { config: "User" }, expected: "65532", found: "65532:65532" }],
  },
  { name: "user expected, none set", facts: cfg({}), options: { user: "luke" }, status: "fail", findings: [{ message: 'USER is not set, expected "luke".', location: { config: "User" }, expected: "luke", found: "not set" }] },
];

describe(`${rule.id} ${rule.title}`, () => {
  it.each(cases)("$name → $status", (c) => {
    const r = run(rule, c.facts ?? image, c.options);
    expect(r.status, r.text).toBe(c.status);
    if (c.findings) expect(r.outcome.status === "fail" && r.outcome.findings).toEqual(c.findings);
    if (c.text !== undefined) expect(r.text).toMatch(c.text);
    // Every finding says what was expected and what was found (test-rule-table.ts's rule).
    for (const f of r.outcome.status === "fail" ? r.outcome.findings : []) {
      expect(f.expected, f.message).toBeTruthy();
      expect(f.found, f.message).toBeTruthy();
    }
  });

  it("reports one finding per mismatch, in option order", () => {
    const r = run(rule, image, { env: [{ key: "HOME", value: "/" }], labels: [{ key: "a", value: "b" }], entrypoint: ["/x"], exposedPorts: ["1", "2"], user: "root" });
    expect(r.outcome.status === "fail" && r.outcome.findings.map((f) => f.location?.config)).toEqual(["Env.HOME", "Labels.a", "Entrypoint", "ExposedPorts", "ExposedPorts", "User"]);
  });

  it("never repeats a secret value from the policy or the image", () => {
    const r = run(rule, image, { env: [{ key: "DB_PASSWORD", value: "hunter2-hunter2" }], unboundEnv: ["DB_PASSWORD"] });
    expect(JSON.stringify(r.outcome)).not.toContain("hunter2");
  });

  it("options schema compiles and accepts the defaults and a full set", () => {
    expect(optionsErrors(rule)).toEqual([]);
    const full: ConfigAssertions = {
      env: [{ key: "A", value: "1", isRegex: false }],
      unboundEnv: ["B"],
      labels: [{ key: "l", value: ".*", isRegex: true }],
      entrypoint: [],
      cmd: ["/bin/bash"],
      exposedPorts: ["8080", "53/udp"],
      unexposedPorts: ["22"],
      volumes: ["/data"],
      unmountedVolumes: ["/tmp"],
      workdir: "/app",
      user: "luke",
    };
    expect(optionsErrors(rule, full)).toEqual([]);
    expect(optionsErrors(rule, { env: [{ key: "A" }], envVars: [] })).toEqual(expect.arrayContaining([expect.stringMatching(/must have required property 'value'/), expect.stringMatching(/additional properties/)]));
  });
});
