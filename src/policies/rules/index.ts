/**
 * The explicit rule registry. Every rule file in this folder must be listed here
 * (a test fails otherwise). Order is the order `imgpolicy rules` lists them.
 */
import type { AnyRule } from "../types.js";

export const RULES: readonly AnyRule[] = [];

export const RULES_BY_ID: ReadonlyMap<string, AnyRule> = new Map(RULES.map((r) => [r.id, r]));
