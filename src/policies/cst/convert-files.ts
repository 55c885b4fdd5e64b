/** fileExistenceTests, fileContentTests and licenseTests → IMG-FILE-001 assertions. */
import type { FileAssertion } from "../rules/file-assertions.js";
import type { Problems } from "./cst-checks.js";
import type { CstFileContentTest, CstFileExistenceTest, CstLicenseTest } from "./cst-types.js";

/** Go's FileMode.String() (type letters, then rwx), or `ls -l`'s form: what IMG-FILE-001 accepts. */
const PERMISSIONS = /^[-a-zA-Z?]{1,12}[-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$/;
const EXECUTABLE_BY = ["owner", "group", "other", "any"] as const;
/** Words whose presence in a copyright file fails container-structure-test's license test (it upper-cases the text first). */
export const BANNED_LICENSE_WORDS = ["AGPL", "WTFPL"];
export const DEBIAN_DOC_ROOT = "/usr/share/doc";

function ownerId(value: number | undefined, path: string[], problems: Problems): number | undefined {
  // -1 is container-structure-test's "not checked", and its default.
  if (value === undefined || value === -1) return undefined;
  if (value < 0) {
    problems.add(path, `expected an id of 0 or more (or -1 for "not checked"), found ${value}`);
    return undefined;
  }
  return value;
}

export function convertExistenceTests(tests: readonly (CstFileExistenceTest | undefined)[] | undefined, problems: Problems): FileAssertion[] {
  const out: FileAssertion[] = [];
  for (const [i, t] of (tests ?? []).entries()) {
    if (!t) continue;
    const at = ["fileExistenceTests", String(i)];
    const named = problems.required(t.name, at, "name", "container-structure-test needs a name for every test");
    if (!problems.required(t.path, at, "path", "the file or directory to check") || !problems.imagePath(t.path, [...at, "path"], true) || !named) continue;
    const a: FileAssertion = { name: t.name!, path: t.path };
    if (t.shouldExist === false) a.shouldExist = false;
    if (t.permissions) {
      if (PERMISSIONS.test(t.permissions)) a.permissions = t.permissions;
      else problems.add([...at, "permissions"], `expected a permission string such as "-rwxr-xr-x" or "drwxr-xr-x", found ${JSON.stringify(t.permissions)}`);
    }
    const uid = ownerId(t.uid, [...at, "uid"], problems);
    const gid = ownerId(t.gid, [...at, "gid"], problems);
    if (uid !== undefined) a.uid = uid;
    if (gid !== undefined) a.gid = gid;
    if (t.isExecutableBy) {
      const by = EXECUTABLE_BY.find((b) => b === t.isExecutableBy);
      if (by) a.isExecutableBy = by;
      else problems.add([...at, "isExecutableBy"], `expected one of ${EXECUTABLE_BY.join(", ")}, found ${JSON.stringify(t.isExecutableBy)}`);
    }
    out.push(a);
  }
  return out;
}

export function convertContentTests(tests: readonly (CstFileContentTest | undefined)[] | undefined, problems: Problems): FileAssertion[] {
  const out: FileAssertion[] = [];
  for (const [i, t] of (tests ?? []).entries()) {
    if (!t) continue;
    const at = ["fileContentTests", String(i)];
    const named = problems.required(t.name, at, "name", "container-structure-test needs a name for every test");
    problems.patterns(t.expectedContents, [...at, "expectedContents"]);
    problems.patterns(t.excludedContents, [...at, "excludedContents"]);
    if (!problems.required(t.path, at, "path", "the file to read") || !problems.imagePath(t.path, [...at, "path"]) || !named) continue;
    // The file must exist and be readable: IMG-FILE-001's default shouldExist, and its content checks need a regular file.
    const a: FileAssertion = { name: t.name!, path: t.path };
    if (t.expectedContents?.length) a.contentRegex = [...t.expectedContents];
    if (t.excludedContents?.length) a.excludedContentRegex = [...t.excludedContents];
    out.push(a);
  }
  return out;
}

/**
 * licenseTests. container-structure-test reads every `files` entry and, with `debian: true`,
 * every /usr/share/doc/<package>/copyright, failing on a missing file or on text holding
 * AGPL or WTFPL (case-insensitively). The listed files convert exactly. The Debian part
 * needs the list of package directories, and facts probe exact paths only, so it becomes
 * "/usr/share/doc exists" plus a note saying what was not checked.
 */
export function convertLicenseTests(
  tests: readonly (CstLicenseTest | undefined)[] | undefined,
  problems: Problems,
): { assertions: FileAssertion[]; notes: string[] } {
  const assertions: FileAssertion[] = [];
  const notes: string[] = [];
  const excluded = BANNED_LICENSE_WORDS.map((w) => `(?i)${w}`);
  for (const [i, t] of (tests ?? []).entries()) {
    if (!t) continue;
    const at = ["licenseTests", String(i)];
    if (t.debian) {
      assertions.push({ name: `License Test ${i + 1}: Debian copyright files`, path: DEBIAN_DOC_ROOT });
      notes.push(
        `${at[0]}[${i}].debian: only checked that ${DEBIAN_DOC_ROOT} exists; each package's ${DEBIAN_DOC_ROOT}/<package>/copyright (present, naming neither ${BANNED_LICENSE_WORDS.join(" nor ")}) needs a directory listing, and imgpolicy's file probes read exact paths only`,
      );
    }
    for (const [j, file] of (t.files ?? []).entries()) {
      if (file === undefined || !problems.imagePath(file, [...at, "files", String(j)])) continue;
      assertions.push({ name: `License Test ${i + 1}`, path: file, excludedContentRegex: excluded });
    }
  }
  return { assertions, notes };
}
