import { describe, expect, it } from "vitest";
import { describeAnswer, registryError } from "./error-body.js";
import { MIN_SECRET, REDACTED, SentSecrets } from "./sent-secrets.js";

const PASSWORD = "pa ss/wörd+&=\"x";
const USER = "puller";
const PAIR = `${USER}:${PASSWORD}`;
const B64 = Buffer.from(PAIR).toString("base64");
const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwdWxsZXIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
const REFRESH = "refresh/token+value==";

function secrets(): SentSecrets {
  const s = new SentSecrets();
  s.addBasic(USER, PASSWORD);
  s.add(TOKEN, REFRESH, undefined, "");
  return s;
}

describe("SentSecrets.redact", () => {
  const s = secrets();
  it.each([
    ["the Basic header", `Authorization: Basic ${B64}`],
    ["base64 without padding", `auth=${B64.replace(/=+$/, "")}`],
    ["base64url", Buffer.from(PAIR).toString("base64url")],
    ["user:password", `bad credentials ${PAIR}`],
    ["the password alone", `password ${PASSWORD} wrong`],
    ["the password URL-encoded", `?password=${encodeURIComponent(PASSWORD)}`],
    ["the password form-encoded", new URLSearchParams({ password: PASSWORD }).toString()],
    ["the password JSON-escaped", JSON.stringify({ password: PASSWORD })],
    ["the password with its whitespace collapsed", PASSWORD.replace(/\s+/g, " ")],
    ["a bearer token", `Bearer ${TOKEN}`],
    ["a refresh token in a posted form", new URLSearchParams({ grant_type: "refresh_token", refresh_token: REFRESH }).toString()],
  ])("%s", (_what, text) => {
    const out = s.redact(text);
    expect(out).toContain(REDACTED);
    for (const secret of [PASSWORD, B64, B64.replace(/=+$/, ""), TOKEN, REFRESH, encodeURIComponent(REFRESH)]) expect(out).not.toContain(secret);
  });

  it("a secret cut short at a '…' goes by its start", () => {
    expect(s.redact(`token ${TOKEN.slice(0, 30)}…`)).toBe(`token ${REDACTED}…`);
    expect(s.redact(`said: Basic ${B64.slice(0, 9)}…`)).toBe(`said: Basic ${REDACTED}…`);
    // text that is no secret's start is left as it is
    expect(s.redact("a long message, cut…")).toBe("a long message, cut…");
  });

  it("leaves text without secrets alone, and secrets shorter than MIN_SECRET", () => {
    expect(s.redact("registry 127.0.0.1:5000: repository team/app: manifest unknown")).toBe("registry 127.0.0.1:5000: repository team/app: manifest unknown");
    const short = new SentSecrets();
    short.add("x".repeat(MIN_SECRET - 1));
    expect(short.size).toBe(0);
    expect(short.redact("xxx")).toBe("xxx");
  });

  it("an error whose message or stack holds a secret is copied without it; one without is kept", () => {
    const plain = new Error("socket hang up");
    expect(s.redactError(plain)).toBe(plain);
    const err = Object.assign(new Error(`bad header ${TOKEN}`), { code: "ERR_X" });
    const copy = s.redactError(err) as Error & { code?: string };
    expect(copy).not.toBe(err);
    expect(copy.message).toBe(`bad header ${REDACTED}`);
    expect(copy.stack).not.toContain(TOKEN);
    expect(copy.code).toBe("ERR_X");
  });
});

describe("registry errors never show a secret the client sent", () => {
  const ctx = { registry: "127.0.0.1:5000", repository: "team/app", secrets: secrets() };
  const echo = `Authorization: Basic ${B64}; token ${TOKEN}; ${"padding ".repeat(10)}`;

  it("a distribution error, a text body and an HTML title: cleaned before they are shortened", () => {
    const bodies: [string, Buffer][] = [
      ["application/json", Buffer.from(JSON.stringify({ errors: [{ code: "DENIED", message: `${"m".repeat(150)} Bearer ${TOKEN}` }] }))],
      ["text/plain", Buffer.from(`${"t".repeat(100)} ${echo}`)],
      ["text/html", Buffer.from(`<html><head><title>${"h".repeat(60)} ${B64}</title></head></html>`)],
      ["application/json", Buffer.from(JSON.stringify({ errors: [{ code: `BAD_${TOKEN}` }] }))],
    ];
    for (const [type, body] of bodies) {
      const said = describeAnswer(403, type, body, (t) => ctx.secrets.redact(t));
      const line = registryError(ctx, said).message;
      for (const secret of [TOKEN, B64, TOKEN.slice(0, 12), B64.slice(0, 12)]) expect(line, type).not.toContain(secret);
    }
  });

  it("registryError cleans its whole message and its cause, for --debug", () => {
    const err = registryError(ctx, `the auth challenge names no usable token realm (${PAIR})`, { cause: new Error(`echo ${REFRESH}`) });
    expect(err.message).toBe(`registry 127.0.0.1:5000: repository team/app: the auth challenge names no usable token realm (${REDACTED})`);
    expect((err.cause as Error).message).toBe(`echo ${REDACTED}`);
  });
});
