import { describe, expect, it } from "vitest";
import { isAwsExample, isPlaceholderPassword, isPlaceholderToken, isPlaceholderValue, isTemplate } from "./secret-placeholders.js";

describe("isAwsExample: AWS's documented example credentials", () => {
  it.each(["AKIA" + "IOSFODNN7EXAMPLE", "ASIA" + "Q7RT2XZ4AEXAMPLE", "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"])("%s is one", (v) => expect(isAwsExample(v)).toBe(true));
  it.each(["AKIA" + "Z7QWERTYUIOPASDF", "AKIA" + "EXAMPLE7IOSFODNN", "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzz1abcdKEY", "EXAMPLEKEY", "x".repeat(30) + "EXAMPLEKEY!"])("%s is not", (v) => expect(isAwsExample(v)).toBe(false));
});

describe("isPlaceholderToken: a format's prefix and a placeholder after it", () => {
  it.each([
    "ghp_" + "x".repeat(36), "gho_" + "X".repeat(36), "AKIA" + "X".repeat(16), "AKIA" + "0".repeat(16), "sk_live_" + "x".repeat(24),
    "AIza" + "X".repeat(35), "AIza" + "Sy" + "X".repeat(33), "npm_" + "a".repeat(36), "xoxb-" + "XXXX-XXXX", "glpat-" + "*".repeat(20), "github_pat_" + "X".repeat(22),
  ])("%s is one", (v) => expect(isPlaceholderToken(v)).toBe(true));
  it.each(["ghp_" + "x".repeat(35) + "y", "AKIA" + "Z7QWERTYUIOPASDF", "AKIA", "xxxxxxxx", "AIza" + "SyD-9tSrke72PouQMnMX" + "x".repeat(15)])("%s is not", (v) => expect(isPlaceholderToken(v)).toBe(false));
});

describe("isTemplate", () => {
  it.each(["$VAR", "${VAR}", "${VAR:-x}", "$(cat /run/secrets/x)", "{{ .Values.pw }}", "{{pw}}", "{password}", "<password>", "<your token here>", "%DB_PW%", "%s", "%(password)s"])("%s is one", (v) => expect(isTemplate(v)).toBe(true));
  it.each(["$", "$1abc", "<3dogs", "%pw", "{x", "p@$$w0rd", "abc${X}"])("%s is not", (v) => expect(isTemplate(v)).toBe(false));
});

describe("isPlaceholderValue / isPlaceholderPassword", () => {
  it.each(["", "  ", "xxx", "XXXXXXXX", "***", "...", "changeme", "Change-Me", "password", "PASS", "secret", "example", "dummy", "placeholder", "REDACTED", "none", "null", "${PW}", "AKIA" + "IOSFODNN7EXAMPLE"])("%j is a placeholder", (v) => {
    expect(isPlaceholderValue(v)).toBe(true);
    expect(isPlaceholderPassword(v)).toBe(true);
  });
  it.each(["s3cr3t", "changeme1", "xxxy", "password123", "hunter2", "Pr0xyPass"])("%j is not", (v) => {
    expect(isPlaceholderValue(v)).toBe(false);
    expect(isPlaceholderPassword(v)).toBe(false);
  });
  it("a URL password holding ':' is not one (cvs pserver); as a value it may be", () => {
    expect(isPlaceholderPassword("pserver:anoncvs")).toBe(true);
    expect(isPlaceholderValue("pserver:anoncvs")).toBe(false);
  });
});
