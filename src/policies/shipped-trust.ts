/**
 * Shipped policies, validated once at build time. `npm run build`
 * (scripts/precompile-validator.mjs) parses and validates every policies/*.yaml and writes
 * dist/policies/shipped-policies.trusted.json: for each file that passed, the sha256 of its
 * text, its data and the few positions loading needs (the `extends` entries, the line of each
 * rule and waiver), under the hash of the schema it was checked against. Loading a shipped
 * policy whose text and schema both match then skips the YAML parse, the schema validator
 * (635 KB of generated code to load and compile) and the pattern checks: about a third of
 * a small image's check. Anything else (a user's policy, an edited shipped file, a custom
 * rule set, running from src without the file) is parsed and validated in full as before.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { PolicyFile } from "./policy-types.js";
import { policySchema } from "./policy-schema.js";
import { schemaHash } from "./policy-validator-code.js";
import type { AnyRule } from "./types.js";

/** The file `npm run build` writes beside this module. */
export const TRUSTED_FILE = "./shipped-policies.trusted.json";

export interface Position {
  line: number;
  col: number;
}

/** One validated policy file: its data and where its parts are. */
export interface TrustedPolicy {
  data: PolicyFile;
  /** Position of each `extends` entry (one for a single string). */
  extends: Position[];
  /** Line of `rules.<id>` and `waivers.<i>`, keyed "rules/<id>", "waivers/<i>". */
  lines: Record<string, number>;
}

export interface TrustManifest {
  schemaHash: string;
  /** By sha256 of the file's text. */
  policies: Record<string, TrustedPolicy>;
}

export const textHash = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The key of a line in `TrustedPolicy.lines`. */
export const lineKey = (path: readonly (string | number)[]): string => path.join("/");

/** Whether data survives JSON as it is (what the manifest can hold faithfully). */
export const jsonFaithful = (data: unknown): boolean => isDeepStrictEqual(JSON.parse(JSON.stringify(data)), data);

let shipped: TrustManifest | null | undefined;

/** The manifest written at build time, or null when there is none (running from src) or it is unreadable. */
export function builtManifest(): TrustManifest | null {
  if (shipped === undefined) {
    try {
      shipped = JSON.parse(readFileSync(new URL(TRUSTED_FILE, import.meta.url), "utf8")) as TrustManifest;
    } catch {
      shipped = null;
    }
  }
  return shipped;
}

const hashes = new WeakMap<readonly AnyRule[], string>();

/** The trusted form of a shipped policy's text, when the manifest holds it for this very schema. */
export function trustedPolicy(manifest: TrustManifest | null, text: string, rules: readonly AnyRule[]): TrustedPolicy | undefined {
  if (!manifest) return undefined;
  const entry = manifest.policies[textHash(text)];
  if (!entry) return undefined;
  let hash = hashes.get(rules);
  if (hash === undefined) hashes.set(rules, (hash = schemaHash(policySchema(rules))));
  if (hash !== manifest.schemaHash) return undefined;
  // a copy: the resolved policy keeps references into the data (options)
  return structuredClone(entry);
}
