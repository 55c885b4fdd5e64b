/**
 * A container-structure-test config (schemaVersion 2.0.0) after its shape is checked:
 * the fields container-structure-test's v2 `StructureTest` reads, with YAML's nulls
 * dropped (absent, as Go's zero values are) and scalars written where a string is
 * expected turned into their text (as Go's yaml.v2 does for `exposedPorts: [8080]`).
 */

/** A problem with a config: `path` leads to the node (keys and list indexes as strings); with `key`, to that key of the map at `path`. */
export interface CstProblem {
  path: string[];
  key?: string;
  message: string;
}

/** `globalEnvVars`, `metadataTest.envVars`/`unboundEnvVars`/`labels`, `commandTests[].envVars`. */
export interface CstKeyValue {
  key?: string;
  value?: string;
  isRegex?: boolean;
}

export interface CstCommandTest {
  name?: string;
  setup?: string[][];
  teardown?: string[][];
  envVars?: CstKeyValue[];
  exitCode?: number;
  command?: string;
  args?: string[];
  expectedOutput?: string[];
  excludedOutput?: string[];
  expectedError?: string[];
  excludedError?: string[];
}

export interface CstFileExistenceTest {
  name?: string;
  path?: string;
  /** container-structure-test's default is true. */
  shouldExist?: boolean;
  /** Go's FileMode string, e.g. "-rwxr-xr-x" or "drwxr-xr-x". */
  permissions?: string;
  /** -1 (the default) means "not checked". */
  uid?: number;
  gid?: number;
  isExecutableBy?: string;
}

export interface CstFileContentTest {
  name?: string;
  path?: string;
  expectedContents?: string[];
  excludedContents?: string[];
}

export interface CstMetadataTest {
  envVars?: CstKeyValue[];
  unboundEnvVars?: CstKeyValue[];
  exposedPorts?: string[];
  unexposedPorts?: string[];
  /** Set (even to []) means checked. */
  entrypoint?: string[];
  cmd?: string[];
  /** "" means not checked. */
  workdir?: string;
  volumes?: string[];
  unmountedVolumes?: string[];
  labels?: CstKeyValue[];
  /** "" means not checked. */
  user?: string;
}

export interface CstLicenseTest {
  debian?: boolean;
  files?: string[];
}

export interface CstContainerRunOptions {
  user?: string;
  privileged?: boolean;
  allocateTty?: boolean;
  envVars?: string[];
  envFile?: string;
  capabilities?: string[];
  bindMounts?: string[];
}

export interface CstConfig {
  schemaVersion?: string;
  globalEnvVars?: CstKeyValue[];
  commandTests?: CstCommandTest[];
  fileExistenceTests?: CstFileExistenceTest[];
  fileContentTests?: CstFileContentTest[];
  metadataTest?: CstMetadataTest;
  licenseTests?: CstLicenseTest[];
  containerRunOptions?: CstContainerRunOptions;
}

/** "fileExistenceTests[0].uid" for ["fileExistenceTests", "0", "uid"]. */
export function pathText(path: readonly string[]): string {
  let out = "";
  for (const seg of path) out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || "the config";
}
