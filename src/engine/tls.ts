/**
 * TLS to the Docker engine as the docker CLI sets it up, from files on this machine:
 *
 * - from the environment (the default context): DOCKER_TLS_VERIFY set to anything
 *   non-empty turns TLS on and checks the engine's certificate against ca.pem (added to
 *   the system's CAs); DOCKER_TLS alone turns TLS on without that check. The files are
 *   ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH (default: the docker config
 *   directory, ~/.docker); a client certificate is sent when cert.pem and key.pem are there.
 * - from a docker context: its own ca.pem (the only CA trusted), cert.pem and key.pem,
 *   and skip-tls-verify.
 *
 * The node:tls settings are built once, here, so a bad file is one clean line before
 * any connection is tried.
 */
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { EngineError } from "../errors.js";
import { FileReadError } from "../files/regular-file.js";
import { isMissing, readSmallFileSync } from "../files/small-file-sync.js";

/** Larger than any CA bundle. */
const PEM_LIMIT = 1 << 20;

export interface EngineTls {
  /** The node:tls settings: the CAs trusted and the client certificate, when there is one. */
  secureContext: SecureContext;
  /** Whether the engine's certificate is checked (its CA and its name). */
  verify: boolean;
  /** The files used (ca only when verifying), for messages. */
  files: { ca?: string; cert?: string; key?: string };
  /** The directory the files are in (DOCKER_CERT_PATH, ~/.docker, or the context's TLS directory). */
  dir: string;
  /** What asked for TLS, for messages: "DOCKER_TLS_VERIFY", "DOCKER_TLS" or `context "x"`. */
  origin: string;
}

export interface TlsMaterial {
  origin: string;
  dir: string;
  verify: boolean;
  /** The CA's PEM and path; undefined: the system's CAs. */
  ca?: { pem: Buffer; path: string };
  /** Trust the CA alone (a context), or add it to the system's CAs (the environment, as the CLI does). */
  caOnly: boolean;
  client?: { cert: Buffer; certPath: string; key: Buffer; keyPath: string };
}

function fail(origin: string, what: string): never {
  throw new EngineError(`cannot use TLS to the Docker engine (${origin}): ${what}`);
}

/** A PEM file of `dir`, or undefined when it is not there. */
export function readPem(dir: string, name: string, origin: string): { pem: Buffer; path: string } | undefined {
  const path = join(dir, name);
  try {
    return { pem: readSmallFileSync(path, PEM_LIMIT, "a PEM file"), path };
  } catch (err) {
    if (isMissing(err)) return undefined;
    if (err instanceof FileReadError) fail(origin, err.message);
    throw err;
  }
}

function checkCa(ca: { pem: Buffer; path: string }, origin: string): void {
  const text = ca.pem.toString("latin1");
  let ok = text.includes("-----BEGIN CERTIFICATE-----");
  if (ok) {
    try {
      new X509Certificate(ca.pem);
    } catch {
      ok = false;
    }
  }
  if (!ok) fail(origin, `${ca.path} is not a PEM certificate`);
}

/** The node:tls settings of some TLS material, its files checked. */
export function engineTls(m: TlsMaterial): EngineTls {
  const files: EngineTls["files"] = {};
  let ca: string[] | Buffer[] | undefined;
  if (m.verify && m.ca) {
    checkCa(m.ca, m.origin);
    files.ca = m.ca.path;
    ca = m.caOnly ? [m.ca.pem] : [...rootCertificates, m.ca.pem.toString("utf8")];
  }
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  if (m.client) {
    const keyText = m.client.key.toString("latin1");
    if (keyText.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----") || /Proc-Type:\s*4,\s*ENCRYPTED/.test(keyText)) {
      fail(m.origin, `${m.client.keyPath} is encrypted; the engine's client key must not be (as for the docker CLI)`);
    }
    files.cert = m.client.certPath;
    files.key = m.client.keyPath;
    cert = m.client.cert;
    key = m.client.key;
  }
  try {
    const secureContext = createSecureContext({ ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) });
    return { secureContext, verify: m.verify, files, dir: m.dir, origin: m.origin };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const c = m.client;
    if (!c) fail(m.origin, `the TLS settings do not load (${(err as { reason?: string }).reason ?? code})`);
    if (code === "ERR_OSSL_X509_KEY_VALUES_MISMATCH") fail(m.origin, `${c.keyPath} is not the key of ${c.certPath}`);
    if (code === "ERR_OSSL_BAD_DECRYPT" || /encrypt|decrypt|passphrase/i.test(String((err as Error).message))) {
      fail(m.origin, `${c.keyPath} is encrypted; the engine's client key must not be (as for the docker CLI)`);
    }
    if (code.startsWith("ERR_OSSL_PEM") && !c.cert.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) {
      fail(m.origin, `${c.certPath} is not a PEM certificate`);
    }
    fail(m.origin, `${c.certPath} and ${c.keyPath} do not load as a certificate and its key (${(err as { reason?: string }).reason ?? code})`);
  }
}

/** TLS from the environment: DOCKER_TLS_VERIFY / DOCKER_TLS and the files in `dir` (DOCKER_CERT_PATH or ~/.docker). */
export function tlsFromCertDir(dir: string, verify: boolean): EngineTls {
  const origin = verify ? "DOCKER_TLS_VERIFY" : "DOCKER_TLS";
  const ca = verify ? readPem(dir, "ca.pem", origin) : undefined;
  if (verify && !ca) {
    fail(origin, `${join(dir, "ca.pem")} is not there: DOCKER_TLS_VERIFY checks the engine's certificate against it (set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem)`);
  }
  const cert = readPem(dir, "cert.pem", origin);
  const key = readPem(dir, "key.pem", origin);
  if (cert && !key) fail(origin, `${cert.path} is there but ${join(dir, "key.pem")} is not`);
  if (key && !cert) fail(origin, `${key.path} is there but ${join(dir, "cert.pem")} is not`);
  const client = cert && key ? { cert: cert.pem, certPath: cert.path, key: key.pem, keyPath: key.path } : undefined;
  return engineTls({ origin, dir, verify, ca, caOnly: false, ...(client ? { client } : {}) });
}
