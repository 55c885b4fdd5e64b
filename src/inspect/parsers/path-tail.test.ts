import { describe, expect, it } from "vitest";
import { lastSegment, pathTail } from "./path-tail.js";

function reference(path: string): { base: string; parent: string } {
  const parts = path.split("/").filter((p) => p !== "");
  return { base: parts.at(-1) ?? "", parent: parts.length > 1 ? parts.at(-2)! : "" };
}

describe("pathTail", () => {
  it("gives the last two non-empty segments, as split and filter would", () => {
    const paths = ["", "/", "//", "a", "/a", "/a/", "/a//", "a/b", "/a/b", "/a/b/", "//a//b//", "/a/b/c", "/.git/x", "/x/ /y", "a//b/c//"];
    for (const p of paths) {
      expect(pathTail(p), p).toEqual(reference(p));
      expect(lastSegment(p), p).toBe(reference(p).base);
    }
  });

  it("agrees with split and filter on random paths", () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const alphabet = ["/", "/", "a", "b", ".", "~"];
    for (let i = 0; i < 5000; i++) {
      let p = "";
      for (let n = rand(10); n > 0; n--) p += alphabet[rand(alphabet.length)];
      expect(pathTail(p), JSON.stringify(p)).toEqual(reference(p));
    }
  });
});
