import { describe, expect, it } from "vitest";
import type { ImageReport, ReportedFinding, RuleResult, Waiver } from "./report-types.js";
import { emptyCounts } from "./evaluate.js";
import { waiverWarnings, type WaiverUse } from "./waiver-warnings.js";
import { daysLeft, isExpired } from "./waivers.js";

const now = new Date("2026-06-01T12:00:00Z");
const result = (rule: string, status: RuleResult["status"], findings: ReportedFinding[] = []): RuleResult => ({
  rule,
  title: rule,
  category: "filesystem",
  severity: "high",
  status,
  findings,
  remediation: "",
  ...(status === "skip" ? { reason: "no input" } : {}),
});
const image = (reference: string, results: RuleResult[], error?: string): ImageReport => ({ reference, results, counts: emptyCounts(), passed: true, ...(error ? { error } : {}) });
const at = (path: string): ReportedFinding => ({ message: `bad ${path}`, location: { path } });
const use = (waivers: Waiver[], images: ImageReport[], rules = ["A", "B"]): WaiverUse => ({ waivers, images, rules });
const kinds = (ws: ReturnType<typeof waiverWarnings>) => ws.map((w) => [w.kind, w.waiver?.source]);

describe("daysLeft", () => {
  it("counts whole UTC days to the waiver's last day, and goes negative exactly when isExpired says so", () => {
    const w = (expires: string): Waiver => ({ rule: "A", reason: "r", expires });
    expect(daysLeft(w("2026-06-01"), now)).toBe(0);
    expect(daysLeft(w("2026-06-02"), now)).toBe(1);
    expect(daysLeft(w("2026-06-15"), now)).toBe(14);
    expect(daysLeft(w("2026-05-31"), now)).toBe(-1);
    expect(daysLeft({ rule: "A", reason: "r" }, now)).toBeUndefined();
    for (const d of ["2026-05-30", "2026-05-31", "2026-06-01", "2026-06-02"]) expect(daysLeft(w(d), now)! < 0).toBe(isExpired(w(d), now));
    // the last moment of the last day is still day 0, the first of the next is -1
    expect(daysLeft(w("2026-06-01"), new Date("2026-06-01T23:59:59.999Z"))).toBe(0);
    expect(isExpired(w("2026-06-01"), new Date("2026-06-01T23:59:59.999Z"))).toBe(false);
    expect(daysLeft(w("2026-06-01"), new Date("2026-06-02T00:00:00.000Z"))).toBe(-1);
  });
});

