import { describe, expect, it } from "vitest";
import type { Facts } from "../../inspect/facts/types.js";
import { resolveUser } from "../../inspect/parsers/user-resolve.js";
import type { AnyRule } from "../types.js";
import { rule as accountsDuplicateIds } from "./accounts-duplicate-ids.js";
import { rule as accountsEmptyPassword } from "./accounts-empty-password.js";
import { facts, optionsErrors, run, userFacts, type Account } from "./test-facts.js";
import { rule as userNonRoot } from "./user-non-root.js";
import { rule as userNumeric } from "./user-numeric.js";
import { rule as userResolves } from "./user-resolves.js";
import { table, type Case } from "./test-rule-table.js";



const debianPasswd: Account[] = [
  { name: "root", uid: 0, gid: 0 },
  { name: "daemon", uid: 1, gid: 1 },
  { name: "app", uid: 10001, gid: 10001 },
  { name: "toor", uid: 0, gid: 0 },
];
const debianGroup = [
  { name: "root", gid: 0 },
  { name: "daemon", gid: 1 },
  { name: "app", gid: 10001 },
];
/** USER resolved against a Debian-like /etc/passwd and /etc/group. */
const onDebian = (spec: string | undefined) => facts(userFacts(spec, debianPasswd, debianGroup));
/** USER resolved in an image without /etc/passwd or /etc/group (scratch). */
const onScratch = (spec: string | undefined) => facts(userFacts(spec));

table(userNonRoot, [
  { name: "65532:65532 on scratch", facts: onScratch("65532:65532"), status: "pass" },
  { name: "app on Debian", facts: onDebian("app"), status: "pass" },
  { name: "1000:0 (root group, non-root user)", facts: onDebian("1000:0"), status: "pass" },
  { name: "unset", facts: onScratch(undefined), status: "fail", text: "USER is not set, so the container runs as root (uid 0)." },
  { name: "empty", facts: onDebian(""), status: "fail", text: "USER is not set" },
  { name: "root", facts: onDebian("root"), status: "fail", text: "USER 'root' resolves to uid 0: the container runs as root." },
  { name: "0", facts: onScratch("0"), status: "fail", text: "USER '0' resolves to uid 0" },
  { name: "0:0", facts: onScratch("0:0"), status: "fail", text: "USER '0:0' resolves to uid 0" },
  { name: "a second name for uid 0", facts: onDebian("toor"), status: "fail", text: "USER 'toor' resolves to uid 0" },
  { name: "root on scratch (unresolvable, still root)", facts: onScratch("root"), status: "fail", text: "USER 'root' names user 'root'" },
]);

table(userNumeric, [
  { name: "numeric on scratch", facts: onScratch("65532:65532"), status: "pass" },
  { name: "numeric uid only", facts: onScratch("65532"), status: "pass" },
  {
    name: "name on scratch",
    facts: onScratch("nonroot"),
    status: "fail",
    text: "USER 'nonroot' names a user, but the image has no /etc/passwd to resolve it: the container will not start.",
  },
  { name: "group name on scratch", facts: onScratch("65532:nonroot"), status: "fail", text: "image has no /etc/group to resolve group 'nonroot'" },
  { name: "uid out of range", facts: onScratch("4294967296"), status: "fail", text: "out of range" },
  { name: "image has /etc/passwd", facts: onDebian("app"), status: "skip", text: "IMG-USER-003" },
  { name: "USER unset", facts: onScratch(undefined), status: "skip", text: "IMG-USER-001" },
]);

table(userResolves, [
  { name: "listed user", facts: onDebian("app"), status: "pass" },
  { name: "listed user and group", facts: onDebian("app:daemon"), status: "pass" },
  { name: "numeric uid with a listed group name", facts: onDebian("10001:app"), status: "pass" },
  {
    name: "user not listed",
    facts: onDebian("nonroot"),
    status: "fail",
    text: "USER 'nonroot' does not resolve: user 'nonroot' is not in /etc/passwd.",
  },
  { name: "group not listed", facts: onDebian("app:staff"), status: "fail", text: "group 'staff' is not in /etc/group" },
  { name: "numeric uid with an unlisted group name", facts: onDebian("10001:staff"), status: "fail", text: "group 'staff' is not in /etc/group" },
  { name: "group name, no /etc/group", facts: facts(userFacts("app:app", debianPasswd)), status: "fail", text: "no /etc/group" },
  { name: "all numeric", facts: onDebian("10001:10001"), status: "skip", text: "numeric" },
  { name: "no /etc/passwd", facts: onScratch("app"), status: "skip", text: "IMG-USER-002" },
  { name: "USER unset", facts: onDebian(undefined), status: "skip", text: "IMG-USER-001" },
]);

