import { describe, expect, it } from "vitest";
import type { Facts, FileFact } from "../../inspect/facts/types.js";
import type { AnyRule } from "../types.js";
import { rule as noPackageManager } from "./no-package-manager.js";
import { rule as noShell } from "./no-shell.js";
import { pathMatcher } from "./path-glob.js";
import { rule as secretFiles } from "./secret-files.js";
import { rule as setuidSetgid } from "./setuid-setgid-files.js";
import { rule as strayFiles } from "./stray-files.js";
import { facts, optionsErrors, run } from "./test-facts.js";
import { rule as worldWritable } from "./world-writable-files.js";
import { table, type Case } from "./test-rule-table.js";



const file = (path: string, mode: number, layer = 0, type = "file", uid = 0, gid = 0): FileFact => ({ path, layer, mode, uid, gid, type });

describe("allow lists", () => {
  it.each([
    [["/usr/bin/passwd"], "/usr/bin/passwd", true],
    [["/usr/bin/passwd"], "/usr/bin/passwd2", false],
    [["/opt/app/**"], "/opt/app/a/b/.hidden", true],
    [["/usr/local/bin/*"], "/usr/local/bin/tool", true],
    [["busybox"], "/bin/busybox", true],
    [["*.pem"], "/app/certs/server.pem", true],
    [["*.pem"], "/app/certs/server.key", false],
    [[], "/anything", false],
  ] as const)("%j matches %s: %s", (patterns, path, expected) => {
    expect(pathMatcher(patterns)(path)).toBe(expected);
  });
});

table(noShell, [
  { name: "scratch: nothing", facts: facts(), status: "pass" },
  {
    name: "busybox and its sh applet",
    facts: facts({ filesystem: { shells: [{ path: "/bin/busybox", layer: 0, name: "busybox" }, { path: "/bin/sh", layer: 0, name: "sh" }] } }),
    status: "fail",
    findings: 2,
    text: "Shell busybox found at /bin/busybox (layer 1).",
    location: { path: "/bin/busybox", layer: 0 },
  },
  {
    name: "bash added by a later layer",
    facts: facts({ filesystem: { shells: [{ path: "/usr/bin/bash", layer: 3, name: "bash" }] } }),
    status: "fail",
    text: "Shell bash found at /usr/bin/bash (layer 4).",
  },
  {
    name: "allowed by name",
    facts: facts({ filesystem: { shells: [{ path: "/busybox/sh", layer: 0, name: "sh" }, { path: "/bin/busybox", layer: 0, name: "busybox" }] } }),
    options: { allow: ["busybox", "/busybox/*"] },
    status: "pass",
  },
  {
    name: "allow by path keeps others",
    facts: facts({ filesystem: { shells: [{ path: "/bin/sh", layer: 0, name: "sh" }, { path: "/bin/bash", layer: 1, name: "bash" }] } }),
    options: { allow: ["/bin/sh"] },
    status: "fail",
    findings: 1,
    text: /bash/,
  },
]);

table(noPackageManager, [
  { name: "none", facts: facts(), status: "pass" },
  {
    name: "apk on alpine",
    facts: facts({ filesystem: { packageManagers: [{ path: "/sbin/apk", layer: 0, name: "apk" }] } }),
    status: "fail",
    text: "Package manager apk found at /sbin/apk (layer 1).",
    location: { path: "/sbin/apk", layer: 0 },
  },
  {
    name: "npm allowed for a Node.js runtime, pip is not",
    facts: facts({
      filesystem: {
        packageManagers: [
          { path: "/usr/local/bin/npm", layer: 2, name: "npm" },
          { path: "/usr/bin/pip3", layer: 1, name: "pip3" },
        ],
      },
    }),
    options: { allow: ["npm"] },
    status: "fail",
    findings: 1,
    text: /pip3 found at \/usr\/bin\/pip3 \(layer 2\)/,
  },
]);

