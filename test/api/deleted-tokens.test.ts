/**
 * A token in a file that a later layer deletes or scrubs (`sed -i`) still ships in the layer
 * that added it: IMG-FS-008 names both layers, IMG-FS-007 (final filesystem) sees nothing,
 * and no output holds the value. A credential file holding a token is one finding
 * (IMG-FS-007's), not also IMG-FS-005's. Through check() over a fixture OCI layout, and
 * the CLI once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check, type Report } from "../../src/index.js";
import { buildImage, writeOciLayout } from "../../fixtures/image-writer.js";
import { runBin } from "../cli/run-bin.js";
import { GOOD } from "./fixture-images.js";

// built at run time, so that no token sits in the source as one
const GH = "ghp_" + "Rt5Yu7Io9Pa2Sd4Fg6Hj".repeat(2).slice(0, 36);
const NPM = "npm_" + "Kq3Wm8Zx1Cv6Bn4Lp0Ja".repeat(2).slice(0, 36);
const CONFIG = `module.exports = {\n  api: "https://api.github.com",\n  token: "${GH}",\n};\n`;
const SCRUBBED = CONFIG.replace(GH, "REDACTED");

let dir: string;
let ref: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-deleted-tokens-"));
  const layers = [
    ...GOOD.layers,
    {
      files: [
        { path: "/srv/web/config.js", content: CONFIG },
        { path: "/srv/api/config.js", content: CONFIG },
        { path: "/root/.npmrc", content: `//registry.npmjs.org/:_authToken=${NPM}\n` },
      ],
      createdBy: "COPY config.js /srv/web/ # buildkit",
    },
    { files: [{ path: "/srv/web/config.js", type: "whiteout" as const }], createdBy: "RUN /bin/sh -c rm /srv/web/config.js # buildkit" },
    { files: [{ path: "/srv/api/config.js", content: SCRUBBED }], createdBy: "RUN /bin/sh -c sed -i 's/ghp_.*/REDACTED/' /srv/api/config.js # buildkit" },
  ];
  await writeOciLayout(join(dir, "img"), [{ image: buildImage({ ...GOOD, layers }), refName: "1" }]);
  ref = `oci:${join(dir, "img")}:1`;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const findings = (report: Report, rule: string) =>
  report.images[0]!.results.filter((r) => r.rule === rule).flatMap((r) => (r.status === "fail" ? r.findings.map((f) => [f.location?.path, f.location?.layer, f.found]) : []));

describe("a token kept by a hardlink whose original a later layer deletes", () => {
  it("is IMG-FS-007's at the link's path: the bytes are still in the final filesystem", async () => {
    const d = await mkdtemp(join(tmpdir(), "imgpolicy-linked-token-"));
    try {
      const layers = [
        ...GOOD.layers,
        { files: [{ path: "/hl/orig.js", content: CONFIG }, { path: "/hl/copy.txt", type: "hardlink" as const, linkname: "/hl/orig.js" }] },
        { files: [{ path: "/hl/orig.js", type: "whiteout" as const }] },
      ];
      await writeOciLayout(join(d, "img"), [{ image: buildImage({ ...GOOD, layers }), refName: "1" }]);
      const report = await check(`oci:${join(d, "img")}:1`, "base");
      expect(findings(report, "IMG-FS-007")).toEqual([["/hl/copy.txt", 1, "github-token <github-token gh… 40 chars> at /hl/copy.txt:3"]]);
      expect(JSON.stringify(report)).not.toContain(GH);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

describe("tokens deleted or scrubbed by a later layer", () => {
  it("fail IMG-FS-008 with the layer that added and the layer that removed each; the .npmrc is one IMG-FS-007 finding", async () => {
    const report = await check(ref, "base");
    expect(findings(report, "IMG-FS-008")).toEqual([
      ["/srv/api/config.js", 1, "github-token at /srv/api/config.js in layer 2, overwritten in layer 4"],
      ["/srv/web/config.js", 1, "github-token at /srv/web/config.js in layer 2, deleted in layer 3"],
    ]);
    const text = report.images[0]!.results.find((r) => r.rule === "IMG-FS-008");
    expect(text?.status === "fail" && text.findings[1]!.message).toMatch(/added by layer 2 \(sha256:[0-9a-f]{12}, COPY config\.js \/srv\/web\/ # buildkit\) and deleted by layer 3 \(sha256:[0-9a-f]{12}, RUN \/bin\/sh -c rm \/srv\/web\/config\.js # buildkit\)/);
    // the final filesystem: the scrubbed copy holds no token; the .npmrc's token is IMG-FS-007's alone
    expect(findings(report, "IMG-FS-007").map((f) => f[0])).toEqual(["/root/.npmrc"]);
    expect(findings(report, "IMG-FS-005")).toEqual([]);
    expect(report.passed).toBe(false);
    expect(JSON.stringify(report)).not.toContain(GH);
    expect(JSON.stringify(report)).not.toContain(NPM);
  });

  it("the CLI: exit 1, both rules in the JSON report, no value in it", async () => {
    const r = await runBin(["check", ref, "-p", "base", "--format", "json"]);
    expect(r.code, r.stderr).toBe(1);
    const failed = (JSON.parse(r.stdout) as Report).images[0]!.results.filter((x) => x.status === "fail" && x.rule.startsWith("IMG-FS-")).map((x) => x.rule);
    expect(failed).toEqual(["IMG-FS-007", "IMG-FS-008"]);
    expect(r.stdout + r.stderr).not.toContain(GH);
  });
});
