import { describe, expect, it } from "vitest";
import type { DeletedSecretFact } from "../../inspect/facts/types.js";
import { rule as deletedSecrets } from "./deleted-secrets.js";
import { rule as secretFiles } from "./secret-files.js";
import { pathMatcher } from "./path-glob.js";
import { facts, optionsErrors } from "./test-facts.js";
import { table } from "./test-rule-table.js";
import { kindFor, unionOf, userSecretMatcher } from "./user-secret-files.js";

describe("userSecretMatcher", () => {
  it("is undefined with nothing to match", () => {
    expect(userSecretMatcher({})).toBeUndefined();
    expect(userSecretMatcher({ files: [], extensions: [] })).toBeUndefined();
  });

  it("globs over the path (with a /) or the base name; extensions at the end of the base name, without case", () => {
    const m = userSecretMatcher({ files: ["/srv/**/*.kdbx", "vault.json"], extensions: [".p12", ".Tar.GPG"] })!;
    expect(m("/srv/db/main.kdbx")).toBe("user-file");
    expect(m("/srv/main.kdbx")).toBe("user-file");
    expect(m("/opt/main.kdbx")).toBeUndefined();
    expect(m("/etc/app/vault.json")).toBe("user-file");
    expect(m("/etc/app/vault.json.bak")).toBeUndefined();
    expect(m("/app/CERT.P12")).toBe("user-extension");
    expect(m("/backup/x.tar.gpg")).toBe("user-extension");
    expect(m("/app/.p12")).toBeUndefined(); // a dot file named as the extension has none
    expect(m("/app/p12")).toBeUndefined();
    expect(m("/app/cert.p12.txt")).toBeUndefined();
  });

  it("its quick test of a glob's literal ends never turns away a path the glob matches", () => {
    const globs = ["/srv/**", "/srv/**/*.kdbx", "/a/**/b", "**/x.pem", "/usr/bin/*", "*.{kdbx,key}", "{/a,/b}/c", "/s?v/[a-c]*.db", "vault.json", "foo\\*", "x\\.pem", "/a/[]]b", "/etc/[!x]*", "**", "/opt/app/", "!/srv/**"];
    const paths = ["/srv", "/srv/", "/srv/a/b.kdbx", "/srv/b.kdbx", "/a/b", "/a/x/y/b", "/x.pem", "/d/x.pem", "/usr/bin/sh", "/k/a.key", "/a/c", "/b/c", "/sev/a.db", "/etc/y", "/etc/x", "/e/vault.json", "/f/foo*", "/f/x.pem", "/a/]b", "/opt/app/", "/opt/app"];
    for (const g of globs) {
      const mine = userSecretMatcher({ files: [g] })!;
      const all = pathMatcher([g]);
      for (const p of paths) expect(mine(p) === "user-file", `${g} ${p}`).toBe(all(p));
    }
  });

  it("a glob match names the file before an extension does", () => {
    expect(userSecretMatcher({ files: ["*.p12"], extensions: [".p12"] })!("/a/b.p12")).toBe("user-file");
  });

  it("unionOf joins the rules' lists once", () => {
    expect(unionOf([{ files: ["a", "b"], extensions: [".x"] }, { files: ["b"], extensions: [".x", ".y"] }, {}])).toEqual({ files: ["a", "b"], extensions: [".x", ".y"] });
  });

  it("kindFor keeps a user kind only where the rule's own lists match, else the built-in kind", () => {
    const own = userSecretMatcher({ extensions: [".p12"] });
    expect(kindFor("dotenv", "/app/.env", own)).toBe("dotenv");
    expect(kindFor("user-file", "/app/a.p12", own)).toBe("user-extension");
    expect(kindFor("user-file", "/app/a.kdbx", own)).toBeUndefined();
    expect(kindFor("user-extension", "/app/ca.pem", undefined, () => "pem")).toBe("pem");
  });

  it("the schema takes extensions with their dot and no slash or space", () => {
    for (const rule of [secretFiles, deletedSecrets]) {
      expect(optionsErrors(rule, { files: ["/srv/**/*.kdbx", "*.p12"], extensions: [".p12", ".kdbx", ".tar.gpg"] })).toEqual([]);
      expect(optionsErrors(rule, { extensions: ["p12"] })).not.toEqual([]);
      expect(optionsErrors(rule, { extensions: ["./x"] })).not.toEqual([]);
      expect(optionsErrors(rule, { extensions: [". x"] })).not.toEqual([]);
      expect(optionsErrors(rule, { files: [""] })).not.toEqual([]);
    }
  });

  it("the rules hand their lists to the inspector and have their globs checked when the policy loads", () => {
    for (const rule of [secretFiles, deletedSecrets]) {
      const o = { ...rule.defaultOptions, allow: ["x"], files: ["/srv/**", "*.kdbx"], extensions: [".p12"] };
      expect(rule.userSecretFiles!(o)).toEqual({ files: ["/srv/**", "*.kdbx"], extensions: [".p12"] });
      expect(rule.patterns!(o)).toEqual([
        { path: ["allow", 0], kind: "glob" },
        { path: ["files", 0], kind: "glob" },
        { path: ["files", 1], kind: "glob" },
      ]);
    }
  });
});

