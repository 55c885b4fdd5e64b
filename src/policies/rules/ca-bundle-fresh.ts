/** IMG-CA-003: the CA bundle is not stale: at most a small share of its certificates has expired. */
import { fail, pass, skip, type Rule } from "../types.js";
import { at } from "./binary-helpers.js";

interface Options {
  /** Fail when more than this percentage of the parsed certificates counts as stale. */
  maxExpiredPercent: number;
  /** Count certificates that expire within 30 days of inspection as stale too. */
  includeExpiringWithin30Days: boolean;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export const rule: Rule<Options> = {
  id: "IMG-CA-003",
  title: "CA certificate bundle is not stale",
  category: "certificates",
  severity: "medium",
  description:
    "Of the certificates in the CA bundle, at most `maxExpiredPercent` percent (default 10) had expired when the image was inspected (plus, with `includeExpiringWithin30Days`, those expiring within 30 days of it). " +
    "A few expired roots are normal: Debian's and Alpine's bundles keep some until the next ca-certificates release, so a handful does not fail by default.",
  rationale:
    "A bundle with many expired roots comes from an old base or a ca-certificates package years out of date: it also lacks newer roots (Let's Encrypt ISRG Root X2, new cloud CAs), so connections to services that moved to them fail. The share of expired certificates measures how old the trust store is.",
  remediation:
    "Rebuild on a current base and refresh the package in the build: `RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates` (or `RUN apk add --no-cache ca-certificates`), then `COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/`; rebuild images regularly so the bundle follows upstream.",
  optionsSchema: {
    type: "object",
    properties: {
      maxExpiredPercent: { type: "number", minimum: 0, maximum: 100, description: "Largest accepted share of stale certificates, in percent." },
      includeExpiringWithin30Days: { type: "boolean", description: "Count certificates expiring within 30 days as stale." },
    },
    additionalProperties: false,
  },
  defaultOptions: { maxExpiredPercent: 10, includeExpiringWithin30Days: false },
  check(facts, options) {
    const c = facts.certificates;
    if (!c.present || !c.bundle) return skip("the image has no CA bundle (IMG-CA-001)");
    if (!c.certificates) return skip(`the CA bundle ${c.bundle.path} has no parsable certificates (IMG-CA-002)`);
    const expired = c.expired ?? 0;
    const soon = options.includeExpiringWithin30Days ? (c.expiringWithin30Days ?? 0) : 0;
    const stale = expired + soon;
    const percent = (stale * 100) / c.certificates;
    if (percent <= options.maxExpiredPercent) return pass();
    const where = { path: c.bundle.path, layer: c.bundle.layer };
    const what = soon ? `${expired} expired and ${soon} expiring within 30 days` : `${expired} expired`;
    return fail({
      message: `The CA bundle ${at(where)} is stale: ${what} of ${c.certificates} certificates (${round1(percent)}%, more than ${options.maxExpiredPercent}%)${c.earliestExpiry ? `; the earliest expired on ${c.earliestExpiry.slice(0, 10)}` : ""}.`,
      location: where,
      expected: `at most ${options.maxExpiredPercent}% stale certificates`,
      found: `${stale} of ${c.certificates} (${round1(percent)}%)`,
    });
  },
};
