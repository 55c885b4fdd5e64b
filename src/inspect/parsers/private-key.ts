/**
 * Recognises private key material by content: a PEM private key header, an
 * armored PGP private key block, or a PuTTY key file, at the start of the
 * file or anywhere in its first 4 KiB (keys are often preceded by a
 * certificate or by "Bag Attributes" text from openssl pkcs12).
 */

/** How much of the content is examined. */
export const PRIVATE_KEY_SCAN_BYTES = 4096;

const PEM_KINDS: Readonly<Record<string, string>> = {
  "": "private-key",
  "RSA ": "rsa-private-key",
  "EC ": "ec-private-key",
  "DSA ": "dsa-private-key",
  "OPENSSH ": "openssh-private-key",
  "ENCRYPTED ": "encrypted-private-key",
};
const PEM_HEADER = /-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/;
const PGP_HEADER = "-----BEGIN PGP PRIVATE KEY BLOCK-----";
const PUTTY_HEADER = /^PuTTY-User-Key-File-\d+: /;

/**
 * The kind of private key the content holds (`rsa-private-key`,
 * `ec-private-key`, `dsa-private-key`, `openssh-private-key`,
 * `encrypted-private-key`, `private-key` for PKCS#8, `pgp-private-key`,
 * `putty-private-key`), or undefined.
 */
export function privateKeyKind(firstBytes: Uint8Array): string | undefined {
  const head = firstBytes.subarray(0, PRIVATE_KEY_SCAN_BYTES);
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString("latin1");
  const pem = PEM_HEADER.exec(text);
  if (pem) return PEM_KINDS[pem[1] ?? ""];
  if (text.includes(PGP_HEADER)) return "pgp-private-key";
  if (PUTTY_HEADER.test(text)) return "putty-private-key";
  return undefined;
}
