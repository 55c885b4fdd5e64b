import { describe, expect, it } from "vitest";
import { answerOf, connectionCause, describeAnswer, distributionCodes, distributionErrors, registryError } from "./error-body.js";

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe("describeAnswer", () => {
  const table: [string, number, string | undefined, Buffer, string | RegExp][] = [
    ["a distribution error", 404, "application/json", json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "1.4.2" } }] }), "manifest unknown"],
    ["a code without message", 404, "application/json", json({ errors: [{ code: "NAME_UNKNOWN" }] }), "name unknown"],
    [
      "several errors, repeats once",
      401,
      "application/json",
      json({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }, { code: "UNAUTHORIZED", message: "authentication required" }, { code: "DENIED", message: "requested access to the resource is denied" }] }),
      "authentication required; requested access to the resource is denied",
    ],
    ["a message over lines", 400, undefined, json({ errors: [{ code: "X", message: "line one\nline two\ttabbed" }] }), "line one line two tabbed"],
    ["HTML with a title", 502, "text/html", Buffer.from("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"), 'answered with an HTML page, not the registry API (HTTP 502, title "502 Bad Gateway")'],
    ["HTML sent as JSON", 200, "application/json", Buffer.from("<!DOCTYPE html>\n<html><body>login</body></html>"), "answered with an HTML page, not the registry API (HTTP 200)"],
    ["plain text", 503, "text/plain", Buffer.from("upstream\nunavailable"), "HTTP 503 server error: upstream unavailable"],
    ["an empty body", 403, undefined, Buffer.alloc(0), "HTTP 403 access denied"],
    ["binary garbage", 500, undefined, Buffer.from([0, 1, 2, 255]), "HTTP 500 server error"],
    ["JSON without errors", 404, "application/json", json({ message: "nope" }), /^HTTP 404 not found: \{"message":"nope"\}$/],
    ["a long text", 500, "text/plain", Buffer.from("x".repeat(500)), /^HTTP 500 server error: x{119}…$/],
  ];
  for (const [name, status, type, body, want] of table) {
    it(name, () => {
      const got = describeAnswer(status, type, body);
      if (typeof want === "string") expect(got).toBe(want);
      else expect(got).toMatch(want);
      expect(got).not.toContain("\n");
    });
  }

  it("reads the errors array only when it is one", () => {
    expect(distributionErrors(json({ errors: [] }))).toBeUndefined();
    expect(distributionErrors(Buffer.from("not json"))).toBeUndefined();
  });
});

describe("distributionCodes", () => {
  it("reads every code once, in order, upper case", () => {
    const body = json({ errors: [{ code: "UNAUTHORIZED" }, { code: "denied", message: "no" }, { code: "UNAUTHORIZED" }, { code: " NAME_UNKNOWN " }] });
    expect(distributionCodes(body)).toEqual(["UNAUTHORIZED", "DENIED", "NAME_UNKNOWN"]);
  });

  it("keeps nothing that is not a code: other types, long or odd words, no errors array, not JSON", () => {
    expect(distributionCodes(json({ errors: [{ code: 404 }, { code: "x".repeat(65) }, { code: "MANIFEST UNKNOWN" }, { code: "Bearer abc.def" }, {}, null] }))).toEqual([]);
    expect(distributionCodes(json({ errors: "MANIFEST_UNKNOWN" }))).toEqual([]);
    expect(distributionCodes(Buffer.from("<html>MANIFEST_UNKNOWN</html>"))).toEqual([]);
  });

  it("give an error its status and codes; none when there was no answer", () => {
    const ctx = { registry: "127.0.0.1:5000", repository: "team/app" };
    const err = registryError(ctx, "manifest unknown", { answer: answerOf(404, json({ errors: [{ code: "MANIFEST_UNKNOWN" }] })) });
    expect({ status: err.status, codes: err.codes }).toEqual({ status: 404, codes: ["MANIFEST_UNKNOWN"] });
    expect(err.hasCode("NAME_UNKNOWN", "MANIFEST_UNKNOWN")).toBe(true);
    const none = registryError(ctx, "cannot connect: connection refused");
    expect({ status: none.status, codes: none.codes }).toEqual({ status: undefined, codes: [] });
    expect(none.hasCode("MANIFEST_UNKNOWN")).toBe(false);
  });
});

describe("messages", () => {
  it("name the registry and the repository, in one line", () => {
    const err = registryError({ registry: "127.0.0.1:5000", repository: "team/app" }, "manifest unknown (tag 1.4.2)");
    expect(err.message).toBe("registry 127.0.0.1:5000: repository team/app: manifest unknown (tag 1.4.2)");
    expect(err.kind).toBe("registry");
  });

  it("say what a connection failure means", () => {
    const e = (code: string, message = code) => Object.assign(new Error(message), { code });
    expect(connectionCause(e("ECONNREFUSED"))).toBe("cannot connect: connection refused");
    expect(connectionCause(e("ENOTFOUND"))).toBe("cannot connect: unknown host");
    expect(connectionCause(e("ECONNRESET"))).toBe("the connection was dropped");
    expect(connectionCause(e("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"))).toMatch(/TLS certificate not trusted \(self-signed certificate\); add its CA with --ca-cert FILE/);
    expect(connectionCause(e("EPROTO", "SSL routines::wrong version number"))).toMatch(/does not speak HTTPS.*--insecure-registry/);
  });
});
