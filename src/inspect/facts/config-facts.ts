/** Facts from the image config: user, commands and their form, env, labels, ports, healthcheck. */
import type { ContainerConfig } from "../image.js";
import { redactArgv, redactText, redactTokens } from "../parsers/redact-text.js";
import { textSha256 } from "../digest.js";
import { secretEnv } from "../parsers/secret-env.js";
import { detectTokens } from "../parsers/secrets.js";
import type { CommandForm, ConfigFact, EnvFact, HealthcheckFact } from "./types.js";

const SHELLS = new Set(["/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "sh", "bash", "cmd", "cmd.exe", "powershell"]);

/** Docker writes `ENTRYPOINT cmd args` as [shell, "-c", "cmd args"]; exec form is anything else. */
export function commandForm(argv: readonly string[] | null | undefined, shell?: readonly string[]): CommandForm {
  if (!argv || argv.length === 0) return "none";
  const sh = shell && shell.length > 0 ? shell : ["/bin/sh", "-c"];
  if (argv.length >= sh.length + 1 && sh.every((s, i) => argv[i] === s)) return "shell";
  if (argv.length === 3 && SHELLS.has(argv[0]!) && /^(-c|\/S|\/C|-Command)$/i.test(argv[1]!)) return "shell";
  return "exec";
}

const nanos = (n: number | undefined) => (n ? n / 1e9 : undefined);

export function healthcheckFact(h: ContainerConfig["Healthcheck"]): HealthcheckFact {
  const test = h?.Test;
  if (!test || test.length === 0) return { kind: "none" };
  const kind = test[0] === "NONE" ? "disabled" : test[0] === "CMD-SHELL" ? "cmd-shell" : test[0] === "CMD" ? "cmd" : "none";
  const f: HealthcheckFact = { kind, test: redactArgv(test.slice(1)) };
  const interval = nanos(h?.Interval);
  const timeout = nanos(h?.Timeout);
  const start = nanos(h?.StartPeriod);
  if (interval !== undefined) f.intervalSeconds = interval;
  if (timeout !== undefined) f.timeoutSeconds = timeout;
  if (start !== undefined) f.startPeriodSeconds = start;
  if (h?.Retries) f.retries = h.Retries;
  return f;
}

export function envFacts(env: readonly string[] | undefined): EnvFact[] {
  const list = env ?? [];
  const secrets = new Map(secretEnv(list).map((s) => [s.key, s]));
  return list.map((e) => {
    const i = e.indexOf("=");
    const name = i === -1 ? e : e.slice(0, i);
    const value = i === -1 ? "" : e.slice(i + 1);
    const s = secrets.get(name);
    if (!s) return { name, value };
    return { name, secret: { reason: s.reason, redacted: s.display, kind: s.kind, sha256: s.sha256 } };
  });
}

/**
 * Label values with their credentials redacted (redact-text.ts), the keys as they are; a
 * label judged secret as an ENV entry would be (`db.password=…`, a token as its value) is
 * shown in the display form only, and listed with why in `secrets`.
 */
function labelFacts(labels: Record<string, string> | null | undefined): { labels: Record<string, string>; secrets: NonNullable<ConfigFact["labelSecrets"]> } {
  const out: Record<string, string> = {};
  const entries = Object.entries(labels ?? {}).filter((e): e is [string, string] => typeof e[1] === "string");
  const judged = new Map(secretEnv(entries.map(([k, v]) => `${k}=${v}`)).map((s) => [s.key, s]));
  const secrets: NonNullable<ConfigFact["labelSecrets"]> = [];
  for (const [k, v] of entries) {
    const s = judged.get(k);
    out[k] = s ? s.display : redactText(v);
    if (s) secrets.push({ name: k, reason: s.reason, redacted: s.display, kind: s.kind, sha256: s.sha256 });
  }
  return { labels: out, secrets };
}

type CommandField = NonNullable<ConfigFact["commandSecrets"]>[number]["field"];

/** The strings of a config list (a hostile config may hold anything there). */
const strings = (list: unknown): string[] => (Array.isArray(list) ? list.filter((a): a is string => typeof a === "string") : []);

/**
 * The arguments of a command in which the redaction the outputs show (`shown`, redactArgv
 * of `raw`) hid something: each is a secret, listed with the hash of the whole argument.
 */
function commandSecrets(field: CommandField, raw: readonly string[], shown: readonly string[], out: NonNullable<ConfigFact["commandSecrets"]>): void {
  raw.forEach((a, index) => {
    if (shown[index] === a) return;
    const kind = detectTokens(a)[0]?.kind;
    out.push({ field, index, redacted: shown[index]!, ...(kind ? { kind } : {}), sha256: textSha256(a) });
  });
}

/** The config's facts; every text from it that outputs show (labels, Entrypoint, Cmd, Healthcheck) has its credentials redacted. */
export function configFact(c: ContainerConfig | undefined): ConfigFact {
  const cfg = c ?? {};
  const labels = labelFacts(cfg.Labels);
  const f: ConfigFact = {
    entrypointForm: commandForm(cfg.Entrypoint, cfg.Shell),
    cmdForm: commandForm(cfg.Cmd, cfg.Shell),
    env: envFacts(cfg.Env),
    labels: labels.labels,
    exposedPorts: Object.keys(cfg.ExposedPorts ?? {}).map(redactTokens).sort(),
    healthcheck: healthcheckFact(cfg.Healthcheck),
    volumes: Object.keys(cfg.Volumes ?? {}).map(redactTokens).sort(),
  };
  if (labels.secrets.length > 0) f.labelSecrets = labels.secrets;
  // the commands, each redacted once: what the outputs show, and where that hid a secret
  const secrets: NonNullable<ConfigFact["commandSecrets"]> = [];
  const command = (field: CommandField, list: unknown, set: (shown: string[]) => void) => {
    const raw = strings(list);
    if (raw.length === 0) return;
    const shown = redactArgv(raw);
    set(shown);
    commandSecrets(field, raw, shown, secrets);
  };
  // (the free-text fields a config may be given anything in: known token shapes are hidden, the rest is as written)
  if (cfg.User) f.user = redactTokens(cfg.User);
  command("Entrypoint", cfg.Entrypoint, (shown) => (f.entrypoint = shown));
  command("Cmd", cfg.Cmd, (shown) => (f.cmd = shown));
  // (the test as healthcheckFact redacted it: the same list, so the same indexes)
  if (f.healthcheck.test) commandSecrets("Healthcheck", (cfg.Healthcheck?.Test ?? []).slice(1), f.healthcheck.test, secrets);
  if (cfg.WorkingDir) f.workingDir = redactTokens(cfg.WorkingDir);
  if (cfg.StopSignal) f.stopSignal = redactTokens(cfg.StopSignal);
  command("Shell", cfg.Shell, (shown) => (f.shell = shown));
  command("OnBuild", cfg.OnBuild, (shown) => (f.onBuild = shown));
  if (secrets.length > 0) f.commandSecrets = secrets;
  return f;
}
