/** IMG-CA-002: the CA bundle holds certificates, and every block in it parses. */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at } from "./binary-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-CA-002",
  title: "CA certificate bundle parses",
  category: "certificates",
  severity: "medium",
  description: "The CA bundle found by IMG-CA-001 has at least one certificate, and no certificate block in it fails to parse.",
  rationale:
    "An empty or damaged bundle is as bad as none, and harder to see: a file truncated by a failed download, an HTML error page saved as the bundle, or a bundle concatenated without newlines. TLS libraries skip or reject such blocks and connections fail with unknown-authority errors.",
  remediation:
    "Regenerate the bundle in the build stage instead of editing it by hand: `RUN update-ca-certificates` (Debian/Alpine) or `RUN update-ca-trust` (RHEL), then `COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/`. " +
    "Add your own CA as a PEM file under /usr/local/share/ca-certificates/ before regenerating, not by appending to the bundle.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const c = facts.certificates;
    if (!c.present || !c.bundle) return skip("the image has no CA bundle (IMG-CA-001)");
    if (c.certificates === undefined) return skip(`the contents of ${c.bundle.path} were not read`);
    const where = { path: c.bundle.path, layer: c.bundle.layer };
    const unparsable = c.unparsable ?? 0;
    const findings: Finding[] = [];
    if (c.certificates === 0) {
      findings.push({
        message: `The CA bundle ${at(where)} holds no certificate that parses${unparsable ? ` (${unparsable} unparsable blocks)` : ""}.`,
        location: where,
        expected: "at least one parsable certificate",
        found: unparsable ? `0 certificates, ${unparsable} unparsable` : "0 certificates",
      });
    } else if (unparsable > 0) {
      findings.push({
        message: `The CA bundle ${at(where)} has ${unparsable} certificate block${unparsable === 1 ? " that does" : "s that do"} not parse (beside ${c.certificates} that do).`,
        location: where,
        expected: "every certificate block parses",
        found: `${unparsable} unparsable, ${c.certificates} parsed`,
      });
    }
    return failIf(findings);
  },
};
