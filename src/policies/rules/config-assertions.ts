/** IMG-META-001: image config assertions, container-structure-test style (metadataTest). */
import type { ConfigFact, EnvFact } from "../../inspect/facts/types.js";
import { redactArgv, redactText } from "../../inspect/parsers/redact-text.js";
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { compileUserRegex, showPattern, type UserRegex } from "../../text/user-regex.js";

/** An env or label assertion: `value` is compared exactly, or with `isRegex` searched for as a regular expression. */
export interface KeyValueAssertion {
  key: string;
  value: string;
  isRegex?: boolean;
}

export interface ConfigAssertions {
  /** Variables that must be set, to this value (container-structure-test's `envVars`). */
  env: KeyValueAssertion[];
  /** Variables that must not be set (`unboundEnvVars`). */
  unboundEnv: string[];
  labels: KeyValueAssertion[];
  /** The whole ENTRYPOINT, element by element; [] means none. */
  entrypoint?: string[];
  /** The whole CMD; [] means none. */
  cmd?: string[];
  /** "8080" matches 8080 over any protocol; "8080/udp" only that one. */
  exposedPorts: string[];
  unexposedPorts: string[];
  volumes: string[];
  unmountedVolumes: string[];
  workdir?: string;
  user?: string;
}

const show = (argv: readonly string[]) => JSON.stringify(argv);
const orEmpty = (v: string) => (v === "" ? "(empty)" : v);

interface Pattern {
  re?: UserRegex;
  error?: string;
}

