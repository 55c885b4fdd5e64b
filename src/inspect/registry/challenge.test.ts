import { describe, expect, it } from "vitest";
import { parseChallenges, pickChallenge } from "./challenge.js";

describe("parseChallenges", () => {
  const table: [string, string | string[] | undefined, { scheme: string; params: Record<string, string> }[]][] = [
    ["none", undefined, []],
    [
      "Docker Hub's bearer challenge",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      [{ scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" } }],
    ],
    ["basic", 'Basic realm="Registry Realm"', [{ scheme: "basic", params: { realm: "Registry Realm" } }]],
    ["case and spaces", 'BEARER  Realm = "https://x/t" , Service=reg', [{ scheme: "bearer", params: { realm: "https://x/t", service: "reg" } }]],
    [
      "escapes and commas inside quotes",
      'Bearer realm="https://x/t?a=1,b=2",error="insufficient_scope",scope="repository:a/b:pull,push",note="say \\"hi\\""',
      [{ scheme: "bearer", params: { realm: "https://x/t?a=1,b=2", error: "insufficient_scope", scope: "repository:a/b:pull,push", note: 'say "hi"' } }],
    ],
    [
      "two challenges in one header",
      'Basic realm="r1", Bearer realm="https://t/", service="s"',
      [
        { scheme: "basic", params: { realm: "r1" } },
        { scheme: "bearer", params: { realm: "https://t/", service: "s" } },
      ],
    ],
    [
      "two headers",
      ['Basic realm="a"', 'Bearer realm="https://b/"'],
      [
        { scheme: "basic", params: { realm: "a" } },
        { scheme: "bearer", params: { realm: "https://b/" } },
      ],
    ],
    ["an unterminated quote", 'Bearer realm="https://x', [{ scheme: "bearer", params: { realm: "https://x" } }]],
    ["a scheme alone", "Negotiate", [{ scheme: "negotiate", params: {} }]],
  ];
  for (const [name, header, want] of table) {
    it(name, () => expect(parseChallenges(header)).toEqual(want));
  }

  it("prefers Bearer to Basic and ignores schemes it does not speak", () => {
    expect(pickChallenge(parseChallenges('Basic realm="a", Bearer realm="https://b/"'))?.scheme).toBe("bearer");
    expect(pickChallenge(parseChallenges('Negotiate, Basic realm="a"'))?.scheme).toBe("basic");
    expect(pickChallenge(parseChallenges("Negotiate"))).toBeUndefined();
  });
});
