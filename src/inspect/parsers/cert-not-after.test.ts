/**
 * certificateNotAfter against node:crypto's X509Certificate, the parser it replaced: the
 * same date for every certificate of this host's bundles and of certificates openssl makes
 * here (UTCTime and, past 2049, GeneralizedTime; with and without a version), and
 * undefined wherever X509Certificate refuses the bytes (cut, padded, retagged, garbage).
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { certificateNotAfter } from "./cert-not-after.js";

const BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const dersOf = (pem: string) => [...pem.matchAll(BLOCK)].map((m) => Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ""), "base64"));

/** X509Certificate's notAfter, or undefined when it refuses the bytes. */
function reference(der: Buffer): Date | undefined {
  try {
    const c = new X509Certificate(der);
    return new Date(c.validTo);
  } catch {
    return undefined;
  }
}

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(join(tmpdir(), "imgpolicy-notafter-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function made(days: number, extra: string[] = []): Buffer {
  const pem = execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, `k${days}.pem`), "-subj", `/CN=t${days}`, "-days", String(days), ...extra],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return dersOf(pem)[0]!;
}

describe("certificateNotAfter", () => {
  const bundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"].filter(existsSync);

  it.skipIf(bundles.length === 0)("gives X509Certificate's date for every certificate of this host's bundles", () => {
    let n = 0;
    for (const b of bundles) {
      for (const der of dersOf(readFileSync(b, "latin1"))) {
        expect(certificateNotAfter(der)?.toISOString()).toBe(reference(der)?.toISOString());
        n++;
      }
    }
    expect(n).toBeGreaterThan(50);
  });

  it.skipIf(!hasOpenssl)("reads UTCTime and GeneralizedTime (past 2049) as X509Certificate does", () => {
    for (const der of [made(10), made(400), made(40000)]) {
      const want = reference(der);
      expect(want).toBeDefined();
      expect(certificateNotAfter(der)?.toISOString()).toBe(want!.toISOString());
    }
    expect(certificateNotAfter(made(40000))!.getUTCFullYear()).toBeGreaterThan(2100);
  });

  it.skipIf(!hasOpenssl)("refuses what is not a certificate, wherever X509Certificate does", () => {
    const good = made(30);
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0x30]),
      Buffer.from([0x30, 0x00]),
      Buffer.from("not a certificate"),
      good.subarray(0, good.length - 1),
      good.subarray(0, 40),
      Buffer.concat([good.subarray(0, 1), Buffer.from([0x84, 0xff, 0xff, 0xff, 0xff]), good.subarray(4)]),
    ];
    // the outer tag changed; the validity's notAfter retagged as an INTEGER
    const retag = Buffer.from(good);
    retag[0] = 0x31;
    cases.push(retag);
    const iso = Buffer.from(good);
    const at = iso.indexOf(Buffer.from([0x17, 0x0d]), iso.indexOf(Buffer.from([0x17, 0x0d])) + 1);
    iso[at] = 0x02;
    cases.push(iso);
    for (const der of cases) {
      expect(reference(der), der.toString("hex").slice(0, 40)).toBeUndefined();
      expect(certificateNotAfter(der)).toBeUndefined();
    }
    // a digit of the date made a letter: not a time (X509Certificate's own leniency aside)
    const letter = Buffer.from(good);
    letter[at + 4] = 0x41;
    expect(certificateNotAfter(letter)).toBeUndefined();
  });
});