describe("waiverWarnings", () => {
  it("says nothing of a waiver that covered a finding and is not about to expire", () => {
    const w: Waiver = { rule: "A", path: "/x", reason: "r", source: "p.yaml:3", expires: "2026-12-31" };
    expect(waiverWarnings([use([w], [image("app:1", [result("A", "waived", [{ ...at("/x"), waivedBy: w }])])])], now)).toEqual([]);
  });

  it("calls a waiver unused when its rule found nothing, its path matched no finding, or its image pattern matched no image, and says which", () => {
    const passed: Waiver = { rule: "A", reason: "r", source: "p.yaml:3" };
    const path: Waiver = { rule: "B", path: "/etc/*.key", reason: "r", source: "p.yaml:6" };
    const img: Waiver = { rule: "B", image: "worker:*", reason: "r", source: "p.yaml:9" };
    const ws = waiverWarnings([use([passed, path, img], [image("app:1", [result("A", "pass"), result("B", "fail", [at("/srv/.env"), at("/root/.npmrc")])])])], now);
    expect(ws.map((w) => w.message)).toEqual([
      "waiver of A (p.yaml:3) matched no finding: A found nothing on the image it ran on; remove it if it is no longer needed",
      "waiver of B for /etc/*.key (p.yaml:6) matched no finding: its path pattern /etc/*.key matched none of the 2 findings of B on the image; remove it if it is no longer needed",
      "waiver of B on worker:* (p.yaml:9) matched no finding: its image pattern worker:* did not match the image checked; remove it if it is no longer needed",
    ]);
    expect(ws.every((w) => w.kind === "waiver-unused")).toBe(true);
    expect(ws[1]!.waiver).toEqual(path);
  });

  it("calls a waiver of a rule the policy turned off unused", () => {
    const w: Waiver = { rule: "B", reason: "r", source: "p.yaml:3" };
    expect(waiverWarnings([use([w], [image("app:1", [result("A", "pass")])])], now)[0]!.message).toMatch(/B is off in the policy, so the waiver never applies/);
  });

  it("leaves the question open when the rule was not applicable, not in the run, or an image could not be read", () => {
    const w: Waiver = { rule: "A", reason: "r", source: "p.yaml:3" };
    expect(waiverWarnings([use([w], [image("app:1", [result("A", "skip")])])], now)).toEqual([]);
    expect(waiverWarnings([use([w], [image("app:1", [])], ["B"])], now)).toEqual([]);
    expect(waiverWarnings([use([w], [image("app:1", [result("A", "pass")]), image("gone:1", [], "cannot read")])], now)).toEqual([]);
    expect(waiverWarnings([use([w], [])], now)).toEqual([]);
  });

  it("across images and policies (check --from): a waiver written once is unused only when no image used it", () => {
    const w: Waiver = { rule: "A", path: "/x", reason: "r", source: "shared.yaml:4" };
    const hit = image("api:1", [result("A", "waived", [{ ...at("/x"), waivedBy: w }])]);
    const miss = image("worker:1", [result("A", "pass")]);
    // the same file layered in two groups gives two copies of the waiver: one waiver
    expect(waiverWarnings([use([w], [miss]), use([{ ...w }], [hit])], now)).toEqual([]);
    const ws = waiverWarnings([use([w], [miss]), use([{ ...w }], [image("web:1", [result("A", "pass")])])], now);
    expect(ws.map((x) => x.message)).toEqual(["waiver of A for /x (shared.yaml:4) matched no finding: A found nothing on the 2 images it ran on; remove it if it is no longer needed"]);
  });

  it("warns of a waiver whose last day is within 14 days, counting down to today", () => {
    const ws = (expires: string) => waiverWarnings([use([{ rule: "A", reason: "r", source: "p.yaml:3", expires }], [image("app:1", [result("A", "waived", [{ ...at("/x") }])])])], now);
    const covered = (expires: string) => {
      const w: Waiver = { rule: "A", reason: "r", source: "p.yaml:3", expires };
      return waiverWarnings([use([w], [image("app:1", [result("A", "waived", [{ ...at("/x"), waivedBy: w }])])])], now);
    };
    expect(ws("2026-06-16")).toEqual([]);
    expect(covered("2026-06-15")).toEqual([
      {
        kind: "waiver-expiring",
        message: "waiver of A (p.yaml:3) expires in 14 days (it applies up to and including 2026-06-15, UTC): fix what it waives, or renew it with a later date",
        waiver: { rule: "A", reason: "r", source: "p.yaml:3", expires: "2026-06-15" },
        daysLeft: 14,
      },
    ]);
    expect(covered("2026-06-02")[0]!.message).toMatch(/ expires tomorrow \(/);
    expect(covered("2026-06-01")[0]!.message).toMatch(/ expires today \(/);
    expect(waiverWarnings([use([{ rule: "A", reason: "r", expires: "2026-06-05" }], [image("app:1", [result("A", "waived", [at("/x")])])])], now, { expiringWithinDays: 3 })).toEqual([]);
  });

  it("says an expired waiver no longer applies, whether or not its rule found something, and does not also call it unused", () => {
    const w: Waiver = { rule: "A", path: "/x", reason: "until the base moves", source: "p.yaml:3", expires: "2026-05-31" };
    const failing = waiverWarnings([use([w], [image("app:1", [result("A", "fail", [at("/x")])])])], now);
    const passing = waiverWarnings([use([w], [image("app:1", [result("A", "pass")])])], now);
    expect(failing).toEqual([
      {
        kind: "waiver-expired",
        message: "waiver of A for /x (p.yaml:3) expired 2026-05-31, no longer applies: until the base moves; fix what it waived, or renew it with a later date",
        waiver: w,
        daysLeft: -1,
      },
    ]);
    expect(kinds(passing)).toEqual([["waiver-expired", "p.yaml:3"]]);
  });
});