function pattern(source: string): Pattern {
  try {
    return { re: compileUserRegex(source) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The variable as the container sees it: the last of duplicate entries wins. */
function envVar(env: readonly EnvFact[], key: string): EnvFact | undefined {
  return env.findLast((e) => e.name === key);
}

function wanted(a: KeyValueAssertion): string {
  return a.isRegex ? `a value matching ${showPattern(a.value)}` : JSON.stringify(a.value);
}

/** One key/value assertion against the value found (undefined: not set); `secret` when the facts hold only a redacted value. */
function keyValueFinding(kind: "Env" | "Labels", a: KeyValueAssertion, found: string | undefined, secret?: EnvFact["secret"]): Finding | undefined {
  const name = kind === "Env" ? `Environment variable ${a.key}` : `Label ${a.key}`;
  const location = { config: `${kind}.${a.key}` };
  if (found === undefined && !secret) return { message: `${name} is not set.`, location, expected: `${a.key} set to ${wanted(a)}`, found: "not set" };
  let re: UserRegex | undefined;
  if (a.isRegex) {
    const p = pattern(a.value);
    if (!p.re) return { message: `The policy's pattern for ${name} is refused: ${p.error}.`, location, expected: "a valid regular expression in the policy", found: a.value };
    re = p.re;
  }
  if (secret) {
    // The facts keep secret-looking values out of every document; the value in the policy is not repeated either.
    return {
      message: `${name} cannot be checked: its value looks like a secret (${secret.reason}), so the inspector recorded only a redacted form.`,
      location,
      expected: a.isRegex ? wanted(a) : "the value written in the policy (not shown)",
      found: `${secret.redacted} (redacted)`,
    };
  }
  const value = found!;
  // label values come with their credentials redacted (redact-text.ts): the policy's value is compared, and shown, redacted too
  const want = kind === "Labels" && !re ? redactText(a.value) : a.value;
  if (re ? re.test(value) : value === want) return undefined;
  return re
    ? { message: `${name} is ${JSON.stringify(value)}, which does not match ${showPattern(a.value)}.`, location, expected: wanted(a), found: orEmpty(value) }
    : { message: `${name} is ${JSON.stringify(value)}, expected ${JSON.stringify(want)}.`, location, expected: orEmpty(want), found: orEmpty(value) };
}

/** The exposed ports a port assertion names: by number when it gives no protocol, as container-structure-test compares them. */
function matchingPorts(exposed: readonly string[], port: string): string[] {
  if (port.includes("/")) return exposed.filter((p) => p === port);
  return exposed.filter((p) => p === port || p.split("/")[0] === port);
}

function commandFindings(field: "Entrypoint" | "Cmd", asserted: readonly string[] | undefined, have: readonly string[] | undefined): Finding[] {
  if (asserted === undefined) return [];
  // the facts hold the arguments with their credentials redacted: the policy's are compared, and shown, redacted too
  const want = redactArgv(asserted);
  const found = have ?? [];
  if (want.length === found.length && want.every((a, i) => a === found[i])) return [];
  const label = field === "Entrypoint" ? "ENTRYPOINT" : "CMD";
  const foundText = found.length ? show(found) : "not set";
  return [{ message: `${label} is ${foundText}, expected ${want.length ? show(want) : "none"}.`, location: { config: field }, expected: want.length ? show(want) : "not set", found: foundText }];
}

function stringFinding(field: "WorkingDir" | "User", want: string | undefined, have: string | undefined): Finding[] {
  if (want === undefined || want === (have ?? "")) return [];
  const label = field === "WorkingDir" ? "WORKDIR" : "USER";
  const found = have ? JSON.stringify(have) : "not set";
  return [{ message: `${label} is ${found}, expected ${JSON.stringify(want)}.`, location: { config: field }, expected: want, found: have ?? "not set" }];
}

function listFindings(config: ConfigFact, o: ConfigAssertions): Finding[] {
  const findings: Finding[] = [];
  const exposed = config.exposedPorts;
  const exposedText = exposed.length ? exposed.join(", ") : "no ports exposed";
  for (const port of o.exposedPorts) {
    if (matchingPorts(exposed, port).length) continue;
    findings.push({ message: `Port ${port} is not exposed.`, location: { config: "ExposedPorts" }, expected: `${port} exposed`, found: exposedText });
  }
  for (const port of o.unexposedPorts) {
    const hits = matchingPorts(exposed, port);
    if (!hits.length) continue;
    findings.push({ message: `Port ${port} is exposed (${hits.join(", ")}), and should not be.`, location: { config: "ExposedPorts" }, expected: `${port} not exposed`, found: hits.join(", ") });
  }
  const volumesText = config.volumes.length ? config.volumes.join(", ") : "no volumes";
  for (const v of o.volumes) {
    if (config.volumes.includes(v)) continue;
    findings.push({ message: `Volume ${v} is not declared.`, location: { config: "Volumes" }, expected: `volume ${v}`, found: volumesText });
  }
  for (const v of o.unmountedVolumes) {
    if (!config.volumes.includes(v)) continue;
    findings.push({ message: `Volume ${v} is declared, and should not be.`, location: { config: "Volumes" }, expected: `no volume ${v}`, found: volumesText });
  }
  return findings;
}

function isEmpty(o: ConfigAssertions): boolean {
  return (
    !o.env.length &&
    !o.unboundEnv.length &&
    !o.labels.length &&
    !o.exposedPorts.length &&
    !o.unexposedPorts.length &&
    !o.volumes.length &&
    !o.unmountedVolumes.length &&
    o.entrypoint === undefined &&
    o.cmd === undefined &&
    o.workdir === undefined &&
    o.user === undefined
  );
}

const keyValueSchema = {
  type: "array",
  items: {
    type: "object",
    required: ["key", "value"],
    additionalProperties: false,
    properties: {
      key: { type: "string", minLength: 1 },
      value: { type: "string", description: "Compared exactly, or with isRegex a regular expression (RE2 syntax) searched for in the value." },
      isRegex: { type: "boolean" },
    },
  },
};
const stringList = (description: string) => ({ type: "array", items: { type: "string", minLength: 1 }, description });

export const rule: Rule<ConfigAssertions> = {
  id: "IMG-META-001",
  title: "Image config matches expectations",
  category: "config",
  severity: "high",
  optIn: true,
  description:
    "The image config holds what the assertions say, as container-structure-test's metadataTest checks it: each variable in `env` is set to its value (or, with `isRegex`, a value the pattern matches) and none in `unboundEnv` is set; each label in `labels` likewise; `entrypoint` and `cmd`, when given, equal ENTRYPOINT and CMD element by element ([] means unset); every port in `exposedPorts` is exposed and none in `unexposedPorts` (a port without a protocol matches any protocol); every path in `volumes` is a volume and none in `unmountedVolumes`; `workdir` and `user`, when given, equal WORKDIR and USER. A variable whose value looks like a secret is redacted by the inspector, so an assertion on its value cannot be checked and is reported as such.",
  rationale:
    "The config is the image's interface: the command it starts, the user it runs as, the ports and volumes an orchestrator wires up, the variables and labels deployment tooling reads. A base image bump or an edited Dockerfile can change any of them silently; asserting them turns that into a failed check before release.",
  remediation:
    "Set the config in the Dockerfile as the assertion expects, e.g. for `{ entrypoint: [\"/app\"], user: \"65532\", exposedPorts: [\"8080\"], env: [{ key: APP_ENV, value: production }] }`:\n" +
    '  ENTRYPOINT ["/app"]\n  USER 65532\n  EXPOSE 8080\n  ENV APP_ENV=production\n' +
    "or, when the change is intended, update the assertion.",
  optionsSchema: {
    type: "object",
    properties: {
      env: { ...keyValueSchema, description: "Environment variables that must be set, with their values." },
      unboundEnv: stringList("Environment variables that must not be set."),
      labels: { ...keyValueSchema, description: "Labels that must be set, with their values." },
      entrypoint: { type: "array", items: { type: "string" }, description: "The whole ENTRYPOINT; [] means none." },
      cmd: { type: "array", items: { type: "string" }, description: "The whole CMD; [] means none." },
      exposedPorts: stringList('Ports that must be exposed: "8080" (any protocol) or "8080/udp".'),
      unexposedPorts: stringList("Ports that must not be exposed."),
      volumes: stringList("Paths that must be volumes."),
      unmountedVolumes: stringList("Paths that must not be volumes."),
      workdir: { type: "string", description: "WORKDIR, exactly." },
      user: { type: "string", description: "USER, exactly as written (\"65532\", \"app:app\")." },
    },
    additionalProperties: false,
  },
  defaultOptions: { env: [], unboundEnv: [], labels: [], exposedPorts: [], unexposedPorts: [], volumes: [], unmountedVolumes: [] },
  patterns(options) {
    return (["env", "labels"] as const).flatMap((field) =>
      (options[field] ?? []).flatMap((a, i) => (a.isRegex ? [{ path: [field, i, "value"], kind: "regex" as const }] : [])),
    );
  },
  check(facts, options) {
    if (isEmpty(options)) return skip("no config assertions are configured (options env, labels, entrypoint, cmd, exposedPorts, volumes, workdir, user…)");
    const config = facts.config;
    const findings: Finding[] = [];
    for (const a of options.env) {
      const e = envVar(config.env, a.key);
      const f = keyValueFinding("Env", a, e?.secret ? undefined : e ? (e.value ?? "") : undefined, e?.secret);
      if (f) findings.push(f);
    }
    for (const key of options.unboundEnv) {
      const e = envVar(config.env, key);
      if (!e) continue;
      const found = e.secret ? `${e.secret.redacted} (redacted)` : JSON.stringify(e.value ?? "");
      findings.push({ message: `Environment variable ${key} is set (${found}), and should not be.`, location: { config: `Env.${key}` }, expected: "not set", found });
    }
    for (const a of options.labels) {
      const f = keyValueFinding("Labels", a, Object.hasOwn(config.labels, a.key) ? config.labels[a.key] : undefined);
      if (f) findings.push(f);
    }
    findings.push(
      ...commandFindings("Entrypoint", options.entrypoint, config.entrypoint),
      ...commandFindings("Cmd", options.cmd, config.cmd),
      ...listFindings(config, options),
      ...stringFinding("WorkingDir", options.workdir, config.workingDir),
      ...stringFinding("User", options.user, config.user),
    );
    return failIf(findings);
  },
};
