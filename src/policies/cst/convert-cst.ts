/**
 * container-structure-test configs (schemaVersion 2.0.0) accepted as policies: the document
 * is checked the way container-structure-test parses it (strictly: unknown keys and wrong
 * types are problems, each with the path of its node so the loader can give file:line:col),
 * then each section becomes rule entries:
 *
 *   metadataTest                          → IMG-META-001 (config assertions)
 *   fileExistenceTests, fileContentTests  → IMG-FILE-001 (file assertions, names kept)
 *   licenseTests                          → IMG-FILE-001 (see convert-files.ts for the Debian part)
 *   commandTests                          → cst.commandTests, run by the runtime probe and judged by
 *                                           IMG-RUN-007 (enabled here), named by IMG-CST-001 (a skip)
 *   globalEnvVars                         → each commandTest's environment
 *   setup, teardown, containerRunOptions  → IMG-CST-001 notes (not carried over)
 *
 * How these entries join a resolved policy (and why a CST config alone runs only them) is
 * in merge-cst.ts and docs/cst-migration.md.
 */
import { isScalar, type Document } from "yaml";
import type { CommandTestSpec } from "../../runtime/command-tests.js";
import type { ResolvedRule } from "../policy-types.js";
import { Problems } from "./cst-checks.js";
import { readCstShape, type ScalarText } from "./cst-shape.js";
import type { CstProblem } from "./cst-types.js";
import { convertCommandTests } from "./convert-commands.js";
import { convertContentTests, convertExistenceTests, convertLicenseTests } from "./convert-files.js";
import { convertMetadata } from "./convert-metadata.js";

export type { CstProblem } from "./cst-types.js";

export const CST_SCHEMA_VERSION = "2.0.0";
export const CONFIG_RULE = "IMG-META-001";
export const FILE_RULE = "IMG-FILE-001";
export const NOT_CHECKED_RULE = "IMG-CST-001";
/** Judges the commandTests the runtime probe runs (`check --runtime`). */
export const COMMAND_TESTS_RULE = "IMG-RUN-007";

/** The rule entries a config converts to, and its commandTests (for the runtime probe). */
export interface CstPolicy {
  rules: Record<string, ResolvedRule>;
  cst: { commandTests: CommandTestSpec[] };
}

export interface CstConversion {
  policy: CstPolicy;
  /** Empty when the config converted cleanly; the policy is not to be used otherwise. */
  problems: CstProblem[];
}

/** A document is a container-structure-test config when it has `schemaVersion` (imgpolicy policies never do). */
export function isCstConfig(data: unknown): data is { schemaVersion: unknown } {
  return typeof data === "object" && data !== null && !Array.isArray(data) && "schemaVersion" in data;
}

function scalarTextOf(doc: Document): ScalarText {
  return (path) => {
    const node = doc.getIn(path, true);
    return isScalar(node) && typeof node.source === "string" ? node.source : undefined;
  };
}

function versionProblem(version: string | undefined): CstProblem | undefined {
  if (version === CST_SCHEMA_VERSION) return undefined;
  const message =
    version === "1.0.0"
      ? `schemaVersion 1.0.0 is container-structure-test's old format; imgpolicy reads ${CST_SCHEMA_VERSION} configs: update the config to ${CST_SCHEMA_VERSION}`
      : `schemaVersion ${version ? JSON.stringify(version) : "is empty"}${version ? " is not supported" : ""}: imgpolicy reads container-structure-test configs of schemaVersion ${CST_SCHEMA_VERSION}`;
  return version ? { path: ["schemaVersion"], message } : { path: [], key: "schemaVersion", message };
}

/**
 * Converts a parsed container-structure-test config. `file` names the entries' source;
 * `doc`, when given, lets scalars written where strings belong keep their text (`1.10`).
 */
export function cstToPolicy(data: unknown, file: string, doc?: Document): CstConversion {
  const { config, problems: shapeProblems } = readCstShape(data, doc ? scalarTextOf(doc) : undefined);
  const version = versionProblem(config.schemaVersion);
  // Another version has other sections: reading it as 2.0.0 would only add noise.
  if (version && !shapeProblems.some((p) => p.path.join(".") === "schemaVersion")) return { policy: { rules: {}, cst: { commandTests: [] } }, problems: [version] };
  const problems = new Problems();

  const meta = convertMetadata(config.metadataTest, problems);
  const files = [
    ...convertExistenceTests(config.fileExistenceTests, problems),
    ...convertContentTests(config.fileContentTests, problems),
  ];
  const licenses = convertLicenseTests(config.licenseTests, problems);
  files.push(...licenses.assertions);
  const commands = convertCommandTests(config, problems);

  const rules: Record<string, ResolvedRule> = {};
  if (meta) rules[CONFIG_RULE] = { enabled: true, options: { ...meta }, source: `${file} (metadataTest)` };
  if (files.length) {
    const sections = (["fileExistenceTests", "fileContentTests", "licenseTests"] as const).filter((s) => config[s]?.length);
    rules[FILE_RULE] = { enabled: true, options: { files }, source: `${file} (${sections.join(", ")})` };
  }
  const notes = [...licenses.notes, ...commands.notes];
  if (commands.names.length || notes.length) {
    rules[NOT_CHECKED_RULE] = { enabled: true, options: { commandTests: commands.names, notes }, source: `${file} (commandTests)` };
  }
  if (commands.tests.length) rules[COMMAND_TESTS_RULE] = { enabled: true, source: `${file} (commandTests)` };
  const all = [...shapeProblems, ...problems.list];
  if (!all.length && !meta && !files.length && !(config.commandTests?.length)) {
    all.push({ path: [], message: "the config holds no tests (container-structure-test fails a run without tests)" });
  }
  return { policy: { rules, cst: { commandTests: commands.tests } }, problems: all };
}
