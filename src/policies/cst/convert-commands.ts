/**
 * commandTests, globalEnvVars and containerRunOptions. The tests are checked the way
 * container-structure-test checks them before running, then carried in the policy
 * (`cst.commandTests`) for the runtime probe to run with `--runtime` (IMG-RUN-007 judges
 * them); IMG-CST-001 names them, and notes what is not carried over: setup/teardown and
 * containerRunOptions (the tests run under imgpolicy's runtime profile instead).
 * globalEnvVars are set in every test's container, under the test's own envVars.
 */
import type { CommandTestSpec } from "../../runtime/command-tests.js";
import type { Problems } from "./cst-checks.js";
import type { CstConfig, CstKeyValue } from "./cst-types.js";

function envList(vars: readonly (CstKeyValue | undefined)[] | undefined): { key: string; value: string }[] {
  return (vars ?? []).flatMap((e) => (e?.key ? [{ key: e.key, value: e.value ?? "" }] : []));
}

export function convertCommandTests(config: CstConfig, problems: Problems): { names: string[]; notes: string[]; tests: CommandTestSpec[] } {
  const names: string[] = [];
  const tests: CommandTestSpec[] = [];
  const globalEnv = envList(config.globalEnvVars);
  let withSetup = 0;
  for (const [i, t] of (config.commandTests ?? []).entries()) {
    if (!t) continue;
    const at = ["commandTests", String(i)];
    if (problems.required(t.name, at, "name", "container-structure-test needs a name for every test")) names.push(t.name);
    problems.required(t.command, at, "command", "the command to run");
    for (const field of ["setup", "teardown"] as const) {
      for (const [j, argv] of (t[field] ?? []).entries()) {
        if (argv && argv.length === 0) problems.add([...at, field, String(j)], "an empty command; container-structure-test refuses to run the test");
      }
    }
    for (const [j, e] of (t.envVars ?? []).entries()) {
      if (e && (!e.key || !e.value)) problems.add([...at, "envVars", String(j)], "container-structure-test needs a non-empty key and value for every variable");
    }
    if (t.setup?.length || t.teardown?.length) withSetup++;
    if (!t.name || !t.command) continue;
    const spec: CommandTestSpec = { name: t.name, command: t.command };
    if (t.args?.length) spec.args = [...t.args];
    const env = [...globalEnv, ...envList(t.envVars)];
    if (env.length) spec.env = env;
    for (const field of ["expectedOutput", "excludedOutput", "expectedError", "excludedError"] as const) {
      const list = t[field];
      problems.patterns(list, [...at, field]);
      if (list?.length) spec[field] = [...list];
    }
    if (t.exitCode !== undefined && t.exitCode !== 0) spec.exitCode = t.exitCode;
    tests.push(spec);
  }
  const notes: string[] = [];
  const global = config.globalEnvVars?.length ?? 0;
  if (global && !tests.length) notes.push(`globalEnvVars (${global}) ignored: they set the environment of the containers commandTests run in, and the config has none`);
  if (withSetup) notes.push(`setup and teardown commands of ${withSetup} commandTest${withSetup === 1 ? "" : "s"} ignored with ${withSetup === 1 ? "it" : "them"}`);
  if (config.containerRunOptions && Object.keys(config.containerRunOptions).length) {
    notes.push(
      `containerRunOptions (${Object.keys(config.containerRunOptions).join(", ")}) ignored: commandTests run under imgpolicy's runtime profile (the policy's runtime section) instead`,
    );
  }
  return { names, notes, tests };
}
