import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { rule as configAssertions } from "../rules/config-assertions.js";
import { rule as cstCommandTests } from "../rules/cst-command-tests.js";
import { rule as fileAssertions } from "../rules/file-assertions.js";
import { baseFacts } from "../rules/test-facts.js";
import { cstToPolicy, isCstConfig } from "./convert-cst.js";

/** Converts YAML text as the loader does (with the document, so scalars keep their text). */
function convert(text: string) {
  const doc = parseDocument(text);
  return cstToPolicy(doc.toJS(), "cst.yaml", doc);
}

/** The README's examples of each section, in one config. */
const README_CONFIG = `
schemaVersion: 2.0.0
globalEnvVars:
  - key: "VIRTUAL_ENV"
    value: "/env"
  - key: "PATH"
    value: "/env/bin:$PATH"
commandTests:
  - name: "gunicorn flask"
    setup: [["virtualenv", "/env"], ["pip", "install", "gunicorn", "flask"]]
    command: "which"
    args: ["gunicorn"]
    expectedOutput: ["/env/bin/gunicorn"]
  - name:  "apt-get upgrade"
    command: "apt-get"
    args: ["-qqs", "upgrade"]
    excludedOutput: [".*Inst.*Security.* | .*Security.*Inst.*"]
    excludedError: [".*Inst.*Security.* | .*Security.*Inst.*"]
fileExistenceTests:
- name: 'Root'
  path: '/'
  shouldExist: true
  permissions: '-rw-r--r--'
  uid: 1000
  gid: 1000
  isExecutableBy: 'group'
fileContentTests:
- name: 'Debian Sources'
  path: '/etc/apt/sources.list'
  expectedContents: ['.*httpredir\\.debian\\.org.*']
  excludedContents: ['.*gce_debian_mirror.*']
metadataTest:
  envVars:
    - key: foo
      value: baz
  labels:
    - key: 'com.example.vendor'
      value: 'ACME Incorporated'
    - key: 'build-date'
      value: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}$'
      isRegex: true
  exposedPorts: ["8080", "2345"]
  volumes: ["/test"]
  entrypoint: []
  cmd: ["/bin/bash"]
  workdir: "/app"
  user: "luke"
licenseTests:
- debian: true
  files: ["/foo/bar", "/baz/bat"]
`;

