import { describe, expect, it } from "vitest";
import type { Facts, FileProbe } from "../../inspect/facts/types.js";
import { rule as fileAssertions, type FileAssertion } from "./file-assertions.js";
import { compileUserRegex } from "../../text/user-regex.js";
import { goModeString, lsModeString } from "./file-modes.js";
import { facts, optionsErrors, run } from "./test-facts.js";

interface Case {
  name: string;
  facts: Facts;
  files: FileAssertion[];
  status: "pass" | "fail" | "skip";
  text?: string | RegExp;
  findings?: number;
}

const probe = (p: Partial<FileProbe> & { path: string }): FileProbe => ({ exists: true, type: "file", mode: 0o644, uid: 0, gid: 0, size: 10, layer: 2, ...p });

/** Facts whose file probes are these, keyed by path as asked. */
const probed = (...probes: FileProbe[]) => facts({ files: Object.fromEntries(probes.map((p) => [p.path, p])) });

const app = probe({ path: "/app", mode: 0o755, uid: 65532, gid: 65532, size: 8_000_000, layer: 3 });
const passwd = probe({ path: "/etc/passwd", content: "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n", layer: 1 });

describe("mode strings", () => {
  it.each([
    ["file", 0o755, "-rwxr-xr-x", "-rwxr-xr-x"],
    ["file", 0o4755, "urwxr-xr-x", "-rwsr-xr-x"],
    ["file", 0o2644, "grw-r--r--", "-rw-r-Sr--"],
    ["dir", 0o1777, "dtrwxrwxrwx", "drwxrwxrwt"],
    ["dir", 0o755, "drwxr-xr-x", "drwxr-xr-x"],
    ["char", 0o666, "Dcrw-rw-rw-", "crw-rw-rw-"],
    ["hardlink", 0o600, "-rw-------", "-rw-------"],
  ])("%s %o → %s / %s", (type, mode, go, ls) => {
    expect(goModeString(type, mode)).toBe(go);
    expect(lsModeString(type, mode)).toBe(ls);
  });

  it("takes Go's inline flags (patterns are RE2 syntax, user-regex.ts)", () => {
    expect(compileUserRegex("(?m)^nonroot:").test(passwd.content!)).toBe(true);
    expect(compileUserRegex("(?i)ROOT").test(passwd.content!)).toBe(true);
    expect(() => compileUserRegex("(root)\\1")).toThrow(/not a regular expression imgpolicy accepts/);
  });
});

