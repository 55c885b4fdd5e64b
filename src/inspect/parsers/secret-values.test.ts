import { describe, expect, it } from "vitest";
import { redact, secretValueKind } from "./secret-values.js";

// Fake tokens are assembled at run time so that repository secret scanners do not trip on them.
const fake = {
  aws: "AKIA" + "Z7QWERTYUIOPASDF",
  awsTemp: "ASIA" + "Z7QWERTYUIOPASDF",
  ghp: "ghp_" + "a1B2".repeat(9),
  gho: "gho_" + "Zy9".repeat(12),
  ghPat: "github_pat_" + "11ABCDEFG0_".repeat(3),
  glpat: "glpat-" + "xY1-_z".repeat(4),
  slack: "xoxb-" + "1234567890-abcdefghij",
  stripe: "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
  google: "AIza" + "SyA-1234567890abcdefghijklmnopqrstu",
  npm: "npm_" + "aZ09".repeat(9),
  jwt: "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0" + "." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
};

describe("secretValueKind", () => {
  it("recognises vendor token shapes", () => {
    expect(secretValueKind(fake.aws)?.kind).toBe("aws-access-key-id");
    expect(secretValueKind(fake.awsTemp)?.kind).toBe("aws-access-key-id");
    expect(secretValueKind(fake.ghp)?.kind).toBe("github-token");
    expect(secretValueKind(fake.gho)?.kind).toBe("github-token");
    expect(secretValueKind(fake.ghPat)?.kind).toBe("github-token");
    expect(secretValueKind(fake.glpat)?.kind).toBe("gitlab-token");
    expect(secretValueKind(fake.slack)?.kind).toBe("slack-token");
    expect(secretValueKind(fake.stripe)?.kind).toBe("stripe-key");
    expect(secretValueKind(fake.google)?.kind).toBe("google-api-key");
    expect(secretValueKind(fake.npm)?.kind).toBe("npm-token");
    expect(secretValueKind(fake.jwt)?.kind).toBe("jwt");
  });

  it("finds tokens embedded in longer values", () => {
    expect(secretValueKind(`--token=${fake.ghp} --verbose`)?.kind).toBe("github-token");
  });

  it("recognises private keys and URLs with passwords", () => {
    expect(secretValueKind("-----BEGIN RSA PRIVATE KEY-----\nMIIE...")).toEqual({
      kind: "private-key",
      label: "a PEM private key",
    });
    expect(secretValueKind("-----BEGIN PRIVATE KEY-----")?.kind).toBe("private-key");
    expect(secretValueKind("-----BEGIN PGP PRIVATE KEY BLOCK-----")?.kind).toBe("private-key");
    expect(secretValueKind("postgres://app:s3cret@db:5432/app")?.kind).toBe("url-credentials");
    expect(secretValueKind("redis://:s3cret@cache:6379")?.kind).toBe("url-credentials");
    expect(secretValueKind("mongodb+srv://u:p@cluster.example.net")?.kind).toBe("url-credentials");
  });

  it("leaves ordinary values alone", () => {
    for (const v of [
      "",
      "/usr/local/bin:/usr/bin",
      "https://example.com/path",
      "https://user@example.com/",
      "postgres://db:5432/app",
      "en_US.UTF-8",
      "AKIA-not-a-key",
      "ghp_short",
      "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",
      "-----BEGIN PUBLIC KEY-----",
      "-----BEGIN CERTIFICATE-----",
      "B42D5B3E4F6A3A5B1C2D3E4F5A6B7C8D9E0F1A2B",
      "AKIA" + "IOSFODNN7EXAMPLE",
      "ghp_" + "x".repeat(36),
      "postgres://app:${DB_PASSWORD}@db/app",
    ]) {
      expect(secretValueKind(v), v).toBeUndefined();
    }
  });
});

describe("redact", () => {
  it("keeps at most two leading characters", () => {
    expect(redact("supersecretvalue")).toBe("su…");
    expect(redact("12345678")).toBe("12…");
    expect(redact("1234567")).toBe("1…");
    expect(redact("1234")).toBe("1…");
    expect(redact("123")).toBe("…");
    expect(redact("")).toBe("");
  });

  it("does not split surrogate pairs", () => {
    expect(redact("🔑🔑🔑🔑🔑🔑🔑🔑")).toBe("🔑🔑…");
  });
});
