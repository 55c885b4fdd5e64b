/** metadataTest → IMG-META-001 options. */
import type { ConfigAssertions, KeyValueAssertion } from "../rules/config-assertions.js";
import type { Problems } from "./cst-checks.js";
import type { CstKeyValue, CstMetadataTest } from "./cst-types.js";

const AT = ["metadataTest"];

function keyValues(list: readonly (CstKeyValue | undefined)[] | undefined, field: string, what: string, problems: Problems): KeyValueAssertion[] {
  const out: KeyValueAssertion[] = [];
  for (const [i, kv] of (list ?? []).entries()) {
    if (!kv) continue;
    const path = [...AT, field, String(i)];
    if (!problems.required(kv.key, path, "key", `${what} key cannot be empty`)) continue;
    // An absent value is Go's "": the variable or label must be set and empty.
    const a: KeyValueAssertion = { key: kv.key, value: kv.value ?? "" };
    if (kv.isRegex) {
      a.isRegex = true;
      problems.pattern(a.value, [...path, "value"]);
    }
    out.push(a);
  }
  return out;
}

function nonEmpty(list: readonly (string | undefined)[] | undefined, field: string, what: string, problems: Problems): string[] {
  const out: string[] = [];
  for (const [i, s] of (list ?? []).entries()) {
    if (s === undefined) continue;
    if (s === "") problems.add([...AT, field, String(i)], `${what} cannot be empty`);
    else out.push(s);
  }
  return out;
}

/** The options, or undefined when the test asserts nothing (container-structure-test skips an empty metadataTest). */
export function convertMetadata(mt: CstMetadataTest | undefined, problems: Problems): ConfigAssertions | undefined {
  if (!mt) return undefined;
  const o: ConfigAssertions = {
    env: keyValues(mt.envVars, "envVars", "environment variable", problems),
    unboundEnv: keyValues(mt.unboundEnvVars, "unboundEnvVars", "environment variable", problems).map((a) => a.key),
    labels: keyValues(mt.labels, "labels", "label", problems),
    exposedPorts: nonEmpty(mt.exposedPorts, "exposedPorts", "a port", problems),
    unexposedPorts: nonEmpty(mt.unexposedPorts, "unexposedPorts", "a port", problems),
    volumes: nonEmpty(mt.volumes, "volumes", "a volume", problems),
    unmountedVolumes: nonEmpty(mt.unmountedVolumes, "unmountedVolumes", "a volume", problems),
  };
  // entrypoint: [] asserts "no ENTRYPOINT"; only an absent (or null) field is unchecked.
  if (mt.entrypoint) o.entrypoint = mt.entrypoint;
  if (mt.cmd) o.cmd = mt.cmd;
  // container-structure-test ignores an empty workdir or user.
  if (mt.workdir) o.workdir = mt.workdir;
  if (mt.user) o.user = mt.user;
  const asserts =
    o.env.length + o.unboundEnv.length + o.labels.length + o.exposedPorts.length + o.unexposedPorts.length + o.volumes.length + o.unmountedVolumes.length > 0 ||
    o.entrypoint !== undefined ||
    o.cmd !== undefined ||
    o.workdir !== undefined ||
    o.user !== undefined;
  return asserts ? o : undefined;
}
