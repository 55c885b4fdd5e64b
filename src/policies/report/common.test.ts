import { describe, expect, it } from "vitest";
import { countsPhrase, groupResults, imageSummary, imageVerdicts, locationParts, mibPhrase, msPhrase, overallSummary, runtimePhrase } from "./common.js";
import { sampleReport, unreadableReport } from "./sample-report.fixture.js";

describe("report wording", () => {
  it("names every part of a location, counting layers from 1", () => {
    expect(locationParts({ path: "/usr/bin/su", layer: 0, config: "User", dockerfile: { file: "Dockerfile", line: 12 } })).toEqual([
      "/usr/bin/su (layer 1)",
      "config User",
      "Dockerfile:12",
    ]);
    expect(locationParts({ layer: 4 })).toEqual(["layer 5"]);
    expect(locationParts(undefined)).toEqual([]);
  });

  it("orders failed rules worst first", () => {
    const [app] = sampleReport().images;
    const g = groupResults(app!.results);
    expect(g.fail.map((r) => r.severity)).toEqual(["critical", "high", "high", "medium"]);
    expect(g.waived.map((r) => r.rule)).toEqual(["IMG-HEALTH-001"]);
    expect(g.skip.map((r) => r.rule)).toEqual(["IMG-CA-001"]);
    expect(g.pass.map((r) => r.rule)).toEqual(["IMG-LABEL-001", "IMG-TZ-001"]);
  });

  it("summarises counts per image and overall", () => {
    const r = sampleReport();
    expect(countsPhrase(r.images[1]!.counts)).toBe("0 failed rules, 0 waived, 3 not applicable");
    expect(imageSummary(r.images[0]!)).toBe(
      "registry.example/app:1.2: failed — 4 failed rules (1 critical, 2 high, 1 medium), 1 waived, 1 not applicable, 1 expired waiver",
    );
    expect(overallSummary(r)).toBe("2 images: 1 passed, 1 failed — 4 failed rules (1 critical, 2 high, 1 medium), 1 waived, 4 not applicable, 1 expired waiver");
    r.images[0]!.results.forEach((x) => delete x.expiredWaivers);
    r.counts = { ...r.counts, fail: 1, failedBySeverity: { critical: 0, high: 1, medium: 0, low: 0, info: 0 } };
    expect(overallSummary(r)).toBe("2 images: 1 passed, 1 failed — 1 failed rule (1 high), 1 waived, 4 not applicable");
  });

  it("counts an image that could not be read as an error, not a failure", () => {
    const r = sampleReport();
    const [unread] = unreadableReport().images;
    r.images = [r.images[1]!, unread!];
    r.counts = r.images[0]!.counts;
    expect(overallSummary(r)).toBe("2 images: 1 passed, 0 failed, 1 could not be read — 0 failed rules, 0 waived, 3 not applicable");
    r.images.push(sampleReport().images[0]!);
    expect(overallSummary(r)).toMatch(/^3 images: 1 passed, 1 failed, 1 could not be read — /);
    expect(imageVerdicts(r.images)).toEqual({ passed: 1, failed: 1, unread: 1 });
    expect(overallSummary(unreadableReport())).toMatch(/^1 image: 0 passed, 0 failed, 1 could not be read — /);
  });

  it("puts a run's figures in one phrase", () => {
    expect(msPhrase(349.6)).toBe("350 ms");
    expect(msPhrase(1250)).toBe("1.3 s");
    expect(msPhrase(3000)).toBe("3 s");
    expect(msPhrase(14_400)).toBe("14 s");
    expect(mibPhrase(512)).toBe("512 B");
    expect(mibPhrase(12_058_624)).toBe("11.5 MiB");
    expect(mibPhrase(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(runtimePhrase({ status: "not-run", reason: "not run: no container engine" })).toBe("not run: no container engine");
    expect(runtimePhrase({ status: "ran", healthMethod: "tcp", healthy: false, exitCode: 1, peakMemoryBytes: 4096 })).toBe("exited with code 1 before it became healthy, peak memory 4.0 KiB");
    expect(runtimePhrase({ status: "ran", healthMethod: "log", healthy: false })).toBe("never healthy (log)");
    expect(runtimePhrase({ status: "ran", healthMethod: "running", healthy: true, timeToHealthyMs: 20, timeToStopMs: 120, stopExitCode: 0, killed: false })).toBe(
      "healthy in 20 ms (running), stopped in 120 ms (exit code 0)",
    );
  });
});
