import { describe, expect, it } from "vitest";
import { parseGroup, parsePasswd } from "./passwd.js";
import { resolveUser } from "./user-resolve.js";

const passwd = parsePasswd(
  [
    "root:x:0:0:root:/root:/bin/sh",
    "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin",
    "app:x:1000:1001::/home/app:/bin/sh",
    "1234:x:2000:2000::/:/bin/sh",
  ].join("\n"),
).entries;
const group = parseGroup(
  ["root:x:0:", "staff:x:50:app", "appgrp:x:1001:", "nogroup:x:65534:"].join("\n"),
).entries;

describe("resolveUser", () => {
  it("treats an empty or missing spec as root", () => {
    expect(resolveUser(undefined)).toMatchObject({ spec: "", uid: 0, gid: 0, root: true, resolved: true, numeric: false });
    expect(resolveUser("", passwd, group)).toMatchObject({
      spec: "",
      user: "root",
      uid: 0,
      gid: 0,
      group: "root",
      root: true,
      resolved: true,
    });
  });

  it("resolves a name through /etc/passwd, with its primary group", () => {
    expect(resolveUser("app", passwd, group)).toEqual({
      spec: "app",
      user: "app",
      uid: 1000,
      gid: 1001,
      group: "appgrp",
      root: false,
      numeric: false,
      resolved: true,
    });
  });

  it("resolves a numeric uid with or without a passwd entry", () => {
    expect(resolveUser("65534", passwd, group)).toMatchObject({
      user: "nobody",
      uid: 65534,
      gid: 65534,
      group: "nogroup",
      numeric: true,
      resolved: true,
      root: false,
    });
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
    expect(resolveUser("app:staff", passwd, group)).toMatchObject({ uid: 1000, gid: 50, group: "staff", resolved: true });
    expect(resolveUser("app:777", passwd, group)).toMatchObject({ uid: 1000, gid: 777, resolved: true });
    expect(resolveUser("1000:1001", passwd, group)).toMatchObject({ user: "app", uid: 1000, gid: 1001, group: "appgrp" });
    expect(resolveUser("5000:staff", passwd, group)).toMatchObject({ uid: 5000, gid: 50, group: "staff" });
    expect(resolveUser("5000:6000")).toMatchObject({ uid: 5000, gid: 6000, numeric: true, resolved: true });
    expect(resolveUser(":staff", passwd, group)).toMatchObject({ user: "root", uid: 0, gid: 50, root: true });
    expect(resolveUser("app:", passwd, group)).toMatchObject({ uid: 1000, gid: 1001 });
  });

  it("explains names that cannot be resolved", () => {
    expect(resolveUser("ghost", passwd, group)).toEqual({
      spec: "ghost",
      root: false,
      numeric: false,
      resolved: false,
      problem: "user 'ghost' is not in /etc/passwd",
    });
    expect(resolveUser("app")).toMatchObject({
      resolved: false,
      problem: "image has no /etc/passwd to resolve user 'app'",
    });
    expect(resolveUser("app:wheel", passwd, group)).toMatchObject({
      uid: 1000,
      resolved: false,
      problem: "group 'wheel' is not in /etc/group",
    });
    expect(resolveUser("app:staff", passwd)).toMatchObject({
      resolved: false,
      problem: "image has no /etc/group to resolve group 'staff'",
    });
  });

  it("still reports root intent when user root cannot be resolved", () => {
    expect(resolveUser("root")).toMatchObject({ root: true, resolved: false });
  });

  it("rejects ids outside 0..2^31-1", () => {
    expect(resolveUser("-1")).toMatchObject({ resolved: false, numeric: true, problem: expect.stringContaining("out of range") });
    expect(resolveUser("2147483648")).toMatchObject({ resolved: false });
    expect(resolveUser("1:-5")).toMatchObject({ resolved: false, uid: 1, problem: expect.stringContaining("gid -5") });
    expect(resolveUser("2147483647:2147483647")).toMatchObject({ resolved: true });
  });

  it("ignores anything after a second colon", () => {
    expect(resolveUser("1:2:3")).toMatchObject({ uid: 1, gid: 2, resolved: true });
  });
});