table(setuidSetgid, [
  { name: "none", facts: facts(), status: "pass" },
  {
    name: "setuid root passwd",
    facts: facts({ filesystem: { setuid: [file("/usr/bin/passwd", 0o4755)] } }),
    status: "fail",
    text: "/usr/bin/passwd (layer 1) is setuid (mode 4755, owner 0:0).",
    location: { path: "/usr/bin/passwd", layer: 0 },
  },
  {
    name: "setgid shadow tool",
    facts: facts({ filesystem: { setgid: [file("/usr/bin/chage", 0o2755, 0, "file", 0, 42)] } }),
    status: "fail",
    text: "is setgid (mode 2755, owner 0:42)",
  },
  {
    name: "a file with both bits is one finding",
    facts: facts({ filesystem: { setuid: [file("/usr/bin/both", 0o6755, 2)], setgid: [file("/usr/bin/both", 0o6755, 2)] } }),
    status: "fail",
    findings: 1,
    text: "/usr/bin/both (layer 3) is setuid and setgid (mode 6755",
  },
  {
    name: "allow list by glob",
    facts: facts({ filesystem: { setuid: [file("/usr/bin/ping", 0o4755), file("/bin/su", 0o4755)] } }),
    options: { allow: ["/usr/bin/ping", "/bin/*"] },
    status: "pass",
  },
  {
    name: "file capabilities (setcap cap_setuid+ep): the same escalation, no mode bit",
    facts: facts({ filesystem: { fileCapabilities: [{ ...file("/bin/busybox-cap", 0o755, 1), capabilities: ["CAP_SETGID", "CAP_SETUID"], effective: true }] } }),
    status: "fail",
    findings: 1,
    text: "/bin/busybox-cap (layer 2) has file capabilities CAP_SETGID,CAP_SETUID+ep (owner 0:0).",
    location: { path: "/bin/busybox-cap", layer: 1 },
  },
  {
    name: "an unreadable capability attribute fails too; capabilities in the allow list pass",
    facts: facts({
      filesystem: {
        fileCapabilities: [
          { ...file("/app/odd", 0o755), capabilities: [], effective: true, malformed: true },
          { ...file("/usr/bin/ping", 0o755), capabilities: ["CAP_NET_RAW"], effective: true },
        ],
      },
    }),
    options: { allow: ["/usr/bin/ping"] },
    status: "fail",
    findings: 1,
    text: "/app/odd (layer 1) has an unreadable security.capability attribute (owner 0:0).",
  },
]);

table(worldWritable, [
  { name: "none", facts: facts(), status: "pass" },
  {
    name: "a world-writable file",
    facts: facts({ filesystem: { worldWritable: [file("/app/config.yaml", 0o666, 3)] } }),
    status: "fail",
    text: "The file /app/config.yaml (layer 4) is writable by everyone (mode 0666).",
    location: { path: "/app/config.yaml", layer: 3 },
  },
  {
    name: "a world-writable directory without the sticky bit",
    facts: facts({ filesystem: { worldWritable: [file("/data", 0o777, 2, "dir")] } }),
    status: "fail",
    text: "The directory /data (layer 3) is writable by everyone (mode 0777, no sticky bit).",
  },
  {
    name: "allowed",
    facts: facts({ filesystem: { worldWritable: [file("/var/cache/app", 0o777, 2, "dir")] } }),
    options: { allow: ["/var/cache/app"] },
    status: "pass",
  },
]);

/** What ordinary Debian and Go images ship (ssl-cert, libxmlsec1-dev's docs, cmake, Go's tree and module cache). */
const VENDORED_KEYS = [
  { path: "/etc/ssl/private/ssl-cert-snakeoil.key", layer: 1, kind: "rsa-private-key" },
  { path: "/usr/share/doc/libxmlsec1-dev/examples/rsakey.pem", layer: 1, kind: "rsa-private-key" },
  { path: "/usr/share/cmake-3.25/Templates/Windows/Windows_TemporaryKey.pfx", layer: 1, kind: "pkcs12" },
  { path: "/usr/share/go-1.19/src/crypto/tls/testdata/example-key.pem", layer: 1, kind: "ec-private-key" },
  { path: "/usr/share/go-1.19/src/crypto/tls/example_test.go", layer: 1, kind: "ec-private-key" },
  { path: "/go/pkg/mod/golang.org/x/crypto@v0.1.0/ssh/testdata/id_rsa", layer: 2, kind: "rsa-private-key" },
];

