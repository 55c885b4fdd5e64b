import { describe, expect, it } from "vitest";
import * as secrets from "./secrets.js";

describe("secrets barrel", () => {
  it("re-exports the secret detection API", () => {
    expect(secrets.secretEnv(["DB_PASSWORD=hunter2hunter2"])).toHaveLength(1);
    expect(secrets.redact("abcdefgh")).toBe("ab…");
    expect(secrets.secretFileKind("/root/.netrc")).toBe("netrc");
    expect(secrets.privateKeyKind(new TextEncoder().encode("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oCb6XGjk1lD1oAoGCCqGSM49\n"))).toBe("ec-private-key");
    expect(secrets.secretValueKind("https://a:b@c")?.kind).toBe("url-credentials");
    expect(secrets.secretKeyReason("TOKEN")).toBe("key name contains 'TOKEN'");
    expect(secrets.keyWords("a_b")).toEqual(["A", "B"]);
    expect(secrets.PRIVATE_KEY_SCAN_BYTES).toBe(1 << 20);
  });
});
