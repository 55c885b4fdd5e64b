import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { parseColorMode, useColor } from "./color.js";

describe("useColor", () => {
  it("auto: colour on a terminal only", () => {
    expect(useColor("auto", {}, true)).toBe(true);
    expect(useColor("auto", {}, false)).toBe(false);
  });

  it("NO_COLOR with any non-empty value turns it off; empty is as if unset", () => {
    expect(useColor("auto", { NO_COLOR: "1" }, true)).toBe(false);
    expect(useColor("auto", { NO_COLOR: "0" }, true)).toBe(false);
    expect(useColor("auto", { NO_COLOR: "" }, true)).toBe(true);
    expect(useColor("auto", { NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false);
  });

  it("FORCE_COLOR turns it on off a terminal, and over TERM=dumb; 0 and false turn it off", () => {
    expect(useColor("auto", { FORCE_COLOR: "1" }, false)).toBe(true);
    expect(useColor("auto", { FORCE_COLOR: "true" }, false)).toBe(true);
    expect(useColor("auto", { FORCE_COLOR: "1", TERM: "dumb" }, false)).toBe(true);
    expect(useColor("auto", { FORCE_COLOR: "0" }, true)).toBe(false);
    expect(useColor("auto", { FORCE_COLOR: "false" }, true)).toBe(false);
    expect(useColor("auto", { FORCE_COLOR: "" }, false)).toBe(false);
  });

  it("TERM=dumb turns it off in auto", () => {
    expect(useColor("auto", { TERM: "dumb" }, true)).toBe(false);
    expect(useColor("auto", { TERM: "xterm-256color" }, true)).toBe(true);
  });

  it("--color always and never win over the terminal and the environment", () => {
    expect(useColor("always", { NO_COLOR: "1", TERM: "dumb" }, false)).toBe(true);
    expect(useColor("never", { FORCE_COLOR: "1" }, true)).toBe(false);
  });

  it("reads the flag", () => {
    expect(parseColorMode(undefined)).toBe("auto");
    expect(parseColorMode("always")).toBe("always");
    expect(parseColorMode(false)).toBe("never"); // --no-color
    expect(() => parseColorMode("yes")).toThrow(UsageError);
  });
});
