/**
 * The `notAfter` of an X.509 certificate, read from its DER without parsing the rest:
 * a bundle's expiry summary needs only that date, and node:crypto's X509Certificate
 * parses (and allocates) the whole certificate, 0.2–0.5 ms each: a 140-certificate
 * bundle cost a tenth of a small image's check.
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE, signature BIT STRING }
 *   tbsCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER, signature SEQUENCE,
 *                                 issuer SEQUENCE, validity SEQUENCE { notBefore Time, notAfter Time }, … }
 *   Time ::= UTCTime "YYMMDDHHMMSSZ" (YY < 50: 20YY, else 19YY) | GeneralizedTime "YYYYMMDDHHMMSSZ"
 *
 * The outer structure is checked (three elements that fill the certificate exactly, each
 * of its type; tbsCertificate's first six elements of theirs, inside it), so bytes that
 * are not a certificate give undefined, as X509Certificate's refusal did.
 */

interface Element {
  tag: number;
  /** Where its content starts and ends. */
  start: number;
  end: number;
}

/** The DER element at `at`, which must end by `limit`; undefined when its header is not a valid definite length. */
function element(der: Uint8Array, at: number, limit: number): Element | undefined {
  if (at + 2 > limit) return undefined;
  const tag = der[at]!;
  const first = der[at + 1]!;
  let start = at + 2;
  let len = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + der[start + i]!;
    start += count;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const VERSION = 0xa0;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

function digits(der: Uint8Array, from: number, n: number): number | undefined {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = der[i]! - 0x30;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return v;
}

function time(der: Uint8Array, e: Element): Date | undefined {
  const len = e.end - e.start;
  let year: number | undefined;
  let at = e.start;
  if (e.tag === UTC_TIME && len === 13) {
    const yy = digits(der, at, 2);
    if (yy === undefined) return undefined;
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    at += 2;
  } else if (e.tag === GENERALIZED_TIME && len === 15) {
    year = digits(der, at, 4);
    at += 4;
  } else return undefined;
  const [mo, d, h, mi, s] = [0, 2, 4, 6, 8].map((k) => digits(der, at + k, 2));
  if (year === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined || s === undefined || der[e.end - 1] !== 0x5a) return undefined;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

/** The certificate's notAfter, or undefined when the bytes are not a certificate's DER (trailing bytes allowed, as a TRUSTED CERTIFICATE's). */
export function certificateNotAfter(der: Uint8Array): Date | undefined {
  const cert = element(der, 0, der.length);
  if (!cert || cert.tag !== SEQUENCE) return undefined;
  const tbs = element(der, cert.start, cert.end);
  const alg = tbs && element(der, tbs.end, cert.end);
  const sig = alg && element(der, alg.end, cert.end);
  if (!tbs || tbs.tag !== SEQUENCE || alg!.tag !== SEQUENCE || !sig || sig.tag !== BIT_STRING || sig.end !== cert.end) return undefined;
  let e = element(der, tbs.start, tbs.end);
  if (e?.tag === VERSION) e = element(der, e.end, tbs.end);
  if (e?.tag !== INTEGER) return undefined;
  const sigAlg = element(der, e.end, tbs.end);
  const issuer = sigAlg?.tag === SEQUENCE ? element(der, sigAlg.end, tbs.end) : undefined;
  const validity = issuer?.tag === SEQUENCE ? element(der, issuer.end, tbs.end) : undefined;
  const subject = validity?.tag === SEQUENCE ? element(der, validity.end, tbs.end) : undefined;
  const spki = subject?.tag === SEQUENCE ? element(der, subject.end, tbs.end) : undefined;
  if (!validity || !spki || spki.tag !== SEQUENCE) return undefined;
  const notBefore = element(der, validity.start, validity.end);
  const notAfter = notBefore && element(der, notBefore.end, validity.end);
  if (!notBefore || !notAfter || notAfter.end !== validity.end || !time(der, notBefore)) return undefined;
  return time(der, notAfter);
}
