/**
 * The JSON Schema of policy files, built from the rule registry so that a typo in a
 * rule id, an option name or an option's type is an error. `npm run schema` writes it
 * to schema/policy.schema.json for editors (`# yaml-language-server: $schema=…`).
 */
import type { AnyRule } from "./types.js";
import { SEVERITIES } from "./types.js";
import { RUNTIME_SPEC_SCHEMA } from "./runtime-spec.js";

export const POLICY_SCHEMA_ID = "https://imgpolicy.dev/schema/policy.schema.json";

function ruleEntrySchema(rule: AnyRule): Record<string, unknown> {
  return {
    description: `${rule.title} (default severity ${rule.severity}${rule.optIn ? ", off unless enabled" : ""})`,
    type: ["string", "object"],
    if: { type: "string" },
    then: { enum: [...SEVERITIES, "off", "on"] },
    else: {
      type: "object",
      additionalProperties: false,
      properties: {
        enabled: { type: "boolean" },
        severity: { enum: [...SEVERITIES] },
        options: rule.optionsSchema,
      },
    },
  };
}

export function policySchema(rules: readonly AnyRule[]): Record<string, unknown> {
  const ids = rules.map((r) => r.id);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: POLICY_SCHEMA_ID,
    title: "imgpolicy policy",
    type: "object",
    additionalProperties: false,
    properties: {
      $schema: { type: "string" },
      description: { type: "string" },
      extends: {
        description: "shipped policy names (base, go-scratch, …) or files relative to this one",
        anyOf: [{ type: "string", minLength: 1 }, { type: "array", items: { type: "string", minLength: 1 } }],
      },
      failOn: { description: "findings at or above this severity fail the check", enum: [...SEVERITIES] },
      promises: {
        description:
          "what the description promises to block: each claim (a phrase of the description) with the rules that enforce it, which must be on at or above failOn (checked for the shipped policies by their tests; kept as documentation otherwise)",
        type: "object",
        additionalProperties: { type: "array", minItems: 1, uniqueItems: true, items: { enum: ids } },
      },
      rules: {
        type: "object",
        additionalProperties: false,
        properties: Object.fromEntries(rules.map((r) => [r.id, ruleEntrySchema(r)])),
      },
      waivers: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["rule", "reason"],
          properties: {
            rule: { enum: ids },
            path: { type: "string", minLength: 1, description: "glob over the finding's path" },
            image: { type: "string", minLength: 1, description: "glob over the image reference" },
            reason: { type: "string", minLength: 1 },
            expires: { type: "string", format: "date", description: "YYYY-MM-DD; the waiver no longer applies after this day" },
          },
        },
      },
      runtime: RUNTIME_SPEC_SCHEMA,
    },
  };
}