describe("USER findings say where", () => {
  it("IMG-USER-003 points at /etc/passwd with its layer and the User field", () => {
    const f = facts(userFacts("ghost", debianPasswd, debianGroup), { users: { passwd: { layer: 3 } } });
    const r = run(userResolves, f);
    expect(r.outcome).toEqual({
      status: "fail",
      findings: [
        {
          message: "USER 'ghost' does not resolve: user 'ghost' is not in /etc/passwd.",
          location: { path: "/etc/passwd", layer: 3, config: "User" },
          expected: "user 'ghost' listed in /etc/passwd",
          found: "user 'ghost' is not in /etc/passwd",
        },
      ],
    });
  });

  it("IMG-USER-001 names the User field", () => {
    const r = run(userNonRoot, onScratch(undefined));
    expect(r.outcome.status === "fail" && r.outcome.findings[0].location).toEqual({ config: "User" });
  });
});

const withPasswd = facts(userFacts("app", debianPasswd, debianGroup));

table(accountsEmptyPassword, [
  { name: "no empty passwords", facts: withPasswd, status: "pass" },
  {
    name: "root with an empty password (Alpine CVE-2019-5021)",
    facts: facts(withPasswd, { users: { emptyPasswords: ["root"] } }),
    status: "fail",
    text: "Account 'root' has an empty password field (in /etc/shadow or /etc/passwd): it can log in without a password.",
  },
  { name: "two accounts", facts: facts(withPasswd, { users: { emptyPasswords: ["root", "guest"] } }), status: "fail", text: /'root'[\s\S]*'guest'/ },
  { name: "only /etc/shadow", facts: facts({ users: { emptyPasswords: ["root"] } }), status: "fail", text: "'root'" },
  { name: "no account files", facts: facts(), status: "skip", text: "no /etc/passwd" },
]);

table(accountsDuplicateIds, [
  { name: "unique ids", facts: facts(withPasswd, { users: { duplicateUids: [] } }), status: "pass" },
  {
    name: "duplicate uid",
    facts: facts(withPasswd, { users: { duplicateUids: [{ id: 0, names: ["root", "toor"] }] } }),
    status: "fail",
    text: "uid 0 is shared by 'root', 'toor' in /etc/passwd (layer 1).",
  },
  {
    name: "duplicate gid",
    facts: facts(withPasswd, { users: { duplicateGids: [{ id: 100, names: ["users", "staff"] }], group: { layer: 2 } } }),
    status: "fail",
    text: "gid 100 is shared by 'users', 'staff' in /etc/group (layer 3).",
  },
  { name: "no account files", facts: facts(), status: "skip", text: "neither /etc/passwd nor /etc/group" },
]);

// An account file that is there but was not read (over 8 MiB, not a regular file): no rule may pass on it.
const TOO_BIG = "its 9.0 MiB were not read (the limit is 8 MiB)";
const unreadFile = (file: "passwd" | "group" | "shadow") => ({ path: `/etc/${file}`, layer: 0, file, reason: TOO_BIG });
/** USER resolved against an /etc/passwd that was not read (and a Debian /etc/group). */
const unreadPasswd = (spec: string) => {
  const user = resolveUser(spec, { kind: "unknown", why: `/etc/passwd: ${TOO_BIG}` });
  return facts(userFacts(spec), { users: { user, unread: [unreadFile("passwd")] } });
};

describe("account files that were not read", () => {
  it("resolve to 'unknown', never to a uid", () => {
    expect(resolveUser("app", { kind: "unknown", why: "x" })).toMatchObject({ status: "unknown", resolved: false });
    expect(resolveUser("app", { kind: "unknown", why: "x" }).uid).toBeUndefined();
  });
});

table(userNonRoot, [
  { name: "a named USER, /etc/passwd not read", facts: unreadPasswd("app"), status: "fail", text: "cannot be resolved here" },
  { name: "USER root, /etc/passwd not read", facts: unreadPasswd("root"), status: "fail" },
  { name: "a non-zero uid, /etc/passwd not read (the engine runs that uid or nothing)", facts: unreadPasswd("1000"), status: "pass" },
]);

table(userNumeric, [{ name: "/etc/passwd there but not read", facts: unreadPasswd("app"), status: "skip", text: "IMG-USER-003" }]);

table(userResolves, [
  { name: "a named USER, /etc/passwd not read", facts: unreadPasswd("app"), status: "fail", text: "cannot be checked" },
  { name: "a numeric USER, /etc/passwd not read", facts: unreadPasswd("1000:1000"), status: "fail", text: "cannot be checked" },
]);

table(accountsEmptyPassword, [
  { name: "/etc/shadow not read", facts: facts(withPasswd, { users: { unread: [unreadFile("shadow")] } }), status: "fail", text: "empty password cannot be ruled out" },
  { name: "only an unread /etc/shadow", facts: facts({ users: { unread: [unreadFile("shadow")] } }), status: "fail", text: "/etc/shadow (layer 1) could not be read" },
]);

table(accountsDuplicateIds, [
  { name: "/etc/passwd not read", facts: facts({ users: { unread: [unreadFile("passwd")] } }), status: "skip", text: "duplicate ids cannot be checked" },
  {
    name: "a duplicate found in /etc/group, /etc/passwd not read",
    facts: facts(withPasswd, { users: { duplicateGids: [{ id: 100, names: ["users", "staff"] }], unread: [unreadFile("passwd")] } }),
    status: "fail",
  },
]);
