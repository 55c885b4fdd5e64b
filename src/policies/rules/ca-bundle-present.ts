/** IMG-CA-001: the image has a CA certificate bundle. */
import { fail, pass, type Rule } from "../types.js";

interface Options {
  /** Demand a bundle. false: an image that makes no TLS connections may have none. */
  required: boolean;
}

export const rule: Rule<Options> = {
  id: "IMG-CA-001",
  title: "CA certificate bundle is present",
  category: "certificates",
  severity: "medium",
  description:
    "A CA bundle exists at SSL_CERT_FILE or one of the well-known locations (/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem, …).",
  rationale:
    "Without trusted roots every outbound TLS connection fails with `x509: certificate signed by unknown authority` (Go) or `unable to get local issuer certificate` (OpenSSL): calls to APIs, registries, databases and OIDC providers. scratch images have none, and it shows only when the code first connects.",
  remediation:
    "Copy the bundle from the build stage (scratch, distroless/static-like images):\n" +
    "  COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n" +
    "or install it on a distro base: `RUN apt-get install -y --no-install-recommends ca-certificates` / `RUN apk add --no-cache ca-certificates`.",
  optionsSchema: {
    type: "object",
    properties: { required: { type: "boolean", description: "Demand a CA bundle." } },
    additionalProperties: false,
  },
  defaultOptions: { required: true },
  check(facts, options) {
    const c = facts.certificates;
    if (c.present || !options.required) return pass();
    return fail({
      message:
        "The image has no CA certificate bundle (none at SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt or the other well-known paths): TLS connections will fail to verify.",
      location: { path: "/etc/ssl/certs/ca-certificates.crt" },
      expected: "a CA bundle, e.g. /etc/ssl/certs/ca-certificates.crt",
      found: "no bundle",
    });
  },
};
