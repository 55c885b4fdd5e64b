/**
 * The image facts with a policy's own secret names and patterns (InspectOptions.userSecrets):
 * every history text the facts keep is redacted for them, and what they find is listed in
 * `historySecrets` (kind `policy-secret`), with its layer.
 */
import { describe, expect, it } from "vitest";
import type { ConfigFile } from "../image.js";
import { policySecretMatcher } from "../parsers/policy-secrets.js";
import type { LayerSummary } from "../read-layers.js";
import { imageFact } from "./image-facts.js";

const PHRASE = "Mv3Review" + "Phrase";
const SERIAL = "LIC-9921" + "-7734-QQ";
const HISTORY = [
  { created_by: "COPY vault.kdbx /opt/ # buildkit" },
  { created_by: `RUN /bin/sh -c rm /opt/vault.kdbx && DEPLOY_PHRASE=${PHRASE} ./x # buildkit` },
  { created_by: `ENV LICENCE=${SERIAL}`, empty_layer: true },
  { created_by: `RUN /bin/sh -c ./activate --serial ${SERIAL} && PIN=ab12 ./y # buildkit` },
];
const cfg = { architecture: "amd64", os: "linux", config: {}, history: HISTORY } as unknown as ConfigFile;
const layer = (index: number): LayerSummary => ({ index, digest: `sha256:${index}`, diffId: `sha256:${index}`, mediaType: "m", size: 1, uncompressedSize: 1, entries: 1 }) as unknown as LayerSummary;
const id = { reference: "x:1", digest: "sha256:" + "a".repeat(64), mediaType: "m", rawConfig: Buffer.from("{}") };

describe("imageFact with a policy's own names and patterns", () => {
  const m = policySecretMatcher({ names: ["deploy_phrase", "pin"], patterns: ["LIC-[0-9]{4}-[0-9]{4}"] });

  it("redacts every history text it keeps (layers and history)", () => {
    const f = imageFact(id, cfg, [layer(0), layer(1), layer(2)], m);
    const texts = JSON.stringify([f.layers, f.history]);
    for (const v of [PHRASE, SERIAL, "LIC-9921", "ab12"]) expect(texts).not.toContain(v);
    expect(f.layers[1]!.createdBy).toBe("RUN /bin/sh -c rm /opt/vault.kdbx && DEPLOY_PHRASE=Mv… ./x # buildkit");
    expect(f.history[3]!.createdBy).toBe("RUN /bin/sh -c ./activate --serial LI… && PIN=a… ./y # buildkit");
  });

  it("lists what they find, with the layer and the reason IMG-HIST-007 gives", () => {
    const f = imageFact(id, cfg, [layer(0), layer(1), layer(2)], m);
    const mine = (f.historySecrets ?? []).filter((s) => s.kind === "policy-secret");
    expect(mine.map((s) => [s.index, s.layer, s.via, s.key, s.redacted])).toEqual([
      [1, 1, "run-assignment", "DEPLOY_PHRASE", "<policy-secret Mv… 15 chars>"],
      [2, undefined, "env", "LICENCE", "<policy-secret LI… 16 chars>"],
      [3, 2, "run-assignment", "PIN", "<policy-secret a… 4 chars>"],
    ]);
    expect(mine[0]!.reason).toBe("key name matches the policy's name 'deploy_phrase'");
    expect(mine[1]!.reason).toBe("value matches the policy's pattern /LIC-[0-9]{4}-[0-9]{4}/");
  });

  it("without them, the built-in test alone (the policy's name is plain)", () => {
    const f = imageFact(id, cfg, [layer(0), layer(1), layer(2)]);
    expect(f.layers[1]!.createdBy).toContain(`DEPLOY_PHRASE=${PHRASE}`);
    expect((f.historySecrets ?? []).some((s) => s.kind === "policy-secret")).toBe(false);
  });
});
