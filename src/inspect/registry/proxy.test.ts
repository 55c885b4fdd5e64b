import { describe, expect, it } from "vitest";
import { noProxyMatches, proxyAuthorization, proxyDisplay, proxyFor } from "./proxy.js";

describe("NO_PROXY", () => {
  const table: [string, string, string | undefined, boolean][] = [
    ["registry.example.com", "443", undefined, false],
    ["registry.example.com", "443", "", false],
    ["registry.example.com", "443", "*", true],
    ["registry.example.com", "443", "example.com", true],
    ["registry.example.com", "443", ".example.com", true],
    ["example.com", "443", ".example.com", true],
    ["registry.example.com", "443", "*.example.com", true],
    ["registry.example.com", "443", "other.com, example.org", false],
    ["notexample.com", "443", "example.com", false],
    ["registry.example.com", "443", "registry.example.com:5000", false],
    ["registry.example.com", "5000", "registry.example.com:5000", true],
    ["10.1.2.3", "5000", "10.1.2.3", true],
    ["[fd00::1]", "443", "fd00::1", true],
    ["Registry.Example.COM", "443", "example.com", true],
  ];
  for (const [host, port, noProxy, want] of table) {
    it(`${host}:${port} with '${noProxy}' → ${want}`, () => expect(noProxyMatches(host, port, noProxy)).toBe(want));
  }
});

describe("proxyFor", () => {
  const env = { HTTPS_PROXY: "http://proxy:3128", http_proxy: "proxy2:8080", NO_PROXY: "internal.example.com" };
  it("picks HTTPS_PROXY for https and HTTP_PROXY for http, either case", () => {
    expect(proxyFor(new URL("https://r.example.com/v2/"), env)?.href).toBe("http://proxy:3128/");
    expect(proxyFor(new URL("http://r.example.com/v2/"), env)?.href).toBe("http://proxy2:8080/");
  });
  it("skips NO_PROXY hosts and loopback registries", () => {
    expect(proxyFor(new URL("https://internal.example.com/v2/"), env)).toBeUndefined();
    for (const u of ["https://localhost:5000/", "https://127.0.0.1/", "https://[::1]:5000/"]) expect(proxyFor(new URL(u), env), u).toBeUndefined();
  });
  it("ignores what is not an http(s) proxy URL", () => {
    expect(proxyFor(new URL("https://r.example.com/"), { HTTPS_PROXY: "socks5://p:1080" })).toBeUndefined();
    expect(proxyFor(new URL("https://r.example.com/"), {})).toBeUndefined();
  });
  it("sends proxy credentials as Basic and never shows them", () => {
    const p = new URL("http://us%40er:p%3Ass@proxy:3128");
    expect(proxyAuthorization(p)).toBe(`Basic ${Buffer.from("us@er:p:ss").toString("base64")}`);
    expect(proxyAuthorization(new URL("http://proxy:3128"))).toBeUndefined();
    expect(proxyDisplay(p)).toBe("http://proxy:3128");
  });
});
