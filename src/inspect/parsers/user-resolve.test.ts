import { describe, expect, it } from "vitest";
import type { AccountSource } from "./exec-user.js";
import { resolveUser } from "./user-resolve.js";

const file = (...lines: string[]): AccountSource => ({ kind: "bytes", bytes: Buffer.from(lines.join("\n") + "\n") });

const passwd = file(
  "root:x:0:0:root:/root:/bin/sh",
  "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin",
  "app:x:1000:1001::/home/app:/bin/sh",
  "1234:x:2000:2000::/:/bin/sh",
);
const group = file("root:x:0:", "staff:x:50:app", "appgrp:x:1001:", "nogroup:x:65534:");

describe("resolveUser", () => {
  it("treats an empty or missing spec as root", () => {
    expect(resolveUser(undefined)).toMatchObject({ spec: "", uid: 0, gid: 0, groups: [0], root: true, resolved: true, status: "runs", numeric: false });
    expect(resolveUser("", passwd, group)).toMatchObject({ spec: "", user: "root", uid: 0, gid: 0, group: "root", root: true, resolved: true });
  });

  it("resolves a name through /etc/passwd, with its primary group and the groups it is a member of", () => {
    expect(resolveUser("app", passwd, group)).toEqual({
      spec: "app",
      user: "app",
      uid: 1000,
      gid: 1001,
      group: "appgrp",
      groups: [50, 1001],
      root: false,
      numeric: false,
      resolved: true,
      status: "runs",
    });
  });

  it("resolves a numeric uid with or without a passwd entry", () => {
    expect(resolveUser("65534", passwd, group)).toMatchObject({ user: "nobody", uid: 65534, gid: 65534, group: "nogroup", numeric: true, resolved: true, root: false });
    const bare = resolveUser("4242", passwd, group);
    expect(bare).toMatchObject({ uid: 4242, gid: 0, numeric: true, resolved: true, root: false });
    expect(bare.user).toBeUndefined();
    expect(resolveUser("4242")).toMatchObject({ uid: 4242, gid: 0, resolved: true });
    expect(resolveUser("0")).toMatchObject({ uid: 0, root: true, numeric: true, resolved: true });
  });

  it("always treats a numeric user as a uid, never as a name", () => {
    expect(resolveUser("1234", passwd)).toMatchObject({ uid: 1234, gid: 0, resolved: true });
  });

  it("handles every user:group form", () => {
    expect(resolveUser("app:staff", passwd, group)).toMatchObject({ uid: 1000, gid: 50, group: "staff", groups: [50], resolved: true });
    expect(resolveUser("app:777", passwd, group)).toMatchObject({ uid: 1000, gid: 777, resolved: true });
    expect(resolveUser("1000:1001", passwd, group)).toMatchObject({ user: "app", uid: 1000, gid: 1001, group: "appgrp" });
    expect(resolveUser("5000:staff", passwd, group)).toMatchObject({ uid: 5000, gid: 50, group: "staff" });
    expect(resolveUser("5000:6000")).toMatchObject({ uid: 5000, gid: 6000, numeric: true, resolved: true });
    expect(resolveUser(":staff", passwd, group)).toMatchObject({ user: "root", uid: 0, gid: 50, root: true });
    expect(resolveUser("app:", passwd, group)).toMatchObject({ uid: 1000, gid: 1001 });
  });

  it("explains names that cannot be resolved: the engine refuses to start", () => {
    expect(resolveUser("ghost", passwd, group)).toEqual({
      spec: "ghost",
      root: false,
      numeric: false,
      resolved: false,
      status: "refused",
      problem: "user 'ghost' is not in /etc/passwd",
      problemFile: "passwd",
    });
    expect(resolveUser("app")).toMatchObject({ resolved: false, status: "refused", problem: "the image has no /etc/passwd to resolve user 'app'" });
    expect(resolveUser("app:wheel", passwd, group)).toMatchObject({ resolved: false, problem: "group 'wheel' is not in /etc/group", problemFile: "group" });
    expect(resolveUser("app:staff", passwd)).toMatchObject({ resolved: false, problem: "the image has no /etc/group to resolve group 'staff'" });
  });

  it("still reports root intent when user root cannot be resolved", () => {
    expect(resolveUser("root")).toMatchObject({ root: true, resolved: false });
    expect(resolveUser("0:wheel")).toMatchObject({ root: true, resolved: false });
  });

  it("rejects ids outside 0..2^31-1 that no line names", () => {
    expect(resolveUser("-1")).toMatchObject({ resolved: false, numeric: true, problem: expect.stringContaining("out of range") });
    expect(resolveUser("2147483648")).toMatchObject({ resolved: false });
    expect(resolveUser("1:-5")).toMatchObject({ resolved: false, problem: expect.stringContaining("gid -5") });
    expect(resolveUser("2147483647:2147483647")).toMatchObject({ resolved: true });
  });

  it("ignores anything after a second colon", () => {
    expect(resolveUser("1:2:3")).toMatchObject({ uid: 1, gid: 2, resolved: true });
  });
});

