/**
 * Why a connection to the engine failed, in words: the socket or host, and for TLS
 * which side refused what (the engine's certificate, our client certificate, a port
 * that does not speak TLS). OpenSSL's own messages ("80BC…:error:0A000410:SSL
 * routines:…") are never shown.
 */
import { causeText } from "../errors.js";
import type { EngineEndpoint } from "./address.js";

export interface ConnectCause {
  cause: string;
  hint: string;
}

type Err = NodeJS.ErrnoException & { reason?: string };

/** Verification codes of the engine's certificate chain (OpenSSL's, as node:tls names them). */
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REJECTED",
  "INVALID_CA",
]);

/** The alert the engine sent, from node's code or OpenSSL's text: "unknown ca", "certificate required"… */
function alertOf(err: Err): string | undefined {
  const text = `${err.reason ?? ""} ${err.message ?? ""}`;
  return /alert ([a-z ]+?)(?::|$|\s\|)/i.exec(text)?.[1]?.trim().toLowerCase();
}

/** Whether an error is a TLS failure (a certificate refused by either side, a handshake that failed). */
export function isTlsFailure(err: unknown): boolean {
  const e = err as Err | undefined;
  const code = e?.code ?? "";
  return (
    UNTRUSTED.has(code) ||
    code.startsWith("CERT_") ||
    code.startsWith("ERR_SSL_") ||
    code === "ERR_TLS_CERT_ALTNAME_INVALID" ||
    (code === "EPROTO" && alertOf(e!) !== undefined)
  );
}

function tlsCause(endpoint: Extract<EngineEndpoint, { kind: "tcp" }>, err: Err): ConnectCause | undefined {
  const tls = endpoint.tls;
  const code = err.code ?? "";
  const text = `${err.reason ?? ""} ${err.message ?? ""}`;
  if (/wrong version number|packet length too long|unknown protocol/i.test(text)) {
    return { cause: "it does not answer in TLS on this port", hint: "is the port the engine's TLS port? without TLS, unset DOCKER_TLS_VERIFY and DOCKER_TLS" };
  }
  if (!tls) return undefined;
  const ca = tls.files.ca ? `${tls.files.ca}` : "the system's CAs";
  if (UNTRUSTED.has(code)) {
    return { cause: `its certificate is not signed by a CA we trust (${ca})`, hint: `is ${tls.files.ca ? "that ca.pem" : "ca.pem in " + tls.dir} the CA that signed the engine's certificate?` };
  }
  if (code === "CERT_HAS_EXPIRED") return { cause: "its certificate has expired", hint: "the engine needs a renewed certificate" };
  if (code === "CERT_NOT_YET_VALID") return { cause: "its certificate is not valid yet", hint: "is this machine's clock right?" };
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return { cause: `its certificate is not for '${endpoint.host}'`, hint: `${(err.reason ?? "").replace(/\.$/, "")}; name the engine as its certificate does` };
  }
  if (code.startsWith("CERT_")) return { cause: `its certificate does not verify (${code})`, hint: `is ${ca} the CA that signed it?` };
  const alert = alertOf(err);
  const sent = tls.files.cert !== undefined;
  if (alert === "certificate required" || (!sent && alert === "handshake failure")) {
    return {
      cause: "it asks for a client certificate and none was sent",
      hint: sent ? "the engine wants a client certificate" : `put the client certificate and its key in ${tls.dir} as cert.pem and key.pem`,
    };
  }
  if (alert && sent && /unknown ca|bad certificate|certificate unknown|access denied|decrypt error|handshake failure|unsupported certificate/.test(alert)) {
    return { cause: `it refused our client certificate (${tls.files.cert}: ${alert})`, hint: "is it signed by the CA the engine trusts for clients?" };
  }
  if (alert && /certificate expired|certificate revoked/.test(alert)) {
    return { cause: `it refused our client certificate (${tls.files.cert}: ${alert})`, hint: "the client certificate needs renewing" };
  }
  if (alert) return { cause: `the TLS handshake failed (the engine sent: ${alert})`, hint: `is ${tls.dir} the engine's TLS material?` };
  if (code.startsWith("ERR_SSL_")) return { cause: `the TLS handshake failed (${err.reason ?? code})`, hint: `is ${tls.dir} the engine's TLS material?` };
  return undefined;
}

/** The cause and a hint for a failed connection to `endpoint`. */
export function connectCause(endpoint: EngineEndpoint, err: unknown): ConnectCause {
  const e = (err ?? {}) as Err;
  if (endpoint.kind === "tcp") {
    const t = tlsCause(endpoint, e);
    if (t) return t;
  }
  const local = endpoint.kind === "unix";
  const where = endpoint.context ? `is the host of context "${endpoint.context}" right?` : "is DOCKER_HOST right?";
  switch (e.code) {
    case "ENOENT":
      return { cause: "no such socket", hint: "is dockerd running?" };
    case "ECONNREFUSED":
      return { cause: "connection refused", hint: local ? "is dockerd running?" : `is dockerd listening there? ${where}` };
    case "EACCES":
    case "EPERM":
      return { cause: "permission denied", hint: "is your user allowed to use the engine's socket?" };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { cause: "unknown host", hint: where };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { cause: "no route to the host", hint: where };
    case "ECONNRESET":
    case "EPIPE":
      if (endpoint.kind === "tcp" && endpoint.tls) {
        return { cause: "it closed the connection without answering", hint: `is the engine behind it running? does it accept the client certificate in ${endpoint.tls.dir}?` };
      }
      return {
        cause: "it closed the connection without answering",
        hint: local ? "is dockerd running?" : "does the engine want TLS there? set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH",
      };
    default:
      return { cause: causeText(err), hint: local ? "is dockerd running?" : where };
  }
}