const userFile = (path: string, kind = "user-file") => facts({ filesystem: { secretFiles: [{ path, layer: 2, kind }] } });

table(secretFiles, [
  {
    name: "a file the policy's files name",
    facts: userFile("/srv/db/main.kdbx"),
    options: { files: ["/srv/**/*.kdbx"] },
    status: "fail",
    text: "/srv/db/main.kdbx (layer 3) is a secret file by the policy's `files` (user-file).",
    location: { path: "/srv/db/main.kdbx", layer: 2 },
  },
  {
    name: "a file the policy's extensions name (the facts said user-file: another rule's glob matched it too)",
    facts: userFile("/app/cert.p12"),
    options: { extensions: [".p12"] },
    status: "fail",
    text: "/app/cert.p12 (layer 3) is a secret file by the policy's `extensions` (user-extension).",
  },
  { name: "a user kind that only another rule's lists match", facts: userFile("/srv/x.kdbx"), options: { extensions: [".p12"] }, status: "pass" },
  { name: "a user kind and no lists of its own", facts: userFile("/srv/x.kdbx"), status: "pass" },
  {
    name: "a certificate another rule's extension matched is a pem again, ignored by default",
    facts: userFile("/app/ca.pem", "user-extension"),
    status: "pass",
  },
  {
    name: "…and reported as pem when pem is not ignored",
    facts: userFile("/app/ca.pem", "user-extension"),
    options: { ignoreKinds: [] },
    status: "fail",
    text: "(pem)",
  },
  { name: "allowed by glob", facts: userFile("/srv/db/main.kdbx"), options: { files: ["*.kdbx"], allow: ["/srv/db/**"] }, status: "pass" },
  { name: "its kind ignored", facts: userFile("/srv/db/main.kdbx"), options: { files: ["*.kdbx"], ignoreKinds: ["user-file"] }, status: "pass" },
]);

const deleted = (path: string, kind: string): DeletedSecretFact => ({
  path,
  kind,
  by: "path",
  size: 2048,
  added: { layer: 1, digest: `sha256:${"a".repeat(64)}`, createdBy: "COPY . /srv # buildkit" },
  removed: { layer: 2, digest: `sha256:${"b".repeat(64)}`, createdBy: "RUN /bin/sh -c rm -r /srv/db # buildkit", how: "whiteout" },
});
const gone = (path: string, kind = "user-file") => facts({ filesystem: { deletedSecrets: [deleted(path, kind)] } });

table(deletedSecrets, [
  {
    name: "a file the policy's files name, deleted by a later layer",
    facts: gone("/srv/db/main.kdbx"),
    options: { files: ["/srv/**/*.kdbx"] },
    status: "fail",
    text: "/srv/db/main.kdbx (user-file, 2048 bytes, found by its path) was added by layer 2",
    location: { path: "/srv/db/main.kdbx", layer: 1 },
  },
  { name: "by extension", facts: gone("/srv/a.P12"), options: { extensions: [".p12"] }, status: "fail", text: "(user-extension, 2048 bytes" },
  { name: "a user kind that only another rule's lists match", facts: gone("/srv/x.kdbx"), options: { extensions: [".p12"] }, status: "pass" },
  { name: "a certificate another rule's extension matched is no secret here", facts: gone("/app/ca.pem", "user-extension"), options: { ignoreKinds: [] }, status: "pass" },
  { name: "allowed", facts: gone("/srv/db/main.kdbx"), options: { files: ["*.kdbx"], allow: ["main.kdbx"] }, status: "pass" },
  { name: "its kind ignored", facts: gone("/srv/a.p12", "user-extension"), options: { extensions: [".p12"], ignoreKinds: ["user-extension"] }, status: "pass" },
]);
