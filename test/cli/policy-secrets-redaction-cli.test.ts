/**
 * A policy's own secret names and patterns redact every output, not only IMG-HIST-007's
 * finding (review of issue 14, item 2): a layer adds /opt/vault.kdbx, the next one runs
 * `rm /opt/vault.kdbx && DEPLOY_PHRASE=… SERIAL=LIC-… ./x`. IMG-FS-008 (the policy's
 * `.kdbx`) quotes that layer's history text; with IMG-HIST-007 `names: [DEPLOY_PHRASE]` and
 * IMG-ENV-001 `patterns` for the serial, no format shows either value. The fixture image is
 * written by code; no engine.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, writeOciLayout } from "../../fixtures/image-writer.js";
import { FORMATS } from "../../src/policies/report/index.js";
import { binText } from "./secret-leak-helpers.js";

const PHRASE = "Mv3Review" + "Phrase";
const SERIAL = "LIC-9921" + "-7734-QQ";
const PLANTED = [PHRASE, PHRASE.slice(2), SERIAL, SERIAL.slice(2)];
const RUN = `RUN /bin/sh -c rm /opt/vault.kdbx && DEPLOY_PHRASE=${PHRASE} SERIAL=${SERIAL} ./x # buildkit`;
const POLICY = [
  "extends: base",
  "rules:",
  "  IMG-FS-008:",
  "    options:",
  '      extensions: [".kdbx"]',
  "  IMG-HIST-007:",
  "    options:",
  "      names: [DEPLOY_PHRASE]",
  "  IMG-ENV-001:",
  "    options:",
  '      patterns: ["LIC-[0-9]{4}-[0-9]{4}"]',
  "",
].join("\n");

let dir: string;
let image: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-policy-redaction-"));
  const img = buildImage({
    layers: [
      { files: [{ path: "/x", content: "#!/x\n", mode: 0o755 }], createdBy: "COPY x /x # buildkit" },
      { files: [{ path: "/opt/vault.kdbx", content: "KDBX vault bytes\n" }], createdBy: "COPY vault.kdbx /opt/ # buildkit" },
      { files: [{ path: "/opt/vault.kdbx", type: "whiteout" }], createdBy: RUN },
    ],
    config: { User: "65532:65532", Entrypoint: ["/x"] },
  });
  image = `oci:${join(dir, "image")}:1`;
  await writeOciLayout(join(dir, "image"), [{ image: img, refName: "1" }]);
  await writeFile(join(dir, "policy.yaml"), POLICY);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface JsonResult { rule: string; findings: { message: string }[] }

describe("a policy's own secret names and patterns redact every output", () => {
  it("IMG-FS-008 quotes the deleting layer's history redacted; IMG-HIST-007 reports both values", async () => {
    const r = await binText(dir, ["check", "-p", "policy.yaml", "--format", "json", image], 60_000);
    expect(r.code).toBe(1);
    const results = (JSON.parse(r.text.slice(r.text.indexOf("{"))) as { images: { results: JsonResult[] }[] }).images[0]!.results;
    const deleted = results.find((x) => x.rule === "IMG-FS-008")!.findings.map((f) => f.message);
    expect(deleted.join("\n")).toMatch(/vault\.kdbx.*DEPLOY_PHRASE=Mv… SERIAL=LI… \.\/x/);
    const hist = results.find((x) => x.rule === "IMG-HIST-007")!.findings.map((f) => f.message);
    expect(hist, hist.join("\n")).toHaveLength(2); // one finding per value, not one more from the redacted text
    expect(hist.join("\n")).toContain("RUN assignment DEPLOY_PHRASE=<policy-secret Mv… 15 chars> (key name matches the policy's name 'DEPLOY_PHRASE'");
    expect(hist.join("\n")).toContain("RUN assignment SERIAL=<policy-secret LI… 16 chars> (value matches the policy's pattern /LIC-[0-9]{4}-[0-9]{4}/");
  });

  it.each(FORMATS)("--format %s shows neither value", async (format) => {
    const r = await binText(dir, ["check", "-p", "policy.yaml", "--format", format, image], 60_000);
    expect(r.code, r.text.slice(0, 300)).toBe(1);
    expect(PLANTED.filter((p) => r.text.includes(p))).toEqual([]);
  });

  it("--debug shows neither value", async () => {
    const r = await binText(dir, ["--debug", "check", "-p", "policy.yaml", image], 60_000);
    expect(r.code, r.text.slice(0, 300)).toBe(1);
    expect(PLANTED.filter((p) => r.text.includes(p))).toEqual([]);
  });
});
