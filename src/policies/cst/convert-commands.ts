/**
 * commandTests, globalEnvVars and containerRunOptions → IMG-CST-001 options. Commands need
 * a running container (the runtime section, not available yet), so they are named in a
 * skipped result; the settings that only shape those containers are noted as ignored.
 * The tests are still checked the way container-structure-test checks them before running.
 */
import type { Problems } from "./cst-checks.js";
import type { CstConfig } from "./cst-types.js";

export function convertCommandTests(config: CstConfig, problems: Problems): { names: string[]; notes: string[] } {
  const names: string[] = [];
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
  }
  const notes: string[] = [];
  const global = config.globalEnvVars?.length ?? 0;
  if (global) notes.push(`globalEnvVars (${global}) ignored: they set the environment of the containers tests run in, and no container is run`);
  if (withSetup) notes.push(`setup and teardown commands of ${withSetup} commandTest${withSetup === 1 ? "" : "s"} ignored with ${withSetup === 1 ? "it" : "them"}`);
  if (config.containerRunOptions && Object.keys(config.containerRunOptions).length) {
    notes.push(`containerRunOptions (${Object.keys(config.containerRunOptions).join(", ")}) ignored: they configure the container tests run in, and no container is run`);
  }
  return { names, notes };
}
