import { describe, expect, it } from "vitest";
import { ZONEINFO_ROOTS, checkTz, isPosixTz, isTzif, isZoneinfoPath, zoneName } from "./zoneinfo.js";

describe("ZONEINFO_ROOTS / isZoneinfoPath", () => {
  it("knows the three libc locations", () => {
    expect(ZONEINFO_ROOTS).toEqual(["/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo"]);
  });

  it("matches paths strictly under a root", () => {
    expect(isZoneinfoPath("/usr/share/zoneinfo/UTC")).toBe(true);
    expect(isZoneinfoPath("/usr/lib/zoneinfo/Europe/Paris")).toBe(true);
    expect(isZoneinfoPath("/usr/share/lib/zoneinfo/UTC")).toBe(true);
    expect(isZoneinfoPath("/usr/share/zoneinfo")).toBe(false);
    expect(isZoneinfoPath("/usr/share/zoneinfo-posix/UTC")).toBe(false);
    expect(isZoneinfoPath("/etc/localtime")).toBe(false);
  });
});

describe("zoneName", () => {
  it("returns the name relative to the root", () => {
    expect(zoneName("/usr/share/zoneinfo/Europe/Paris")).toBe("Europe/Paris");
    expect(zoneName("/usr/share/zoneinfo/America/Argentina/Buenos_Aires")).toBe("America/Argentina/Buenos_Aires");
    expect(zoneName("/usr/lib/zoneinfo/UTC")).toBe("UTC");
    expect(zoneName("/usr/share/zoneinfo/Etc/GMT+5")).toBe("Etc/GMT+5");
    expect(zoneName("/usr/share/zoneinfo/right/UTC")).toBe("right/UTC");
    expect(zoneName("/usr/share/zoneinfo/posix/Asia/Tokyo")).toBe("posix/Asia/Tokyo");
  });

  it("excludes the database's non-zone files", () => {
    for (const f of [
      "zone.tab", "zone1970.tab", "zonenow.tab", "iso3166.tab", "tzdata.zi", "leapseconds",
      "leap-seconds.list", "+VERSION", "SECURITY", "posixrules", "localtime", "right/zone.tab",
    ]) {
      expect(zoneName(`/usr/share/zoneinfo/${f}`), f).toBeUndefined();
    }
    expect(zoneName("/usr/share/zoneinfo/.hidden")).toBeUndefined();
  });

  it("returns undefined outside the roots and for a root itself", () => {
    expect(zoneName("/etc/localtime")).toBeUndefined();
    expect(zoneName("/usr/share/zoneinfo")).toBeUndefined();
    expect(zoneName("/usr/share/zoneinfo/")).toBeUndefined();
  });
});

describe("isTzif", () => {
  it("checks the magic", () => {
    expect(isTzif(new TextEncoder().encode("TZif2\0\0\0"))).toBe(true);
    expect(isTzif(new TextEncoder().encode("TZi"))).toBe(false);
    expect(isTzif(new TextEncoder().encode("tzif"))).toBe(false);
    expect(isTzif(new Uint8Array())).toBe(false);
  });
});

describe("isPosixTz", () => {
  it("accepts POSIX TZ rule strings", () => {
    for (const tz of [
      "UTC0", "EST5", "EST5EDT", "EST5EDT,M3.2.0,M11.1.0", "CET-1CEST,M3.5.0,M10.5.0/3",
      "<+03>-3", "<-0330>3:30", "NZST-12NZDT,M9.5.0,M4.1.0/3", "IST-5:30", "AAA+1BBB-2,J60/2,300/-1:30",
      "EST5EDT4,M3.2.0/02:00:00,M11.1.0/02:00:00",
    ]) {
      expect(isPosixTz(tz), tz).toBe(true);
    }
  });

  it("rejects zone names and junk", () => {
    for (const tz of ["UTC", "Europe/Paris", "Etc/GMT+5", "EST", "E5", "EST5EDT,M3.2.0", "<+03>", ""]) {
      expect(isPosixTz(tz), tz).toBe(false);
    }
  });
});

describe("checkTz", () => {
  const zones = new Set(["UTC", "Europe/Paris", "EST5EDT", "/etc/custom-tz"]);

  it("reports an unset or empty TZ as none", () => {
    expect(checkTz(undefined, zones)).toEqual({ tz: undefined, kind: "none", exists: true });
    expect(checkTz("", zones)).toEqual({ tz: "", kind: "none", exists: true });
    expect(checkTz(":", zones)).toMatchObject({ kind: "none", exists: true });
  });

  it("looks zone names up, with or without a leading colon", () => {
    expect(checkTz("Europe/Paris", zones)).toEqual({ tz: "Europe/Paris", kind: "zone", exists: true });
    expect(checkTz(":Europe/Paris", zones)).toEqual({ tz: ":Europe/Paris", kind: "zone", exists: true });
    expect(checkTz("Europe/Pariss", zones)).toEqual({
      tz: "Europe/Pariss",
      kind: "zone",
      exists: false,
      problem: "time zone 'Europe/Pariss' is not in the image's zoneinfo",
    });
    expect(checkTz("Asia/Tokyo", new Set())).toMatchObject({
      exists: false,
      problem: "image has no time zone database (tzdata) for TZ 'Asia/Tokyo'",
    });
  });

  it("checks absolute paths through the zone name or the path itself", () => {
    expect(checkTz("/usr/share/zoneinfo/UTC", zones)).toEqual({ tz: "/usr/share/zoneinfo/UTC", kind: "path", exists: true });
    expect(checkTz(":/usr/lib/zoneinfo/Europe/Paris", zones)).toMatchObject({ kind: "path", exists: true });
    expect(checkTz("/etc/custom-tz", zones)).toMatchObject({ kind: "path", exists: true });
    expect(checkTz("/usr/share/zoneinfo/Asia/Tokyo", zones)).toMatchObject({
      kind: "path",
      exists: false,
      problem: "TZ file '/usr/share/zoneinfo/Asia/Tokyo' is not in the image",
    });
  });

  it("accepts POSIX strings without any zone file", () => {
    for (const tz of ["UTC0", "EST5EDT,M3.2.0,M11.1.0", "<+03>-3"]) {
      expect(checkTz(tz, new Set()), tz).toEqual({ tz, kind: "posix", exists: true });
    }
  });

  it("prefers the zone file when a value is both a zone and a POSIX string", () => {
    expect(checkTz("EST5EDT", zones)).toMatchObject({ kind: "zone", exists: true });
    expect(checkTz("EST5EDT", new Set())).toMatchObject({ kind: "posix", exists: true });
    expect(checkTz(":EST5EDT", new Set())).toMatchObject({ kind: "zone", exists: false });
  });

  it("treats bare UTC and GMT as always available", () => {
    expect(checkTz("UTC", new Set())).toMatchObject({ kind: "posix", exists: true });
    expect(checkTz(":GMT", new Set())).toMatchObject({ kind: "posix", exists: true });
    expect(checkTz("UTC", zones)).toMatchObject({ kind: "zone", exists: true });
  });
});
