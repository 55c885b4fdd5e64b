import { describe, expect, it } from "vitest";
import { apiHost, canonical, familiar, familiarName, isLoopback, manifestIdentifier, parseRegistryReference } from "./reference.js";

const D = "sha256:" + "ab".repeat(32);

describe("parseRegistryReference", () => {
  const good: [string, string, string, string | undefined, string | undefined][] = [
    // input, registry, repository, tag, digest
    ["busybox", "docker.io", "library/busybox", undefined, undefined],
    ["busybox:1.36", "docker.io", "library/busybox", "1.36", undefined],
    ["docker.io/library/busybox", "docker.io", "library/busybox", undefined, undefined],
    ["docker.io/busybox", "docker.io", "library/busybox", undefined, undefined],
    ["index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", undefined],
    ["registry-1.docker.io/team/app", "docker.io", "team/app", undefined, undefined],
    ["team/app", "docker.io", "team/app", undefined, undefined],
    ["team/sub/app:v2", "docker.io", "team/sub/app", "v2", undefined],
    ["localhost/a", "localhost", "a", undefined, undefined],
    ["localhost:5000/a", "localhost:5000", "a", undefined, undefined],
    ["localhost:5000/a:1.0", "localhost:5000", "a", "1.0", undefined],
    ["a:5000", "docker.io", "library/a", "5000", undefined], // a tag, not a port
    ["localhost:5000", "docker.io", "library/localhost", "5000", undefined], // ditto: one component
    ["a:5000/b", "a:5000", "b", undefined, undefined],
    ["example.com/x", "example.com", "x", undefined, undefined],
    ["Example.COM:443/x/y:Tag_1", "Example.COM:443", "x/y", "Tag_1", undefined],
    ["127.0.0.1:5000/team/app:1.4.2", "127.0.0.1:5000", "team/app", "1.4.2", undefined],
    ["[::1]:5000/a", "[::1]:5000", "a", undefined, undefined],
    ["[fe80::1]/a:t", "[fe80::1]", "a", "t", undefined],
    ["ghcr.io/org/img-name_x.y__z--w:latest", "ghcr.io", "org/img-name_x.y__z--w", "latest", undefined],
    [`busybox@${D}`, "docker.io", "library/busybox", undefined, D],
    [`busybox:1@${D}`, "docker.io", "library/busybox", "1", D],
    [`localhost:5000/a@${D}`, "localhost:5000", "a", undefined, D],
    [`x.io/a@sha512:${"0".repeat(128)}`, "x.io", "a", undefined, `sha512:${"0".repeat(128)}`],
  ];
  for (const [input, registry, repository, tag, digest] of good) {
    it(`parses ${input}`, () => {
      const r = parseRegistryReference(input);
      expect({ registry: r.registry, repository: r.repository, tag: r.tag, digest: r.digest }).toEqual({ registry, repository, tag, digest });
      expect(r.original).toBe(input);
    });
  }

  const bad: [string, RegExp][] = [
    ["", /empty image reference/],
    ["Foo", /must be lowercase/],
    ["team/App", /must be lowercase/],
    ["busybox:", /invalid tag ''/],
    ["busybox:-x", /invalid tag/],
    [`busybox:${"t".repeat(129)}`, /invalid tag/],
    ["busybox@sha256:abc", /invalid digest/],
    [`busybox@md5:${"a".repeat(32)}`, /unsupported digest algorithm 'md5'/],
    [`busybox@sha256:${"A".repeat(64)}`, /64 lowercase hex digits/],
    [`busybox@sha256:${"a".repeat(65)}`, /64 lowercase hex digits/],
    ["a".repeat(64), /image ID, not a name/],
    ["team//app", /invalid repository name/],
    ["team/app_", /invalid repository name/],
    ["-x/app", /invalid repository name/],
    ["ex_ample.com/app", /invalid registry host/],
    ["localhost:5000/", /invalid repository name ''|no repository name/],
    [":tag", /no repository name/],
    ["UPPER CASE", /not a valid image reference/],
    [`x.io/${"a".repeat(260)}`, /longer than 255/],
  ];
  for (const [input, re] of bad) {
    it(`rejects '${input.slice(0, 40)}'`, () => {
      expect(() => parseRegistryReference(input)).toThrow(re);
    });
  }

  it("treats docker.io/library/busybox and busybox as the same image", () => {
    const a = parseRegistryReference("docker.io/library/busybox");
    const b = parseRegistryReference("busybox");
    const c = parseRegistryReference("index.docker.io/busybox:latest");
    expect(canonical(a)).toBe("docker.io/library/busybox:latest");
    expect(canonical(b)).toBe(canonical(a));
    expect(canonical(c)).toBe(canonical(a));
  });
});

describe("short and canonical forms", () => {
  const table: [string, string, string, string][] = [
    // input, familiarName, familiar, canonical
    ["busybox", "busybox", "busybox", "docker.io/library/busybox:latest"],
    ["docker.io/library/busybox:1", "busybox", "busybox:1", "docker.io/library/busybox:1"],
    ["library/busybox", "busybox", "busybox", "docker.io/library/busybox:latest"],
    ["team/app:2", "team/app", "team/app:2", "docker.io/team/app:2"],
    ["docker.io/library/x/y", "library/x/y", "library/x/y", "docker.io/library/x/y:latest"],
    ["localhost:5000/a", "localhost:5000/a", "localhost:5000/a", "localhost:5000/a:latest"],
    [`a@${D}`, "a", `a@${D}`, `docker.io/library/a@${D}`],
  ];
  for (const [input, name, fam, canon] of table) {
    it(input, () => {
      const r = parseRegistryReference(input);
      expect(familiarName(r)).toBe(name);
      expect(familiar(r)).toBe(fam);
      expect(canonical(r)).toBe(canon);
    });
  }
});

describe("what is asked and where", () => {
  it("asks for the digest when pinned, the tag otherwise, latest by default", () => {
    expect(manifestIdentifier(parseRegistryReference("a"))).toBe("latest");
    expect(manifestIdentifier(parseRegistryReference("a:1"))).toBe("1");
    expect(manifestIdentifier(parseRegistryReference(`a:1@${D}`))).toBe(D);
  });
  it("talks to registry-1.docker.io for docker.io", () => {
    expect(apiHost("docker.io")).toBe("registry-1.docker.io");
    expect(apiHost("localhost:5000")).toBe("localhost:5000");
  });
  it("knows loopback registries", () => {
    for (const h of ["localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000", "[::1]"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["example.com", "10.0.0.1:5000", "[fe80::1]:5000", "localhost.example.com", "docker.io"]) expect(isLoopback(h), h).toBe(false);
  });
});
