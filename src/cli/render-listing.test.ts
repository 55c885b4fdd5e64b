/** The text listing: tar -tv style modes, aligned columns, escaped names. */
import { describe, expect, it } from "vitest";
import type { ListedEntry } from "./list-tree.js";
import { modeString, renderListing } from "./render-listing.js";

describe("modeString", () => {
  const cases: [Parameters<typeof modeString>, string][] = [
    [["dir", 0o755], "drwxr-xr-x"],
    [["file", 0o4755], "-rwsr-xr-x"],
    [["file", 0o4644], "-rwSr--r--"],
    [["file", 0o2711], "-rwx--s--x"],
    [["file", 0o2600], "-rw---S---"],
    [["dir", 0o1777], "drwxrwxrwt"],
    [["dir", 0o1770], "drwxrwx--T"],
    [["symlink", 0o777], "lrwxrwxrwx"],
    [["hardlink", 0o644], "hrw-r--r--"],
    [["char", 0o666], "crw-rw-rw-"],
    [["block", 0o660], "brw-rw----"],
    [["fifo", 0o644], "prw-r--r--"],
    [["other", 0], "?---------"],
  ];
  for (const [[type, mode], want] of cases) it(`${type} ${mode.toString(8)} → ${want}`, () => expect(modeString(type, mode)).toBe(want));
});

describe("renderListing", () => {
  const e = (over: Partial<ListedEntry>): ListedEntry => ({ path: "/x", type: "file", mode: 0o644, uid: 0, gid: 0, size: 0, layer: 0, ...over });

  it("aligns the columns and shows link targets", () => {
    const text = renderListing([
      e({ path: "/etc", type: "dir", mode: 0o755, layer: 0 }),
      e({ path: "/bin", type: "dir", mode: 0o755, layer: 1, implicit: true }),
      e({ path: "/bin/busybox", mode: 0o755, size: 1982256, uid: 1234, gid: 5678, layer: 10 }),
      e({ path: "/bin/sh", type: "symlink", mode: 0o777, linkname: "busybox", layer: 1 }),
      e({ path: "/bin/ash", type: "hardlink", mode: 0o755, linkname: "/bin/busybox", layer: 1 }),
    ]);
    expect(text).toBe(
      [
        "drwxr-xr-x 0/0             0 L0  /etc",
        "drwxr-xr-x 0/0             0 L1* /bin",
        "-rwxr-xr-x 1234/5678 1982256 L10 /bin/busybox",
        "lrwxrwxrwx 0/0             0 L1  /bin/sh -> busybox",
        "hrwxr-xr-x 0/0             0 L1  /bin/ash link to /bin/busybox",
        "",
      ].join("\n"),
    );
  });

  it("escapes control characters and bidi overrides in names and targets, one line an entry", () => {
    const text = renderListing([e({ path: "/a\nb\u001b[31m\u202e\u0085\u007f" }), e({ path: "/l", type: "symlink", linkname: "\u2066x\ty" })]);
    expect(text.split("\n")).toHaveLength(3);
    expect(text).toContain("/a\\x0ab\\x1b[31m\\u202e\\x85\\x7f\n");
    expect(text).toContain("/l -> \\u2066x\\x09y\n");
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it("shows a backslash as \\\\, so a name holding the text \\n is not read as one holding a newline", () => {
    const text = renderListing([e({ path: "/a\\nb" }), e({ path: "/a\nb" }), e({ path: "/l", type: "symlink", linkname: "C:\\x" })]);
    expect(text).toContain(" /a\\\\nb\n");
    expect(text).toContain(" /a\\x0ab\n");
    expect(text).toContain(" /l -> C:\\\\x\n");
  });

  it("aligns 300,000 entries without spreading them into one call (the stack holds fewer arguments)", () => {
    const many = Array.from({ length: 300_000 }, (_, i) => e({ path: `/f${i}`, size: i }));
    const lines = renderListing(many).split("\n");
    expect(lines).toHaveLength(300_001);
    expect(lines[0]).toMatch(/^-\S+ \S+ +0 /);
    expect(lines[299_999]).toMatch(/ 299999 L\d+ +\/f299999$/);
  });

  it("is empty for no entries", () => expect(renderListing([])).toBe(""));
});