describe("resolveUser reads the account files as the engine does", () => {
  it("takes the FIRST line of a name, whose bad uid is 0 (strconv.Atoi's error ignored)", () => {
    const pw = file("root:x:0:0::/:/bin/sh", "app:x:10001x:10001::/:/bin/sh", "app:x:10001:10001::/:/bin/sh");
    expect(resolveUser("app", pw)).toMatchObject({ uid: 0, gid: 10001, root: true, resolved: true });
  });

  it("reads lines with too few fields, and trims white space around a line", () => {
    expect(resolveUser("app", file("app:x:1000"))).toMatchObject({ uid: 1000, gid: 0 });
    expect(resolveUser("app", file("  app:x:1000:1000::/:/bin/sh\r"))).toMatchObject({ uid: 1000, gid: 1000 });
    expect(resolveUser("app", file("app"))).toMatchObject({ uid: 0, root: true, resolved: true });
    // a non-breaking space is white space to Go's TrimSpace
    expect(resolveUser("app", file("\u00a0app:x:7:7"))).toMatchObject({ uid: 7 });
  });

  it("has no comments in /etc/passwd, but skips them in /etc/group", () => {
    expect(resolveUser("#app", file("#app:x:5:5"))).toMatchObject({ uid: 5 });
    expect(resolveUser("1:#g", file(), file("#g:x:9:"))).toMatchObject({ resolved: false, status: "refused" });
    expect(resolveUser("1:g", file(), file("  # g:x:9:", "g:x:8:"))).toMatchObject({ gid: 8 });
  });

  it("clamps numbers past 2^63 and truncates ids to 32 bits", () => {
    expect(resolveUser("app", file("app:x:4294967296:0"))).toMatchObject({ uid: 0, root: true });
    expect(resolveUser("app", file("app:x:4294968296:0"))).toMatchObject({ uid: 1000, root: false });
    // -1 becomes 4294967295, which runc looks up again and finds out of range
    expect(resolveUser("app", file("app:x:-1:0"))).toMatchObject({ status: "refused", problem: expect.stringContaining("4294967295") });
    // past 2^63 the value is clamped to 2^63-1: 0xffffffff once truncated
    expect(resolveUser("app", file("app:x:99999999999999999999x:0"))).toMatchObject({ status: "refused" });
  });

  it("fails every start when a passwd line is 64 KiB or longer", () => {
    const long = "x".repeat(64 * 1024);
    expect(resolveUser("1000", file("root:x:0:0", long))).toMatchObject({ status: "refused", problem: expect.stringContaining("64") });
    expect(resolveUser(undefined, file("root:x:0:0", long))).toMatchObject({ status: "refused", root: true });
    expect(resolveUser("1000", file("root:x:0:0", long.slice(1)))).toMatchObject({ status: "runs", uid: 1000 });
    // /etc/group lines have no such limit
    expect(resolveUser("1000:5", file(), file(`g:x:5:${long}`))).toMatchObject({ status: "runs", gid: 5 });
  });

  it("gives a group named like a gid its own gid as a supplementary group", () => {
    expect(resolveUser("1000:1000", file(), file("1000:x:0:"))).toMatchObject({ uid: 1000, gid: 1000, groups: [0] });
  });

  it("says 'unknown' when an account file it needs could not be read, and 'refused' for a directory", () => {
    const unknown: AccountSource = { kind: "unknown", why: "too big" };
    expect(resolveUser("1000", unknown)).toMatchObject({ status: "unknown", resolved: false, root: false, problemFile: "passwd" });
    expect(resolveUser("1000", file(), unknown)).toMatchObject({ status: "unknown", problemFile: "group" });
    expect(resolveUser("1000", { kind: "read-error", why: "a directory" })).toMatchObject({ status: "refused" });
  });
});
