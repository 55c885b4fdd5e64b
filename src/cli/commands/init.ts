/**
 * `imgpolicy init [REF] [--dockerfile FILE] [--policy-name NAME] [--force]`: writes a
 * starter .imgpolicy.yaml in the working directory (starter-policy.ts): for an image, the
 * closest shipped policy and its USER, ports and labels; without one, a generic starter
 * extending --policy-name, else what the base of the Dockerfile's final stage plainly is
 * (--dockerfile, else ./Dockerfile when there is one), else base. An existing policy
 * file is never replaced without --force, and another of the names discovery reads
 * (.imgpolicy.yml, .imgpolicy.json) not even with it: two policies in one directory are
 * an error for check. What is written is validated before it is written.
 */
import { lstat, unlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { DockerfileReadError, readDockerfileText } from "../../dockerfile/given-dockerfile.js";
import { DockerfileSyntaxError, parseDockerfile } from "../../dockerfile/parse.js";
import { UsageError } from "../../errors.js";
import { inspect } from "../../inspect/facts/collect.js";
import type { OpenOptions } from "../../inspect/resolve.js";
import { SHIPPED_DIR, shippedPolicyNames } from "../../policies/load-policy.js";
import { suggest } from "../../policies/policy-validator.js";
import { choosePolicyForDockerfile, genericStarter, schemaReference, starterPolicy, starterProblems, type PolicyChoice } from "../../policies/starter-policy.js";
import { escapeText } from "../../text/escape.js";
import type { Io } from "../main.js";
import { CONFIG_NAMES } from "../../policies/policy-discovery.js";

export interface InitFlags {
  policyName?: string;
  force?: boolean;
  /** The Dockerfile whose final stage's base picks the policy (without an image). */
  dockerfile?: string;
}

export const INIT_FILE = ".imgpolicy.yaml";

const exists = (p: string) => lstat(p).then(() => true, () => false);

/**
 * The policy a Dockerfile points to: `--dockerfile FILE` (which must read and parse), else
 * ./Dockerfile when it is there (left aside, with a note, if it does not). Undefined
 * choice: its base says nothing plain.
 */
async function fromDockerfile(flags: InitFlags, dir: string, io: Io): Promise<{ path: string; choice?: PolicyChoice } | undefined> {
  const path = flags.dockerfile ?? "Dockerfile";
  if (flags.dockerfile === undefined && !(await exists(join(dir, path)))) return undefined;
  try {
    const choice = choosePolicyForDockerfile(parseDockerfile(await readDockerfileText(path), path));
    return { path, ...(choice ? { choice } : {}) };
  } catch (err) {
    if (!(err instanceof DockerfileReadError || err instanceof DockerfileSyntaxError)) throw err;
    const why = err instanceof DockerfileReadError ? err.reason : err.message;
    if (flags.dockerfile !== undefined) throw new UsageError(`--dockerfile ${path}: ${why}`);
    io.stderr(`${escapeText(`imgpolicy: note: ./Dockerfile left aside: ${why}`)}\n`);
    return undefined;
  }
}

export async function runInit(ref: string | undefined, flags: InitFlags, io: Io, source: OpenOptions = {}): Promise<number> {
  const dir = process.cwd();
  const target = join(dir, INIT_FILE);
  const other = [];
  for (const name of CONFIG_NAMES.filter((n) => n !== INIT_FILE)) if (await exists(join(dir, name))) other.push(name);
  if (other.length) throw new UsageError(`${other.join(" and ")} is already the policy here: imgpolicy init writes ${INIT_FILE}, and two policies in one directory are an error; remove it first`);
  const present = await exists(target);
  if (present && !flags.force) throw new UsageError(`${INIT_FILE} already exists: imgpolicy init leaves it as it is (--force replaces it)`);
  if (flags.policyName !== undefined) {
    const names = await shippedPolicyNames();
    if (!names.includes(flags.policyName)) {
      throw new UsageError(`--policy-name: unknown shipped policy '${flags.policyName}'${suggest(flags.policyName, names)}: shipped policies are ${names.join(", ")}`);
    }
  }

  const schema = schemaReference(dir, join(SHIPPED_DIR, "..", "schema", "policy.schema.json"), relative);
  const options = { schema, ...(flags.policyName !== undefined ? { extends: flags.policyName } : {}) };
  let text: string;
  let summary: string;
  if (ref !== undefined && flags.dockerfile !== undefined) throw new UsageError("init takes an image or --dockerfile, not both: the image says more");
  if (ref === undefined) {
    const df = flags.policyName === undefined ? await fromDockerfile(flags, dir, io) : undefined;
    const chosen = df?.choice;
    const name = flags.policyName ?? chosen?.name ?? "base";
    const why = chosen ? chosen.reason : df ? `the base of ${df.path}'s final stage fits no shipped policy plainly` : undefined;
    text = genericStarter({ ...options, extends: name, ...(why ? { why } : {}) });
    summary = `a generic starter extending ${name}${why ? ` (${why})` : ""}; \`imgpolicy init IMAGE\` fills one in from an image`;
  } else {
    const facts = await inspect(ref, source);
    const made = starterPolicy(facts, { ...options, reference: ref });
    text = made.text;
    const name = flags.policyName ?? made.choice.name;
    summary = `extends ${name}${flags.policyName ? "" : ` (${made.choice.reason})`}; USER, exposed ports and labels taken from ${ref}`;
  }
  const problems = starterProblems(text, INIT_FILE);
  if (problems.length) throw new Error(`the starter policy does not validate: ${problems[0]}`);

  if (present) await unlink(target); // --force: replace the file, never write through a symlink
  await writeFile(target, text, { flag: "wx" });
  io.stdout(`${escapeText(`wrote ${INIT_FILE}: ${summary}`)}\n`);
  io.stdout(`${escapeText(`next: imgpolicy check ${ref ?? "IMAGE"}   (imgpolicy policy show: the policy in full)`)}\n`);
  return 0;
}
