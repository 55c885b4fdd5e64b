/**
 * Summarises a CA certificate bundle: how many certificates it holds, how
 * many could not be parsed, and how close the earliest one is to expiry.
 *
 * Accepts PEM bundles (any number of `CERTIFICATE` or OpenSSL
 * `TRUSTED CERTIFICATE` blocks, with any text between them) and a single
 * DER-encoded certificate.
 */
import { certificateNotAfter } from "./cert-not-after.js";

/** Well-known bundle locations, most preferred first. */
export const CA_BUNDLE_PATHS: readonly string[] = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine, Arch, Gentoo, distroless
  "/etc/pki/tls/certs/ca-bundle.crt", // RHEL, CentOS, Fedora, Amazon Linux
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7+, Fedora (extracted trust)
  "/etc/ssl/ca-bundle.pem", // openSUSE, SLES
  "/var/lib/ca-certificates/ca-bundle.pem", // openSUSE, SLES (generated)
  "/etc/ssl/cert.pem", // Alpine (OpenSSL/LibreSSL default file)
  "/etc/pki/tls/cacert.pem", // OpenELEC
];

export interface CaBundleSummary {
  certificates: number;
  unparsable: number;
  /** The earliest `notAfter` among parsed certificates, as an ISO 8601 string. */
  earliestExpiry?: string;
  /** Certificates whose `notAfter` is before `now`. */
  expired: number;
  /** Certificates not yet expired whose `notAfter` is within 30 days of `now`. */
  expiringWithin30Days: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const PEM_BLOCK = /-----BEGIN (TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:TRUSTED )?CERTIFICATE-----/g;

/**
 * Length in bytes of the DER element at the start of `der` (header included),
 * or undefined when the header is not a valid definite length.
 */
export function derElementLength(der: Uint8Array): number | undefined {
  if (der.length < 2) return undefined;
  const first = der[1];
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 4 || der.length < 2 + count) return undefined;
  let len = 0;
  for (let i = 0; i < count; i++) len = len * 256 + der[2 + i];
  return 2 + count + len;
}

/** DER bodies of every PEM certificate block in the text. */
function pemBodies(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    let der = Buffer.from(m[2].replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
    if (m[1]) {
      // A TRUSTED CERTIFICATE is the certificate followed by OpenSSL trust settings.
      const len = derElementLength(der);
      if (len !== undefined && len <= der.length) der = der.subarray(0, len);
    }
    out.push(der);
  }
  return out;
}

/**
 * The expiry of every certificate in a bundle, in order (undefined for one that does
 * not parse): the costly part of `parseCaBundle`, which does not depend on the time.
 */
export function certificateExpiries(bytes: Uint8Array): (Date | undefined)[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  let bodies = pemBodies(text);
  if (bodies.length === 0 && bytes.length > 0 && bytes[0] === 0x30) {
    bodies = [Buffer.from(bytes)];
  }
  return bodies.map(certificateNotAfter);
}

/** The summary of a bundle from its certificates' expiries (`certificateExpiries`), judged at `now`. */
export function summarizeExpiries(expiries: readonly (Date | undefined)[], now: Date): CaBundleSummary {
  const summary: CaBundleSummary = { certificates: 0, unparsable: 0, expired: 0, expiringWithin30Days: 0 };
  let earliest: Date | undefined;
  const soon = now.getTime() + 30 * DAY_MS;
  for (const expiry of expiries) {
    if (!expiry || Number.isNaN(expiry.getTime())) {
      summary.unparsable++;
      continue;
    }
    summary.certificates++;
    if (!earliest || expiry < earliest) earliest = expiry;
    if (expiry.getTime() < now.getTime()) summary.expired++;
    else if (expiry.getTime() <= soon) summary.expiringWithin30Days++;
  }
  if (earliest) summary.earliestExpiry = earliest.toISOString();
  return summary;
}

export function parseCaBundle(bytes: Uint8Array, now: Date): CaBundleSummary {
  return summarizeExpiries(certificateExpiries(bytes), now);
}
