/**
 * What GitHub code scanning requires of an uploaded SARIF file beyond the OASIS schema,
 * as its documentation on SARIF support lists it, written as a JSON Schema for ajv:
 * version 2.1.0 and a `$schema`; each run names its tool; each result has a rule id
 * that the run's rules define, a message text, and a first location that is a file
 * relative to the checkout (no scheme, no leading slash, no `..`) with a start line of
 * 1 or more. That the rule id is among `tool.driver.rules` is checked in the test itself.
 */
export const GITHUB_SARIF_CONSTRAINTS = {
  $id: "https://imgpolicy.dev/test/github-sarif-constraints.json",
  type: "object",
  required: ["version", "$schema", "runs"],
  properties: {
    version: { const: "2.1.0" },
    $schema: { type: "string", minLength: 1 },
    runs: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["tool", "results"],
        properties: {
          tool: {
            type: "object",
            required: ["driver"],
            properties: { driver: { type: "object", required: ["name", "rules"], properties: { name: { type: "string", minLength: 1 }, rules: { type: "array" } } } },
          },
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["ruleId", "message", "locations", "partialFingerprints"],
              properties: {
                ruleId: { type: "string", minLength: 1 },
                message: { type: "object", required: ["text"], properties: { text: { type: "string", minLength: 1 } } },
                partialFingerprints: { type: "object", minProperties: 1, additionalProperties: { type: "string", minLength: 1 } },
                locations: {
                  type: "array",
                  minItems: 1,
                  maxItems: 10,
                  items: [
                    {
                      type: "object",
                      required: ["physicalLocation"],
                      properties: {
                        physicalLocation: {
                          type: "object",
                          required: ["artifactLocation", "region"],
                          properties: {
                            artifactLocation: {
                              type: "object",
                              required: ["uri"],
                              properties: {
                                uri: { type: "string", minLength: 1, not: { pattern: "^([A-Za-z][A-Za-z0-9+.-]*:|/|\\.\\./|\\.\\.$)" } },
                                uriBaseId: { const: "%SRCROOT%" },
                              },
                            },
                            region: { type: "object", required: ["startLine"], properties: { startLine: { type: "integer", minimum: 1 } } },
                          },
                        },
                      },
                    },
                  ],
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
