import { describe, expect, it } from "vitest";
import { DEFAULT_TOKEN_SKIP_DIRS, SKIP_DIR_PATTERN, skipDirsMatcher } from "./token-search-scope.js";

describe("skipDirsMatcher", () => {
  const skip = skipDirsMatcher(DEFAULT_TOKEN_SKIP_DIRS);

  it("leaves out distribution data, by directory", () => {
    for (const p of ["/usr/include/c++/12/string", "/usr/share/doc/git/README", "/var/lib/dpkg/info/git.list", "/usr/lib/python3.11/ssl.py", "/usr/local/go/src/net/http/server.go", "/usr/share/go-1.19/src/a.go", "/usr/share/cmake-3.25/Modules/x.cmake"]) {
      expect(skip(p), p).toBe(true);
    }
  });

  it("searches application paths, web roots and look-alikes", () => {
    for (const p of ["/app/config.js", "/etc/app.env", "/root/.npmrc", "/usr/share/nginx/html/main.js", "/usr/local/lib/python3.11/site-packages/app/settings.py", "/usr/include", "/usr/includes/x", "/usr/lib/python2.7/x.py", "/usr/lib/python3/dist-packages/myapp/settings.py", "/usr/lib/python3.11/site-packages/app/settings.py", "/usr/lib/google-cloud-sdk/lib/x.py", "/usr/share/gocode/x.js", "/usr/lib/golang-app/x", "/usr/share/docs/x", "/srv/usr/include/x"]) {
      expect(skip(p), p).toBe(false);
    }
  });

  it("takes `*` within one segment only, exceptions after \"!\", and ignores malformed entries", () => {
    const m = skipDirsMatcher(["/opt/a*/", "/x.y/", "relative/", "/no-slash", "/opt/(b)/", "/srv/", "!/srv/keep/"]);
    expect(m("/srv/x")).toBe(true);
    expect(m("/srv/keep/x")).toBe(false);
    expect(m("/srv/keeper/x")).toBe(true);
    expect(m("/opt/abc/f")).toBe(true);
    expect(m("/opt/a/b/f")).toBe(true); // (a* matches "a", then /b/f is inside)
    expect(m("/opt/xa/f")).toBe(false);
    expect(m("/x.y/f")).toBe(true);
    expect(m("/xzy/f")).toBe(false);
    expect(m("/opt/(b)/f")).toBe(true);
    expect(m("/opt/b/f")).toBe(false);
    expect(m("/relative/f")).toBe(false);
    expect(m("/no-slash/f")).toBe(false);
  });

  it("matches in linear time: many stars against a long segment", () => {
    const m = skipDirsMatcher(["/" + "*a".repeat(40) + "*b/"]);
    const path = "/" + "a".repeat(5000) + "/f.txt";
    // (a regular expression backtracks for hours here: the test would time out)
    expect(m(path)).toBe(false);
    expect(m("/" + "ab".repeat(40) + "b/f.txt")).toBe(true);
  });

  it("skips nothing for [] and everything for /", () => {
    expect(skipDirsMatcher([])("/usr/include/x")).toBe(false);
    expect(skipDirsMatcher(["/"])("/app/x")).toBe(true);
  });

  it("every default entry has the documented form", () => {
    for (const d of DEFAULT_TOKEN_SKIP_DIRS) expect(d).toMatch(new RegExp(SKIP_DIR_PATTERN));
  });
});
