import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { DEFAULT_LIMITS, engineSpoolLimit, limitVariables, scanLimits, spoolLimit } from "./limits.js";

const MiB = 1048576;

describe("the IMGPOLICY_MAX_* variables", () => {
  it("raise and lower the limits; unset, the defaults apply", () => {
    expect(scanLimits({})).toEqual(DEFAULT_LIMITS);
    expect(scanLimits({ IMGPOLICY_MAX_ENTRIES: "1000", IMGPOLICY_MAX_KEPT_MB: "64" })).toEqual({ maxEntries: 1000, maxKeptBytes: 64 * MiB });
    expect(scanLimits({ IMGPOLICY_MAX_ENTRIES: "007" }).maxEntries).toBe(7);
    expect(spoolLimit(1000, { IMGPOLICY_MAX_SPOOL_MB: "16" })).toMatchObject({ maxBytes: 16 * MiB, why: "IMGPOLICY_MAX_SPOOL_MB" });
    expect(engineSpoolLimit(10 * MiB, { IMGPOLICY_MAX_SPOOL_MB: "8589934592" }).maxBytes).toBe(2 ** 33 * MiB);
  });

  const invalid = ["", "abc", "-1", "0", "1e999", "12abc", "1.5", " 5", "5 ", "0x10", "+5", "Infinity", "99999999999", "8589934593", "٣"];
  for (const name of ["IMGPOLICY_MAX_ENTRIES", "IMGPOLICY_MAX_KEPT_MB", "IMGPOLICY_MAX_SPOOL_MB"]) {
    it(`refuse an invalid ${name} with one line naming it, whichever limit is asked for`, () => {
      for (const value of invalid) {
        const env = { [name]: value };
        for (const read of [() => limitVariables(env), () => scanLimits(env), () => spoolLimit(1, env), () => engineSpoolLimit(1, env)]) {
          let err: unknown;
          try {
            read();
          } catch (e) {
            err = e;
          }
          expect(err, `${name}=${JSON.stringify(value)}`).toBeInstanceOf(UsageError);
          expect((err as Error).message).toContain(name);
          expect((err as Error).message).not.toContain("\n");
        }
      }
    });
  }

  it("cut a long value short in the message", () => {
    expect(() => limitVariables({ IMGPOLICY_MAX_KEPT_MB: "9".repeat(10_000) })).toThrow(/^IMGPOLICY_MAX_KEPT_MB='9{40}…' is not a limit/);
  });
});

describe("the spool limits", () => {
  it("of a compressed archive: 20× its size, 256 MiB at least", () => {
    expect(spoolLimit(1000, {}).maxBytes).toBe(256 * MiB);
    expect(spoolLimit(100 * MiB, {}).maxBytes).toBe(2000 * MiB);
  });

  it("of an engine export: twice what the engine reports, plus 256 MiB; a nonsense size counts as 0", () => {
    expect(engineSpoolLimit(100 * MiB, {})).toMatchObject({ maxBytes: 456 * MiB, why: expect.stringContaining("IMGPOLICY_MAX_SPOOL_MB raises the limit") });
    for (const bad of [-1, NaN, Infinity, 1.5]) expect(engineSpoolLimit(bad, {}).maxBytes).toBe(256 * MiB);
  });
});