describe(`${fileAssertions.id} ${fileAssertions.title}`, () => {
  const cases: Case[] = [
    { name: "no assertions", facts: facts(), files: [], status: "skip", text: "no file assertions are configured" },
    { name: "facts collected without the policy", facts: facts(), files: [{ path: "/app" }], status: "skip", text: "collected without this policy" },
    { name: "exists", facts: probed(app), files: [{ path: "/app" }], status: "pass" },
    {
      name: "missing",
      facts: probed(app, { path: "/etc/ssl/certs/ca-certificates.crt", exists: false }),
      files: [{ path: "/etc/ssl/certs/ca-certificates.crt", name: "CA bundle" }],
      status: "fail",
      text: "CA bundle (/etc/ssl/certs/ca-certificates.crt): expected to exist, but it does not.",
    },
    { name: "absent as required", facts: probed({ path: "/bin/sh", exists: false }), files: [{ path: "/bin/sh", shouldExist: false }], status: "pass" },
    {
      name: "present though it should not be",
      facts: probed(probe({ path: "/bin/sh", resolvedPath: "/bin/busybox", layer: 0 })),
      files: [{ path: "/bin/sh", shouldExist: false }],
      status: "fail",
      text: "/bin/sh: expected not to exist, but a file is at /bin/busybox (layer 1).",
    },
    {
      name: "everything about the binary holds",
      facts: probed(app),
      files: [{ path: "/app", permissions: "-rwxr-xr-x", mode: "0755", uid: 65532, gid: 65532, isExecutableBy: "other" }],
      status: "pass",
    },
    { name: "ls-style permissions of a setuid file", facts: probed(probe({ path: "/usr/bin/ping", mode: 0o4755 })), files: [{ path: "/usr/bin/ping", permissions: "-rwsr-xr-x" }], status: "pass" },
    { name: "Go-style permissions of a setuid file", facts: probed(probe({ path: "/usr/bin/ping", mode: 0o4755 })), files: [{ path: "/usr/bin/ping", permissions: "urwxr-xr-x" }], status: "pass" },
    {
      name: "wrong permissions",
      facts: probed(probe({ path: "/app", mode: 0o644, layer: 3 })),
      files: [{ path: "/app", permissions: "-rwxr-xr-x" }],
      status: "fail",
      text: "/app: permissions are -rw-r--r-- at /app (layer 4).",
    },
    {
      name: "wrong mode, owner and group: one finding each",
      facts: probed(probe({ path: "/app", mode: 0o700, layer: 3 })),
      files: [{ path: "/app", mode: "755", uid: 65532, gid: 65532 }],
      status: "fail",
      findings: 3,
      text: /mode is 0700 at \/app \(layer 4\)[\s\S]*owner uid is 0[\s\S]*group gid is 0/,
    },
    {
      name: "not executable by others",
      facts: probed(probe({ path: "/app", mode: 0o750 })),
      files: [{ path: "/app", isExecutableBy: "other" }],
      status: "fail",
      text: "/app: not executable by other: mode 0750 (-rwxr-x---) at /app (layer 3).",
    },
    { name: "executable by any", facts: probed(probe({ path: "/app", mode: 0o700 })), files: [{ path: "/app", isExecutableBy: "any" }], status: "pass" },
    {
      name: "content matches and excludes",
      facts: probed(passwd),
      files: [{ path: "/etc/passwd", contentRegex: ["(?m)^nonroot:x:65532:"], excludedContentRegex: ["/bin/(ba)?sh$"] }],
      status: "pass",
    },
    {
      name: "content does not match",
      facts: probed(passwd),
      files: [{ path: "/etc/passwd", contentRegex: ["app:x:1000"], excludedContentRegex: ["root:x:0"] }],
      status: "fail",
      findings: 2,
      text: /does not match \/app:x:1000\/[\s\S]*matches \/root:x:0\//,
    },
    {
      name: "content of a large file was not captured",
      facts: probed(app),
      files: [{ path: "/app", contentRegex: ["Go build"] }],
      status: "fail",
      text: "its content was not captured: 8000000 bytes, over the 1 MiB limit of file probes",
    },
    {
      name: "content check on a directory",
      facts: probed(probe({ path: "/etc/app", type: "dir", mode: 0o755, size: 0 })),
      files: [{ path: "/etc/app", contentRegex: ["x"] }],
      status: "fail",
      text: "it is a directory",
    },
    { name: "an invalid pattern", facts: probed(passwd), files: [{ path: "/etc/passwd", contentRegex: ["(unclosed"] }], status: "fail", text: "/(unclosed/ is not a regular expression imgpolicy accepts" },
    {
      name: "one path not probed among probed ones",
      facts: probed(app),
      files: [{ path: "/app" }, { path: "/etc/passwd" }],
      status: "fail",
      findings: 1,
      text: "/etc/passwd: not probed",
    },
  ];

  it.each(cases)("$name → $status", (c) => {
    const r = run(fileAssertions, c.facts, { files: c.files });
    expect(r.status, r.text).toBe(c.status);
    if (c.text !== undefined) expect(r.text).toMatch(c.text);
    if (r.outcome.status === "fail") {
      if (c.findings !== undefined) expect(r.outcome.findings).toHaveLength(c.findings);
      for (const f of r.outcome.findings) expect(f.location?.path, f.message).toBeTruthy();
    }
  });

  it("declares the asserted paths, once each", () => {
    expect(fileAssertions.files!({ files: [{ path: "/app" }, { path: "/etc/passwd", contentRegex: ["x"] }, { path: "/app", mode: "0755" }] })).toEqual(["/app", "/etc/passwd"]);
    expect(fileAssertions.files!(fileAssertions.defaultOptions)).toEqual([]);
  });

  it("options schema compiles, accepts the defaults and container-structure-test style entries", () => {
    expect(optionsErrors(fileAssertions)).toEqual([]);
    const ok = { files: [{ path: "/app", name: "binary", permissions: "-rwxr-xr-x", mode: "0755", uid: 0, gid: 0, isExecutableBy: "any", contentRegex: ["a"], excludedContentRegex: ["b"] }] };
    expect(optionsErrors(fileAssertions, ok)).toEqual([]);
    expect(optionsErrors(fileAssertions, { files: [{ path: "/a", permissions: "dtrwxrwxrwx" }] })).toEqual([]);
    expect(optionsErrors(fileAssertions, { files: [{ path: "relative" }] })).not.toEqual([]);
    expect(optionsErrors(fileAssertions, { files: [{ path: "/a", mode: "0999" }] })).not.toEqual([]);
    expect(optionsErrors(fileAssertions, { files: [{ path: "/a", isExecutableBy: "world" }] })).not.toEqual([]);
    expect(optionsErrors(fileAssertions, { files: [{ path: "/a", expectedContents: ["x"] }] })).not.toEqual([]);
    expect(optionsErrors(fileAssertions, { files: [{ mode: "0755" }] })).not.toEqual([]);
  });
});
