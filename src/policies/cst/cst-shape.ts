/**
 * The shape of a container-structure-test v2 config, and a checker that reads a parsed
 * document against it. container-structure-test parses YAML strictly (yaml.v2's
 * UnmarshalStrict): an unknown key or a value of the wrong type stops the run, so both
 * are problems here too, each with the path of the node at fault.
 */
import { suggest } from "../policy-validator.js";
import { pathText, type CstConfig, type CstProblem } from "./cst-types.js";

export type Shape = "string" | "bool" | "int" | { list: Shape } | { fields: Record<string, Shape> };

const strings: Shape = { list: "string" };
const keyValues: Shape = { list: { fields: { key: "string", value: "string", isRegex: "bool" } } };

/** Field names as the Go structs' yaml tags (or yaml.v2's lower-cased field names) spell them. */
export const CST_SHAPE: Shape = {
  fields: {
    schemaVersion: "string",
    globalEnvVars: keyValues,
    commandTests: {
      list: {
        fields: {
          name: "string",
          setup: { list: strings },
          teardown: { list: strings },
          envVars: keyValues,
          exitCode: "int",
          command: "string",
          args: strings,
          expectedOutput: strings,
          excludedOutput: strings,
          expectedError: strings,
          excludedError: strings,
        },
      },
    },
    fileExistenceTests: {
      list: {
        fields: { name: "string", path: "string", shouldExist: "bool", permissions: "string", uid: "int", gid: "int", isExecutableBy: "string" },
      },
    },
    fileContentTests: { list: { fields: { name: "string", path: "string", expectedContents: strings, excludedContents: strings } } },
    metadataTest: {
      fields: {
        envVars: keyValues,
        unboundEnvVars: keyValues,
        exposedPorts: strings,
        unexposedPorts: strings,
        entrypoint: strings,
        cmd: strings,
        workdir: "string",
        volumes: strings,
        unmountedVolumes: strings,
        labels: keyValues,
        user: "string",
      },
    },
    licenseTests: { list: { fields: { debian: "bool", files: strings } } },
    containerRunOptions: {
      fields: {
        user: "string",
        privileged: "bool",
        allocateTty: "bool",
        envVars: strings,
        envFile: "string",
        capabilities: strings,
        bindMounts: strings,
      },
    },
  },
};

/** The source text of the scalar at a path, when the document is at hand (so `value: 1.10` stays "1.10"). */
export type ScalarText = (path: readonly string[]) => string | undefined;

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  const shown = JSON.stringify(v);
  return `${typeof v} ${shown.length > 40 ? `${shown.slice(0, 37)}…` : shown}`;
}

function expectedText(shape: Shape): string {
  if (shape === "string") return "a string";
  if (shape === "bool") return "true or false";
  if (shape === "int") return "an integer";
  return "list" in shape ? "a list" : "a map";
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

class Reader {
  readonly problems: CstProblem[] = [];
  constructor(private readonly scalarText?: ScalarText) {}

  private wrong(shape: Shape, value: unknown, path: string[]): undefined {
    this.problems.push({ path, message: `${pathText(path)}: expected ${expectedText(shape)}, found ${describeValue(value)}` });
    return undefined;
  }

  /** The value read against the shape, or undefined after recording a problem. */
  read(shape: Shape, value: unknown, path: string[]): unknown {
    if (shape === "string") {
      if (typeof value === "string") return value;
      // yaml.v2 decodes any scalar into a string field as its text: `exposedPorts: [8080]` is "8080".
      if (typeof value === "number" || typeof value === "boolean") return this.scalarText?.(path) ?? String(value);
      return this.wrong(shape, value, path);
    }
    if (shape === "bool") return typeof value === "boolean" ? value : this.wrong(shape, value, path);
    if (shape === "int") return typeof value === "number" && Number.isInteger(value) ? value : this.wrong(shape, value, path);
    if ("list" in shape) {
      if (!Array.isArray(value)) return this.wrong(shape, value, path);
      return value.map((item, i) => this.read(shape.list, item, [...path, String(i)]));
    }
    if (!isMap(value)) return this.wrong(shape, value, path);
    const known = Object.keys(shape.fields);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const field = shape.fields[k];
      if (!field) {
        const where = path.length ? ` in ${pathText(path)}` : "";
        this.problems.push({ path, key: k, message: `unknown key '${k}'${where}${suggest(k, known)}; container-structure-test rejects it too` });
        continue;
      }
      // null is an absent field, as it is to Go (a nil slice, a zero value).
      if (v === null || v === undefined) continue;
      const read = this.read(field, v, [...path, k]);
      if (read !== undefined) out[k] = read;
    }
    return out;
  }
}

/** Reads a parsed document as a container-structure-test config; `problems` lists unknown keys and wrong types. */
export function readCstShape(data: unknown, scalarText?: ScalarText): { config: CstConfig; problems: CstProblem[] } {
  const reader = new Reader(scalarText);
  const config = (reader.read(CST_SHAPE, data, []) ?? {}) as CstConfig;
  return { config, problems: reader.problems };
}
