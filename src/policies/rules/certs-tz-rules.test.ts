import { describe, expect, it } from "vitest";
import { checkTz } from "../../inspect/parsers/zoneinfo.js";
import type { Facts } from "../../inspect/facts/types.js";
import type { AnyRule } from "../types.js";
import { rule as caBundleFresh } from "./ca-bundle-fresh.js";
import { rule as caBundleParses } from "./ca-bundle-parses.js";
import { rule as caBundlePresent } from "./ca-bundle-present.js";
import { elf, entrypointAt, facts, goInfo, optionsErrors, run } from "./test-facts.js";
import { rule as zoneinfoPresent } from "./zoneinfo-present.js";
import { table, type Case } from "./test-rule-table.js";



const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
/** A bundle summary like the one inspection reports. */
const bundle = (s: { certificates: number; unparsable?: number; expired?: number; expiringWithin30Days?: number; layer?: number }) =>
  facts({
    certificates: {
      present: true,
      bundle: { path: BUNDLE, layer: s.layer ?? 1 },
      certificates: s.certificates,
      unparsable: s.unparsable ?? 0,
      expired: s.expired ?? 0,
      expiringWithin30Days: s.expiringWithin30Days ?? 0,
      ...(s.certificates > 0 ? { earliestExpiry: "2021-09-30T14:01:15.000Z" } : {}),
    },
  });
const none = facts();

table(caBundlePresent, [
  { name: "bundle present", facts: bundle({ certificates: 140 }), status: "pass" },
  { name: "scratch", facts: none, status: "fail", text: "The image has no CA certificate bundle" },
  { name: "absent but not required", facts: none, options: { required: false }, status: "pass" },
]);

table(caBundleParses, [
  { name: "all parse", facts: bundle({ certificates: 140 }), status: "pass" },
  { name: "empty file", facts: bundle({ certificates: 0, layer: 2 }), status: "fail", text: `The CA bundle ${BUNDLE} (layer 3) holds no certificate that parses.` },
  { name: "only garbage", facts: bundle({ certificates: 0, unparsable: 3 }), status: "fail", text: "(3 unparsable blocks)" },
  { name: "one bad block", facts: bundle({ certificates: 139, unparsable: 1 }), status: "fail", text: "has 1 certificate block that does not parse (beside 139 that do)" },
  { name: "no bundle", facts: none, status: "skip", text: "IMG-CA-001" },
  {
    name: "contents not read",
    facts: facts({ certificates: { present: true, bundle: { path: BUNDLE, layer: 1 } } }),
    status: "skip",
    text: "were not read",
  },
]);

table(caBundleFresh, [
  { name: "nothing expired", facts: bundle({ certificates: 140 }), status: "pass" },
  { name: "Debian-like: a handful expired", facts: bundle({ certificates: 146, expired: 4 }), status: "pass" },
  { name: "exactly at the limit", facts: bundle({ certificates: 100, expired: 10 }), status: "pass" },
  {
    name: "old bundle",
    facts: bundle({ certificates: 120, expired: 30 }),
    status: "fail",
    text: `The CA bundle ${BUNDLE} (layer 2) is stale: 30 expired of 120 certificates (25%, more than 10%); the earliest expired on 2021-09-30.`,
  },
  { name: "stricter limit", facts: bundle({ certificates: 146, expired: 4 }), options: { maxExpiredPercent: 0 }, status: "fail", text: "4 expired of 146" },
  { name: "expiring soon ignored by default", facts: bundle({ certificates: 100, expired: 5, expiringWithin30Days: 10 }), status: "pass" },
  {
    name: "expiring soon counted",
    facts: bundle({ certificates: 100, expired: 5, expiringWithin30Days: 10 }),
    options: { includeExpiringWithin30Days: true },
    status: "fail",
    text: "5 expired and 10 expiring within 30 days of 100 certificates (15%",
  },
  { name: "no bundle", facts: none, status: "skip", text: "IMG-CA-001" },
  { name: "no parsable certificates", facts: bundle({ certificates: 0, unparsable: 2 }), status: "skip", text: "IMG-CA-002" },
]);

describe("IMG-CA-003 options", () => {
  it("rejects a percentage outside 0..100", () => {
    expect(optionsErrors(caBundleFresh, { maxExpiredPercent: 150, includeExpiringWithin30Days: false })).not.toEqual([]);
    expect(optionsErrors(caBundleFresh, { maxExpiredPercent: 2.5 })).toEqual([]);
  });
});

/** Zoneinfo facts as inspection makes them: zone names in the image and the TZ check. */
const zones = (tz: string | undefined, names: string[]) =>
  facts({
    config: { env: tz === undefined ? [] : [{ name: "TZ", value: tz }] },
    zoneinfo: {
      present: names.length > 0,
      zones: names.length,
      ...(names.length ? { root: "/usr/share/zoneinfo" } : {}),
      tz: checkTz(tz, new Set(names)),
    },
  });
const tzdata = ["Europe/Paris", "America/New_York", "UTC", "Etc/UTC"];

table(zoneinfoPresent, [
  { name: "TZ zone present", facts: zones("Europe/Paris", tzdata), status: "pass" },
  { name: "TZ path present", facts: zones("/usr/share/zoneinfo/America/New_York", tzdata), status: "pass" },
  {
    name: "TZ zone on scratch",
    facts: zones("Europe/Paris", []),
    status: "fail",
    text: "TZ=Europe/Paris in ENV, but image has no time zone database (tzdata) for TZ 'Europe/Paris': the program will run in UTC.",
  },
  { name: "TZ zone missing from tzdata", facts: zones("Asia/Tokyo", tzdata), status: "fail", text: "time zone 'Asia/Tokyo' is not in the image's zoneinfo" },
  {
    name: "Go binary with embedded tzdata",
    facts: facts(zones("Europe/Paris", []), entrypointAt("/app", elf({ go: goInfo({ "-tags": "netgo,timetzdata" }) }))),
    status: "pass",
  },
  { name: "TZ unset", facts: zones(undefined, []), status: "skip", text: "TZ is not set" },
  { name: "TZ posix rule", facts: zones("EST5EDT,M3.2.0,M11.1.0", []), status: "skip", text: "POSIX rule" },
  { name: "TZ=UTC needs no file", facts: zones("UTC", []), status: "skip" },
  { name: "required, present", facts: zones(undefined, tzdata), options: { required: true }, status: "pass" },
  { name: "required, absent", facts: zones(undefined, []), options: { required: true }, status: "fail", text: "no time zone database" },
]);