table(secretFiles, [
  { name: "none", facts: facts(), status: "pass" },
  {
    name: "a private key found by content",
    facts: facts({ filesystem: { secretFiles: [{ path: "/app/tls/server.pem", layer: 4, kind: "rsa-private-key" }] } }),
    status: "fail",
    text: "/app/tls/server.pem (layer 5) is a private key by its content (rsa-private-key).",
    location: { path: "/app/tls/server.pem", layer: 4 },
  },
  {
    name: "credential files by name",
    facts: facts({
      filesystem: {
        secretFiles: [
          { path: "/app/.env", layer: 2, kind: "dotenv" },
          { path: "/root/.aws/credentials", layer: 1, kind: "aws-credentials" },
        ],
      },
    }),
    status: "fail",
    findings: 2,
    text: "/app/.env (layer 3) is a credential file by its name (dotenv).",
  },
  {
    name: "a .key file",
    facts: facts({ filesystem: { secretFiles: [{ path: "/etc/app/server.key", layer: 3, kind: "private-key" }] } }),
    status: "fail",
    text: "/etc/app/server.key (layer 4) is a private key (PKCS#8 content or a .key name) (private-key).",
  },
  {
    name: "a .pem that is not a key is ignored by default",
    facts: facts({ filesystem: { secretFiles: [{ path: "/app/ca.pem", layer: 2, kind: "pem" }] } }),
    status: "pass",
  },
  {
    name: "pem reported when not ignored",
    facts: facts({ filesystem: { secretFiles: [{ path: "/app/ca.pem", layer: 2, kind: "pem" }] } }),
    options: { ignoreKinds: [] },
    status: "fail",
    text: "(pem)",
  },
  {
    name: "a test fixture allowed",
    facts: facts({ filesystem: { secretFiles: [{ path: "/app/testdata/key.pem", layer: 2, kind: "ec-private-key" }] } }),
    options: { allow: ["/app/testdata/**"] },
    status: "pass",
  },
  {
    name: "vendored data (Debian, Go) allowed by default",
    facts: facts({ filesystem: { secretFiles: VENDORED_KEYS } }),
    status: "pass",
  },
  {
    name: "vendored data reported when the policy empties `allow`",
    facts: facts({ filesystem: { secretFiles: VENDORED_KEYS } }),
    options: { allow: [] },
    status: "fail",
    findings: VENDORED_KEYS.length,
  },
  {
    name: "a credential file holding a token is IMG-FS-007's (one finding per leak); one with no token found, or a key, stays",
    facts: facts({
      filesystem: {
        secretFiles: [
          { path: "/root/.npmrc", layer: 2, kind: "npmrc" },
          { path: "/root/.docker/config.json", layer: 2, kind: "docker-config" },
          { path: "/root/.netrc", layer: 2, kind: "netrc" },
          { path: "/app/tls/server.pem", layer: 3, kind: "rsa-private-key" },
        ],
        secretContents: [
          { path: "/root/.npmrc", layer: 2, line: 1, kind: "npm-auth-token", redacted: "<npm-auth-token ab… 36 chars>", sha256: `sha256:${"1".repeat(64)}` },
          { path: "/root/.docker/config.json", layer: 2, line: 3, kind: "docker-auth", redacted: "<docker-auth dX… 20 chars>", sha256: `sha256:${"2".repeat(64)}` },
          { path: "/app/tls/server.pem", layer: 3, line: 9, kind: "github-token", redacted: "<github-token gh… 40 chars>", sha256: `sha256:${"3".repeat(64)}` },
        ],
      },
    }),
    status: "fail",
    findings: 2,
    text: /\/root\/\.netrc \(layer 3\) is a credential file by its name \(netrc\)\.[\s\S]*\/app\/tls\/server\.pem \(layer 4\) is a private key by its content/,
  },
]);

table(strayFiles, [
  { name: "none", facts: facts(), status: "pass" },
  {
    name: "a .git directory and a Dockerfile",
    facts: facts({
      filesystem: {
        strayFiles: [
          { path: "/app/.git", layer: 3, kind: "git-directory" },
          { path: "/app/Dockerfile", layer: 3, kind: "dockerfile" },
        ],
      },
    }),
    status: "fail",
    findings: 2,
    text: "/app/.git (layer 4) should not ship (git-directory).",
    location: { path: "/app/.git", layer: 3 },
  },
  {
    name: "cache entries of one layer are one finding, with the fix",
    facts: facts({
      filesystem: {
        strayFiles: [
          { path: "/var/cache/apk/APKINDEX.1.tar.gz", layer: 1, kind: "apk-cache" },
          { path: "/var/cache/apk/APKINDEX.2.tar.gz", layer: 1, kind: "apk-cache" },
        ],
      },
    }),
    status: "fail",
    findings: 1,
    text: "2 apk-cache entries in /var/cache/apk (layer 2) should not ship, e.g. /var/cache/apk/APKINDEX.1.tar.gz. Fix: RUN apk add --no-cache <packages>",
    location: { path: "/var/cache/apk", layer: 1 },
  },
  {
    name: "apt lists and bytecode caches are ignored by default",
    facts: facts({
      filesystem: {
        strayFiles: [
          { path: "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", layer: 1, kind: "apt-lists" },
          { path: "/app/__pycache__", layer: 2, kind: "python-bytecode-cache" },
        ],
      },
    }),
    status: "pass",
  },
  {
    name: "allow list",
    facts: facts({ filesystem: { strayFiles: [{ path: "/usr/share/doc/app/Dockerfile", layer: 2, kind: "dockerfile" }] } }),
    options: { allow: ["/usr/share/doc/**"] },
    status: "pass",
  },
]);
