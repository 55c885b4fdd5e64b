import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CA_BUNDLE_PATHS, derElementLength, parseCaBundle } from "./ca-bundle.js";

const DAY = 24 * 60 * 60 * 1000;
const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl())("parseCaBundle with generated certificates", () => {
  let dir = "";
  let pem10 = ""; // valid for 10 days
  let pem400 = ""; // valid for 400 days

  function makeCert(days: number): string {
    const keyout = join(dir, `key-${days}.pem`);
    return execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", keyout, "-subj", `/CN=imgpolicy test ${days}`, "-days", String(days)],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
  }

  function convert(pem: string, args: string[]): Buffer {
    return execFileSync("openssl", ["x509", ...args], { input: pem, stdio: ["pipe", "pipe", "ignore"] });
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "imgpolicy-ca-"));
    pem10 = makeCert(10);
    pem400 = makeCert(400);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts certificates and finds the earliest expiry", () => {
    const now = new Date();
    const bundle = Buffer.from(`# comment\n${pem400}\nsome text\n${pem10}`);
    const summary = parseCaBundle(bundle, now);
    expect(summary).toMatchObject({ certificates: 2, unparsable: 0, expired: 0, expiringWithin30Days: 1 });
    const expiry = Date.parse(summary.earliestExpiry ?? "");
    expect(Math.abs(expiry - (now.getTime() + 10 * DAY))).toBeLessThan(DAY);
  });

  it("counts expired certificates relative to now", () => {
    const later = new Date(Date.now() + 20 * DAY);
    expect(parseCaBundle(Buffer.from(pem10 + pem400), later)).toMatchObject({
      certificates: 2,
      expired: 1,
      expiringWithin30Days: 0,
    });
    const muchLater = new Date(Date.now() + 390 * DAY);
    expect(parseCaBundle(Buffer.from(pem10 + pem400), muchLater)).toMatchObject({ expired: 1, expiringWithin30Days: 1 });
  });

  it("reads a single DER certificate", () => {
    const der = convert(pem400, ["-outform", "DER"]);
    expect(der[0]).toBe(0x30);
    expect(parseCaBundle(new Uint8Array(der), new Date())).toMatchObject({ certificates: 1, unparsable: 0 });
  });

  it("reads OpenSSL TRUSTED CERTIFICATE blocks", () => {
    const trusted = convert(pem10, ["-addtrust", "serverAuth", "-trustout"]).toString("utf8");
    expect(trusted).toContain("BEGIN TRUSTED CERTIFICATE");
    expect(parseCaBundle(Buffer.from(trusted), new Date())).toMatchObject({ certificates: 1, unparsable: 0 });
  });

  it("counts blocks that do not decode as unparsable", () => {
    const broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    expect(parseCaBundle(Buffer.from(broken + pem10), new Date())).toMatchObject({ certificates: 1, unparsable: 1 });
  });
});

describe("parseCaBundle edge cases", () => {
  it("returns zeros for empty or unrelated input", () => {
    const zero = { certificates: 0, unparsable: 0, expired: 0, expiringWithin30Days: 0 };
    expect(parseCaBundle(new Uint8Array(), new Date())).toEqual(zero);
    expect(parseCaBundle(Buffer.from("hello"), new Date())).toEqual(zero);
  });

  it("counts a DER-looking blob that is not a certificate as unparsable", () => {
    expect(parseCaBundle(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), new Date())).toMatchObject({
      certificates: 0,
      unparsable: 1,
    });
  });

  it.skipIf(!existsSync(SYSTEM_BUNDLE))("parses the system bundle", () => {
    const summary = parseCaBundle(readFileSync(SYSTEM_BUNDLE), new Date());
    expect(summary.certificates).toBeGreaterThan(10);
    expect(summary.unparsable).toBe(0);
    expect(summary.earliestExpiry).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});

describe("CA_BUNDLE_PATHS", () => {
  it("lists the Debian path first and has no duplicates", () => {
    expect(CA_BUNDLE_PATHS[0]).toBe("/etc/ssl/certs/ca-certificates.crt");
    expect(CA_BUNDLE_PATHS).toContain("/etc/pki/tls/certs/ca-bundle.crt");
    expect(CA_BUNDLE_PATHS).toContain("/etc/ssl/cert.pem");
    expect(new Set(CA_BUNDLE_PATHS).size).toBe(CA_BUNDLE_PATHS.length);
    expect(CA_BUNDLE_PATHS.every((p) => p.startsWith("/"))).toBe(true);
  });
});

describe("derElementLength", () => {
  it("reads short and long form lengths", () => {
    expect(derElementLength(new Uint8Array([0x30, 0x03, 1, 2, 3]))).toBe(5);
    expect(derElementLength(new Uint8Array([0x30, 0x82, 0x01, 0x00]))).toBe(4 + 256);
    expect(derElementLength(new Uint8Array([0x30]))).toBeUndefined();
    expect(derElementLength(new Uint8Array([0x30, 0x80]))).toBeUndefined();
    expect(derElementLength(new Uint8Array([0x30, 0x82, 0x01]))).toBeUndefined();
  });
});
