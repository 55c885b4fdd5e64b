import { describe, expect, it } from "vitest";
import { reportPath } from "./report-path.js";
import { reportedWaivers } from "./waivers.js";

describe("reportPath: a file as reports name it", () => {
  it("is relative to the working directory inside it, absolute outside it", () => {
    expect(reportPath("/repo/ci/policy.yaml", "/repo")).toBe("ci/policy.yaml");
    expect(reportPath("/repo/.imgpolicy.yaml", "/repo/")).toBe(".imgpolicy.yaml");
    expect(reportPath("ci/policy.yaml", "/repo")).toBe("ci/policy.yaml");
    expect(reportPath("/elsewhere/p.yaml", "/repo")).toBe("/elsewhere/p.yaml");
    expect(reportPath("/repo/../up.yaml", "/repo")).toBe("/up.yaml");
    expect(reportPath("/repository/p.yaml", "/repo")).toBe("/repository/p.yaml");
    expect(reportPath("/repo/..x/p.yaml", "/repo")).toBe("..x/p.yaml");
  });
});

describe("reportedWaivers: waiver sources as reports name files", () => {
  it("makes FILE:LINE relative inside the working directory, keeps it absolute outside, and leaves --ignore alone", () => {
    const waivers = [
      { rule: "IMG-BIN-003", reason: "a", source: "/ci/checkout-1/p.yaml:4" },
      { rule: "IMG-BIN-003", reason: "b", source: "/ci/checkout-1/policies/team.yaml:12" },
      { rule: "IMG-FS-005", reason: "c", source: "/etc/imgpolicy/shared.yaml:7" },
      { rule: "IMG-USER-001", reason: "d", source: "--ignore" },
      { rule: "IMG-USER-001", reason: "e" },
    ];
    const one = reportedWaivers(waivers, "/ci/checkout-1");
    expect(one.map((w) => w.source)).toEqual(["p.yaml:4", "policies/team.yaml:12", "/etc/imgpolicy/shared.yaml:7", "--ignore", undefined]);
    // two checkouts of one repository name the waivers alike
    const two = reportedWaivers(waivers.map((w) => (w.source?.startsWith("/ci/") ? { ...w, source: w.source.replace("checkout-1", "checkout-2") } : w)), "/ci/checkout-2");
    expect(two).toEqual(one);
    expect(one[0]).toEqual({ rule: "IMG-BIN-003", reason: "a", source: "p.yaml:4" });
    expect(waivers[0]!.source).toBe("/ci/checkout-1/p.yaml:4");
  });
});
