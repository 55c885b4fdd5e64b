import { describe, expect, it } from "vitest";
import { UsageError } from "../../errors.js";
import { cacheCap, DEFAULT_CACHE_MAX, formatSize, parseDuration, parseSize } from "./cache-size.js";

const KB = 1024;
const MB = KB * 1024;
const GB = MB * 1024;

describe("parseSize", () => {
  it.each([
    ["0", 0],
    ["1234", 1234],
    ["100b", 100],
    ["100 B", 100],
    ["100k", 100 * KB],
    ["100KB", 100 * KB],
    ["100KiB", 100 * KB],
    ["500MB", 500 * MB],
    ["500mb", 500 * MB],
    ["500 MiB", 500 * MB],
    ["2GB", 2 * GB],
    ["2g", 2 * GB],
    ["1.5G", 1.5 * GB],
    ["0.5KB", 512],
    ["1TB", 1024 * GB],
    [" 2GB ", 2 * GB],
  ])("reads %j as %d bytes", (text, bytes) => {
    expect(parseSize(text, "x")).toBe(bytes);
  });

  it.each(["", "GB", "-1", "-1GB", "2 PB", "2XB", "1e3", "2GBs", "1,5G", "two", "0x10", "9999999999TB"])("refuses %j with a usage error naming where it came from", (text) => {
    let err: unknown;
    try {
      parseSize(text, "IMGPOLICY_CACHE_MAX");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^IMGPOLICY_CACHE_MAX: expected a size such as 500MB or 2GB/);
    expect((err as Error).message).not.toMatch(/\n/);
  });
});

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["15m", 900_000],
    ["12h", 43_200_000],
    ["7d", 604_800_000],
    ["1.5d", 129_600_000],
    ["2w", 1_209_600_000],
    ["0d", 0],
  ])("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text, "x")).toBe(ms);
  });

  it.each(["", "7", "7x", "d", "-1d", "7 days"])("refuses %j", (text) => {
    expect(() => parseDuration(text, "--older-than")).toThrow(/^--older-than: expected a duration such as 12h or 7d/);
  });
});

describe("formatSize", () => {
  it.each([
    [0, "0 B"],
    [900, "900 B"],
    [1536, "1.5 KB"],
    [500 * MB, "500 MB"],
    [2 * GB, "2 GB"],
    [Math.round(1.26 * GB), "1.3 GB"],
  ])("shows %d bytes as %s", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it("is read back by parseSize (to a tenth of its unit)", () => {
    for (const n of [0, 1000, 5 * MB, 2 * GB, 3 * GB + 7]) {
      const back = parseSize(formatSize(n).replace(" ", ""), "x");
      expect(Math.abs(back - n)).toBeLessThanOrEqual(n / 20);
    }
  });
});

describe("cacheCap", () => {
  it("is the given cap, else IMGPOLICY_CACHE_MAX, else 2 GB", () => {
    expect(cacheCap({})).toEqual({ maxBytes: DEFAULT_CACHE_MAX, from: "default" });
    expect(DEFAULT_CACHE_MAX).toBe(2 * GB);
    expect(cacheCap({ IMGPOLICY_CACHE_MAX: "" })).toEqual({ maxBytes: DEFAULT_CACHE_MAX, from: "default" });
    expect(cacheCap({ IMGPOLICY_CACHE_MAX: "500MB" })).toEqual({ maxBytes: 500 * MB, from: "IMGPOLICY_CACHE_MAX" });
    expect(cacheCap({ IMGPOLICY_CACHE_MAX: "500MB" }, { maxBytes: 1, from: "--cache-max" })).toEqual({ maxBytes: 1, from: "--cache-max" });
    expect(() => cacheCap({ IMGPOLICY_CACHE_MAX: "lots" })).toThrow(UsageError);
  });
});
