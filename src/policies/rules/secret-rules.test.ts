/**
 * IMG-HIST-007 and IMG-ENV-001's shared options, on facts built from a raw config the way
 * the inspector builds them (the history detection runs on the raw text, then the text is
 * redacted).
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { configFact } from "../../inspect/facts/config-facts.js";
import { imageFact } from "../../inspect/facts/image-facts.js";
import type { Facts } from "../../inspect/facts/types.js";
import type { ConfigFile } from "../../inspect/image.js";
import { patternProblems } from "../policy-patterns.js";
import type { PolicyFile } from "../policy-types.js";
import { rule as envNoSecrets } from "./env-no-secrets.js";
import { RULES } from "./index.js";
import { rule as historySecrets } from "./history-secrets.js";
import { table } from "./test-rule-table.js";
import { baseFacts, run } from "./test-facts.js";

const GH = "ghp_" + "Q7wErTyUiOpAsDfGhJkLzXcVbNm123456789";
const sha = (v: string) => "sha256:" + createHash("sha256").update(v, "utf8").digest("hex");

function factsOf(history: string[], env: string[] = [], dockerfile?: string): Facts {
  const cfg = { architecture: "amd64", os: "linux", config: { Env: env }, history: history.map((h) => ({ created_by: h, empty_layer: true })) } as unknown as ConfigFile;
  const f = baseFacts();
  f.image = imageFact({ reference: "x:1", digest: "sha256:" + "a".repeat(64), mediaType: "m", rawConfig: Buffer.from("{}") }, cfg, []);
  f.config = configFact(cfg.config);
  if (dockerfile !== undefined) f.dockerfile = { path: "Dockerfile", text: dockerfile };
  return f;
}

const LEAKY = [`RUN |1 GITHUB_TOKEN=${GH} /bin/sh -c make # buildkit`, `RUN |1 GITHUB_TOKEN=${GH} /bin/sh -c DB_PASSWORD=s3cr3t ./migrate # buildkit`];

table(historySecrets, [
  { name: "no history", facts: baseFacts(), status: "skip" },
  { name: "clean history", facts: factsOf(["RUN /bin/sh -c make # buildkit", "ENV MODE=prod # buildkit"]), status: "pass" },
  {
    name: "a build arg seen by two RUNs, and a RUN assignment: one finding per value",
    facts: factsOf(LEAKY),
    status: "fail",
    findings: 2,
    text: /history entry 0 records a secret: build arg GITHUB_TOKEN=<github-token gh… 40 chars> .*also in history entry 1\./,
    location: { config: "history[0]" },
  },
  { name: "accepted by the value's hash", facts: factsOf(LEAKY), options: { accept: [sha(GH), sha("s3cr3t")] }, status: "pass" },
  {
    name: "the Dockerfile gives the line",
    facts: factsOf(LEAKY, [], "FROM scratch\nARG GITHUB_TOKEN\nRUN make\nRUN DB_PASSWORD=s3cr3t ./migrate\n"),
    status: "fail",
    location: { config: "history[0]", dockerfile: { file: "Dockerfile", line: 2 } },
  },
  { name: "an ENV still in the config is IMG-ENV-001's", facts: factsOf(["ENV DB_PASSWORD=hunter22 # buildkit"], ["DB_PASSWORD=hunter22"]), status: "pass" },
  { name: "an ENV overridden later still shipped in the history", facts: factsOf(["ENV DB_PASSWORD=hunter22 # buildkit", "ENV DB_PASSWORD= # buildkit"], ["DB_PASSWORD="]), status: "fail", text: /ENV DB_PASSWORD=<password hu… 8 chars>/ },
  { name: "the policy's own name", facts: factsOf(["RUN /bin/sh -c INTERNAL_CODE=zz9plural ./x # buildkit"]), options: { names: ["internal_code"] }, status: "fail", text: /INTERNAL_CODE=<policy-secret zz… 9 chars> \(key name matches the policy's name 'internal_code'/ },
  { name: "the policy's own pattern", facts: factsOf(["ENV LICENSE_ID=LIC-1234-5678 # buildkit"]), options: { patterns: ["^LIC-\\d{4}-\\d{4}$"] }, status: "fail", text: /value matches the policy's pattern/ },
  { name: "the policy's own pattern, accepted", facts: factsOf(["ENV LICENSE_ID=LIC-1234-5678 # buildkit"]), options: { patterns: ["^LIC-"], accept: [sha("LIC-1234-5678")] }, status: "pass" },
]);

table(envNoSecrets, [
  { name: "a token in ENV, shown by kind, two characters and length", facts: factsOf([], [`API=${GH}`]), status: "fail", text: `ENV API looks like a secret (value looks like a GitHub token): API=<github-token gh… 40 chars> (value ${sha(GH)}).` },
  { name: "accepted by hash", facts: factsOf([], [`API=${GH}`]), options: { accept: [sha(GH)] }, status: "pass" },
  { name: "the policy's own name", facts: factsOf([], ["APP_INTERNAL_CODE=zz9plural"]), options: { names: ["INTERNAL_CODE"] }, status: "fail", text: /key name matches the policy's name 'INTERNAL_CODE'/ },
  { name: "the policy's own name, not a partial word", facts: factsOf([], ["APP_INTERNAL_CODES=zz9plural"]), options: { names: ["INTERNAL_CODE"] }, status: "pass" },
  { name: "the policy's own pattern", facts: factsOf([], ["LICENSE=LIC-1234-5678"]), options: { patterns: ["LIC-\\d+"] }, status: "fail", text: /<policy-secret LI… 13 chars>/ },
]);

describe("no value in any finding", () => {
  it("neither rule's findings hold the planted values", () => {
    const facts = factsOf([...LEAKY, "ENV LICENSE_ID=LIC-1234-5678 # buildkit"], [`API=${GH}`, "LICENSE=LIC-1234-5678"]);
    const opts = { patterns: ["LIC-"] };
    const text = JSON.stringify([run(historySecrets, facts, opts).outcome, run(envNoSecrets, facts, opts).outcome]);
    for (const v of [GH, GH.slice(4, 20), "s3cr3t", "LIC-1234", "1234-5678"]) expect(text.includes(v), v).toBe(false);
    expect(JSON.stringify(facts).includes(GH.slice(4, 20))).toBe(false);
  });
});

describe("the policy's patterns go through IMG-LABEL-002's regex guard at load", () => {
  it("refuses a pattern RE2 does not accept, at its path, for both rules", () => {
    const p = { rules: { "IMG-HIST-007": { options: { patterns: ["ok", "(a"] } }, "IMG-ENV-001": { options: { patterns: ["(?=x)"] } } } } as unknown as PolicyFile;
    expect(patternProblems(p, RULES).map((x) => x.path.join("."))).toEqual(["rules.IMG-HIST-007.options.patterns.1", "rules.IMG-ENV-001.options.patterns.0"]);
  });
});
