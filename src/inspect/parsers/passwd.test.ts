import { describe, expect, it } from "vitest";
import { duplicateIds, duplicateNames, parseGroup, parsePasswd, parseShadow } from "./passwd.js";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "",
  "# a comment",
  "app:x:1000:1000:App User,,,:/home/app:/bin/sh",
  "toor:x:0:0::/root:/bin/sh",
  "+::::::",
  "broken:x:12:12:/nope",
  "baduid:x:abc:1::/:/bin/sh",
  "nouser:x:5:5:::",
].join("\n");

describe("parsePasswd", () => {
  it("parses entries with all fields and 1-based line numbers", () => {
    const { entries } = parsePasswd(PASSWD);
    expect(entries.map((e) => e.name)).toEqual(["root", "daemon", "app", "toor", "nouser"]);
    expect(entries[2]).toEqual({
      name: "app",
      password: "x",
      uid: 1000,
      gid: 1000,
      gecos: "App User,,,",
      home: "/home/app",
      shell: "/bin/sh",
      line: 5,
    });
    expect(entries[4]).toMatchObject({ name: "nouser", home: "", shell: "" });
  });

  it("reports malformed lines but skips blanks, comments and NIS hooks", () => {
    const { malformed } = parsePasswd(PASSWD);
    expect(malformed).toEqual([
      { line: 8, text: "broken:x:12:12:/nope" },
      { line: 9, text: "baduid:x:abc:1::/:/bin/sh" },
    ]);
  });

  it("accepts CRLF line endings and a missing final newline", () => {
    const { entries, malformed } = parsePasswd("root:x:0:0:root:/root:/bin/sh\r\nbin:x:1:1::/bin:/sbin/nologin");
    expect(malformed).toEqual([]);
    expect(entries.map((e) => [e.name, e.shell])).toEqual([
      ["root", "/bin/sh"],
      ["bin", "/sbin/nologin"],
    ]);
  });

  it("rejects ids that are negative, too large or have extra fields", () => {
    const text = "a:x:-1:0::/:/bin/sh\nb:x:4294967296:0::/:/bin/sh\nc:x:1:1::/:/bin/sh:extra\nd:x:4294967295:0::/:/bin/sh";
    const { entries, malformed } = parsePasswd(text);
    expect(entries.map((e) => e.name)).toEqual(["d"]);
    expect(malformed.map((m) => m.line)).toEqual([1, 2, 3]);
  });

  it("returns nothing for empty text", () => {
    expect(parsePasswd("")).toEqual({ entries: [], malformed: [] });
  });
});

describe("parseGroup", () => {
  it("parses names, gids and member lists", () => {
    const { entries, malformed } = parseGroup("root:x:0:\nwheel:x:10:root, app\nstaff:x:50:app,\nbad:x:z:\nshort:x:1");
    expect(entries).toEqual([
      { name: "root", password: "x", gid: 0, members: [], line: 1 },
      { name: "wheel", password: "x", gid: 10, members: ["root", "app"], line: 2 },
      { name: "staff", password: "x", gid: 50, members: ["app"], line: 3 },
    ]);
    expect(malformed).toEqual([
      { line: 4, text: "bad:x:z:" },
      { line: 5, text: "short:x:1" },
    ]);
  });
});

describe("parseShadow", () => {
  it("tells empty, locked and hashed passwords apart", () => {
    const text = [
      "root::19000:0:99999:7:::",
      "daemon:*:19000:0:99999:7:::",
      "app:!:19000:0:99999:7:::",
      "rh:!!:19000::::::",
      "user:$6$salt$hash:19000:0:99999:7:::",
      "minimal:",
      "nofields",
      "toolong:x:1:2:3:4:5:6:7:8",
    ].join("\n");
    const { entries, malformed } = parseShadow(text);
    expect(entries.map((e) => [e.name, e.emptyPassword, e.locked])).toEqual([
      ["root", true, false],
      ["daemon", false, true],
      ["app", false, true],
      ["rh", false, true],
      ["user", false, false],
      ["minimal", true, false],
    ]);
    expect(malformed.map((m) => m.line)).toEqual([7, 8]);
  });
});

describe("duplicateIds", () => {
  it("finds duplicate uids in passwd entries", () => {
    const { entries } = parsePasswd(PASSWD);
    expect(duplicateIds(entries)).toEqual([{ id: 0, names: ["root", "toor"] }]);
  });

  it("finds duplicate gids in group entries, sorted by id", () => {
    const { entries } = parseGroup("b:x:20:\na:x:10:\nc:x:20:\nd:x:10:\ne:x:30:");
    expect(duplicateIds(entries)).toEqual([
      { id: 10, names: ["a", "d"] },
      { id: 20, names: ["b", "c"] },
    ]);
  });

  it("returns nothing when ids are unique", () => {
    expect(duplicateIds(parseGroup("a:x:1:\nb:x:2:").entries)).toEqual([]);
  });
});

describe("duplicateNames", () => {
  it("lists names used more than once in order of first appearance", () => {
    const { entries } = parseGroup("a:x:1:\nb:x:2:\nb:x:3:\na:x:4:\nc:x:5:");
    expect(duplicateNames(entries)).toEqual(["a", "b"]);
    expect(duplicateNames([])).toEqual([]);
  });
});