describe("cstToPolicy", () => {
  it("recognises a CST config by schemaVersion", () => {
    expect(isCstConfig({ schemaVersion: "2.0.0" })).toBe(true);
    expect(isCstConfig({ extends: "base" })).toBe(false);
    expect(isCstConfig(["schemaVersion"])).toBe(false);
  });

  it("converts the README's examples section by section", () => {
    const { policy, problems } = convert(README_CONFIG);
    expect(problems).toEqual([]);
    const globalEnv = [
      { key: "VIRTUAL_ENV", value: "/env" },
      { key: "PATH", value: "/env/bin:$PATH" },
    ];
    expect(policy.cst).toEqual({
      commandTests: [
        { name: "gunicorn flask", command: "which", args: ["gunicorn"], env: globalEnv, expectedOutput: ["/env/bin/gunicorn"] },
        {
          name: "apt-get upgrade",
          command: "apt-get",
          args: ["-qqs", "upgrade"],
          env: globalEnv,
          excludedOutput: [".*Inst.*Security.* | .*Security.*Inst.*"],
          excludedError: [".*Inst.*Security.* | .*Security.*Inst.*"],
        },
      ],
    });
    expect(Object.keys(policy.rules).sort()).toEqual(["IMG-CST-001", "IMG-FILE-001", "IMG-META-001", "IMG-RUN-007"]);
    expect(policy.rules["IMG-RUN-007"]).toEqual({ enabled: true, source: "cst.yaml (commandTests)" });
    expect(policy.rules["IMG-META-001"]).toEqual({
      enabled: true,
      source: "cst.yaml (metadataTest)",
      options: {
        env: [{ key: "foo", value: "baz" }],
        unboundEnv: [],
        labels: [
          { key: "com.example.vendor", value: "ACME Incorporated" },
          { key: "build-date", value: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}$", isRegex: true },
        ],
        exposedPorts: ["8080", "2345"],
        unexposedPorts: [],
        volumes: ["/test"],
        unmountedVolumes: [],
        entrypoint: [],
        cmd: ["/bin/bash"],
        workdir: "/app",
        user: "luke",
      },
    });
    expect(policy.rules["IMG-FILE-001"]).toEqual({
      enabled: true,
      source: "cst.yaml (fileExistenceTests, fileContentTests, licenseTests)",
      options: {
        files: [
          { name: "Root", path: "/", permissions: "-rw-r--r--", uid: 1000, gid: 1000, isExecutableBy: "group" },
          { name: "Debian Sources", path: "/etc/apt/sources.list", contentRegex: [".*httpredir\\.debian\\.org.*"], excludedContentRegex: [".*gce_debian_mirror.*"] },
          { name: "License Test 1: Debian copyright files", path: "/usr/share/doc" },
          { name: "License Test 1", path: "/foo/bar", excludedContentRegex: ["(?i)AGPL", "(?i)WTFPL"] },
          { name: "License Test 1", path: "/baz/bat", excludedContentRegex: ["(?i)AGPL", "(?i)WTFPL"] },
        ],
      },
    });
    const notChecked = policy.rules["IMG-CST-001"]!;
    expect(notChecked.options!.commandTests).toEqual(["gunicorn flask", "apt-get upgrade"]);
    expect(notChecked.options!.notes).toEqual([
      expect.stringMatching(/^licenseTests\[0\]\.debian: only checked that \/usr\/share\/doc exists; each package's \/usr\/share\/doc\/<package>\/copyright .* exact paths only$/),
      "setup and teardown commands of 1 commandTest ignored with it",
    ]);
  });

  it("produces options each rule's schema accepts", () => {
    const { policy } = convert(README_CONFIG);
    for (const r of [configAssertions, fileAssertions, cstCommandTests]) {
      const validate = new Ajv({ strict: true, allErrors: true }).compile(r.optionsSchema);
      expect(validate(policy.rules[r.id]!.options), `${r.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("has IMG-CST-001 skip with the command test names and the notes", () => {
    const { policy } = convert(README_CONFIG);
    const outcome = cstCommandTests.check(baseFacts(), policy.rules["IMG-CST-001"]!.options as never);
    expect(outcome).toEqual({
      status: "skip",
      reason: expect.stringMatching(
        /^2 commandTests need --runtime \(gunicorn flask, apt-get upgrade\); licenseTests\[0\]\.debian: .*; setup and teardown commands of 1 commandTest ignored with it$/,
      ),
    });
  });

  it("has IMG-CST-001 point at IMG-RUN-007 when the image was run", () => {
    const { policy } = convert(README_CONFIG);
    const facts = { ...baseFacts(), runtime: { status: "ran" as const } };
    const outcome = cstCommandTests.check(facts, policy.rules["IMG-CST-001"]!.options as never);
    expect(outcome).toEqual({ status: "skip", reason: expect.stringMatching(/^2 commandTests \(gunicorn flask, apt-get upgrade\) are run by IMG-RUN-007; /) });
  });

  it("notes globalEnvVars only when there are no commandTests to set them in", () => {
    const { policy } = convert("schemaVersion: 2.0.0\nglobalEnvVars:\n  - key: A\n    value: b\nfileExistenceTests:\n  - name: a\n    path: /a\n");
    expect(policy.rules["IMG-CST-001"]!.options!.notes).toEqual(["globalEnvVars (1) ignored: they set the environment of the containers commandTests run in, and the config has none"]);
  });

  it("carries exitCode and the error expectations; a test's envVars follow (and override) globalEnvVars", () => {
    const { policy } = convert(
      "schemaVersion: 2.0.0\nglobalEnvVars:\n  - key: A\n    value: g\ncommandTests:\n  - name: t\n    command: sh\n    args: [-c, 'exit 3']\n    exitCode: 3\n    envVars:\n      - key: A\n        value: t\n    expectedError: [x]\n",
    );
    expect(policy.cst.commandTests).toEqual([
      { name: "t", command: "sh", args: ["-c", "exit 3"], exitCode: 3, env: [{ key: "A", value: "g" }, { key: "A", value: "t" }], expectedError: ["x"] },
    ]);
  });

  const conversions: { name: string; yaml: string; rules: Record<string, unknown>; commandTests?: string[] }[] = [
    {
      name: "shouldExist defaults to true; uid/gid -1 mean unchecked",
      yaml: "schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: app\n    path: /app\n    uid: -1\n    gid: 0\n",
      rules: { "IMG-FILE-001": { files: [{ name: "app", path: "/app", gid: 0 }] } },
    },
    {
      name: "shouldExist: false is kept",
      yaml: "schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: no shell\n    path: /bin/sh\n    shouldExist: false\n",
      rules: { "IMG-FILE-001": { files: [{ name: "no shell", path: "/bin/sh", shouldExist: false }] } },
    },
    {
      name: "existence and content tests of the same path stay two named assertions",
      yaml: [
        "schemaVersion: 2.0.0",
        "fileContentTests:",
        "  - name: passwd has nonroot",
        "    path: /etc/passwd",
        "    expectedContents: ['^nonroot:']",
        "fileExistenceTests:",
        "  - name: passwd exists",
        "    path: /etc/passwd",
        "    permissions: -rw-r--r--",
      ].join("\n"),
      rules: {
        "IMG-FILE-001": {
          files: [
            { name: "passwd exists", path: "/etc/passwd", permissions: "-rw-r--r--" },
            { name: "passwd has nonroot", path: "/etc/passwd", contentRegex: ["^nonroot:"] },
          ],
        },
      },
    },
    {
      name: "numbers where strings belong keep their text, as yaml.v2 reads them",
      yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  exposedPorts: [8080]\n  envVars:\n    - key: VERSION\n      value: 1.10\n",
      rules: { "IMG-META-001": { env: [{ key: "VERSION", value: "1.10" }], exposedPorts: ["8080"] } },
    },
    {
      name: "an env assertion without value asserts an empty value (Go's zero string)",
      yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  envVars:\n    - key: EMPTY\n",
      rules: { "IMG-META-001": { env: [{ key: "EMPTY", value: "" }] } },
    },
    {
      name: "unboundEnvVars keep their keys; empty workdir and user are unchecked; null entrypoint is unchecked",
      yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  unboundEnvVars:\n    - key: DEBUG\n  workdir: ''\n  user: ''\n  entrypoint: ~\n",
      rules: { "IMG-META-001": { unboundEnv: ["DEBUG"] } },
    },
    {
      name: "an empty metadataTest converts to nothing (container-structure-test skips it)",
      yaml: "schemaVersion: 2.0.0\nmetadataTest:\n  workdir: ''\nfileExistenceTests:\n  - name: a\n    path: /a\n",
      rules: { "IMG-FILE-001": { files: [{ name: "a", path: "/a" }] } },
    },
    {
      name: "commandTests alone: IMG-CST-001, and IMG-RUN-007 (no options) to judge them",
      yaml: "schemaVersion: 2.0.0\ncommandTests:\n  - name: say hello\n    command: echo\n    args: [hello]\n    expectedOutput: [hello]\n",
      rules: { "IMG-CST-001": { commandTests: ["say hello"], notes: [] } },
      commandTests: ["say hello"],
    },
    {
      name: "containerRunOptions are noted",
      yaml: "schemaVersion: 2.0.0\ncontainerRunOptions:\n  user: root\n  privileged: true\nfileExistenceTests:\n  - name: a\n    path: /a\n",
      rules: {
        "IMG-FILE-001": { files: [{ name: "a", path: "/a" }] },
        "IMG-CST-001": { commandTests: [], notes: ["containerRunOptions (user, privileged) ignored: commandTests run under imgpolicy's runtime profile (the policy's runtime section) instead"] },
      },
    },
    {
      name: "the same config as JSON",
      yaml: '{"schemaVersion": "2.0.0", "fileContentTests": [{"name": "os", "path": "/etc/os-release", "expectedContents": ["ID=debian"]}]}',
      rules: { "IMG-FILE-001": { files: [{ name: "os", path: "/etc/os-release", contentRegex: ["ID=debian"] }] } },
    },
  ];

  it.each(conversions)("$name", (c) => {
    const { policy, problems } = convert(c.yaml);
    expect(problems).toEqual([]);
    const options = Object.fromEntries(Object.entries(policy.rules).map(([id, e]) => [id, e.options]));
    const defaults: Record<string, object> = { "IMG-META-001": configAssertions.defaultOptions };
    const expected = Object.fromEntries(Object.entries(c.rules).map(([id, o]) => [id, { ...(defaults[id] ?? {}), ...(o as object) }]));
    expect(options).toEqual(expected);
    expect(policy.cst.commandTests.map((t) => t.name)).toEqual(c.commandTests ?? []);
  });
});
