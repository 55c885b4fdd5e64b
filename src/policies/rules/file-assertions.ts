/** IMG-FILE-001: file assertions, container-structure-test style (fileExistenceTests, fileContentTests). */
import type { FileProbe } from "../../inspect/facts/types.js";
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { goModeString, lsModeString } from "./file-modes.js";
import { octal, where } from "./path-glob.js";
import { compileUserRegex, showPattern, type UserRegex } from "../../text/user-regex.js";

export interface FileAssertion {
  /** Path in the image; symlinks are followed. */
  path: string;
  /** A name for messages (container-structure-test's `name`). */
  name?: string;
  /** Default true. When false, the other checks are not made. */
  shouldExist?: boolean;
  /** "-rwxr-xr-x": container-structure-test's form (Go's FileMode), or `ls -l`'s ("-rwsr-xr-x"). */
  permissions?: string;
  /** Octal permission bits, "0755" or "4755". */
  mode?: string;
  uid?: number;
  gid?: number;
  isExecutableBy?: "owner" | "group" | "other" | "any";
  /** Regular expressions the content must match, each. */
  contentRegex?: string[];
  /** Regular expressions the content must not match. */
  excludedContentRegex?: string[];
}

interface Options {
  files: FileAssertion[];
}

const MAX_CONTENT = 1 << 20;
const EXEC_BITS = { owner: 0o100, group: 0o010, other: 0o001, any: 0o111 } as const;

function contentProblem(probe: FileProbe): string {
  if (probe.type === "dir") return "it is a directory, and content checks need a regular file";
  if (probe.size !== undefined && probe.size > MAX_CONTENT) return `its content was not captured: ${probe.size} bytes, over the 1 MiB limit of file probes`;
  return "its content was not captured by the inspector (inspect with the policy that asks for this path)";
}

interface Problem {
  text: string;
  expected: string;
  found: string;
}

function contentChecks(a: FileAssertion, probe: FileProbe, at: string): Problem[] {
  const wanted = a.contentRegex ?? [];
  const unwanted = a.excludedContentRegex ?? [];
  if (!wanted.length && !unwanted.length) return [];
  if (probe.content === undefined) {
    const why = contentProblem(probe);
    return [{ text: `content checks could not be made at ${at}: ${why}`, expected: "content to check", found: why }];
  }
  const problems: Problem[] = [];
  for (const [patterns, shouldMatch] of [[wanted, true], [unwanted, false]] as const) {
    for (const pattern of patterns) {
      let re: UserRegex;
      try {
        re = compileUserRegex(pattern);
      } catch (err) {
        const why = (err as Error).message;
        problems.push({ text: why, expected: "a regular expression imgpolicy accepts", found: why });
        continue;
      }
      const shown = showPattern(pattern);
      if (re.test(probe.content) === shouldMatch) continue;
      problems.push(
        shouldMatch
          ? { text: `the content at ${at} does not match ${shown}`, expected: `content matching ${shown}`, found: "no match" }
          : { text: `the content at ${at} matches ${shown}`, expected: `content not matching ${shown}`, found: "a match" },
      );
    }
  }
  return problems;
}

/** Checks one assertion against its probe. */
function judge(a: FileAssertion, probe: FileProbe): Problem[] {
  if (!probe.exists) return a.shouldExist === false ? [] : [{ text: "expected to exist, but it does not", expected: "exists", found: "no such path" }];
  const at = where({ path: probe.resolvedPath ?? probe.path, ...(probe.layer !== undefined ? { layer: probe.layer } : {}) });
  if (a.shouldExist === false) return [{ text: `expected not to exist, but a ${probe.type ?? "file"} is at ${at}`, expected: "does not exist", found: `${probe.type ?? "file"} at ${at}` }];
  const problems: Problem[] = [];
  const mode = probe.mode ?? 0;
  if (a.permissions !== undefined) {
    const go = goModeString(probe.type, mode);
    const ls = lsModeString(probe.type, mode);
    const found = go === ls ? go : `${go} (ls: ${ls})`;
    if (a.permissions !== go && a.permissions !== ls) problems.push({ text: `permissions are ${found} at ${at}`, expected: a.permissions, found });
  }
  if (a.mode !== undefined && (mode & 0o7777) !== parseInt(a.mode, 8)) {
    problems.push({ text: `mode is ${octal(mode)} at ${at}`, expected: `mode ${octal(parseInt(a.mode, 8))}`, found: `mode ${octal(mode)}` });
  }
  if (a.uid !== undefined && probe.uid !== a.uid) problems.push({ text: `owner uid is ${probe.uid ?? "unknown"} at ${at}`, expected: `uid ${a.uid}`, found: `uid ${probe.uid ?? "unknown"}` });
  if (a.gid !== undefined && probe.gid !== a.gid) problems.push({ text: `group gid is ${probe.gid ?? "unknown"} at ${at}`, expected: `gid ${a.gid}`, found: `gid ${probe.gid ?? "unknown"}` });
  if (a.isExecutableBy !== undefined && !(mode & EXEC_BITS[a.isExecutableBy])) {
    const found = `mode ${octal(mode)} (${lsModeString(probe.type, mode)})`;
    problems.push({ text: `not executable by ${a.isExecutableBy}: ${found} at ${at}`, expected: `executable by ${a.isExecutableBy}`, found });
  }
  return [...problems, ...contentChecks(a, probe, at)];
}

export const rule: Rule<Options> = {
  id: "IMG-FILE-001",
  title: "File assertions hold",
  category: "files",
  severity: "high",
  optIn: true,
  description:
    "Each file assertion in `files` holds, as container-structure-test's fileExistenceTests and fileContentTests check them, read from the layers without starting a container: the path exists (or, with `shouldExist: false`, does not); its `permissions` string (\"-rwxr-xr-x\", Go's or ls's form) or octal `mode`, `uid`, `gid` and `isExecutableBy` (owner, group, other, any) match; its content matches every `contentRegex` and no `excludedContentRegex`. Symlinks are followed. Content is captured for regular files up to 1 MiB; a content check on a file without captured content fails and says why.",
  rationale:
    "Some files are the contract of an image: the binary is executable by the runtime user, the CA bundle and /etc/passwd are where the program looks, a configuration file holds the production setting and not the debug one. Asserting them in the policy catches a broken COPY or a changed base before deployment. container-structure-test does this by starting a container for each check (slow, and impossible without a shell); this rule reads the layers.",
  remediation:
    "Make the Dockerfile produce what the assertion says, e.g. for `{ path: /app, mode: \"0755\", uid: 65532, isExecutableBy: other }`:\n" +
    "  COPY --chown=65532:65532 --chmod=0755 app /app\n" +
    "and for a content assertion, copy the right file: `COPY config/production.yaml /etc/app/config.yaml`.",
  optionsSchema: {
    type: "object",
    properties: {
      files: {
        type: "array",
        description: "File assertions, checked in order.",
        items: {
          type: "object",
          required: ["path"],
          additionalProperties: false,
          properties: {
            path: { type: "string", pattern: "^/", description: "Absolute path in the image; symlinks are followed." },
            name: { type: "string", minLength: 1, description: "A name for messages." },
            shouldExist: { type: "boolean", description: "Default true." },
            permissions: {
              type: "string",
              pattern: "^[-a-zA-Z?]{1,12}[-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$",
              description: 'E.g. "-rwxr-xr-x" (container-structure-test) or "-rwsr-xr-x" (ls).',
            },
            mode: { type: "string", pattern: "^0?[0-7]{3,4}$", description: 'Octal permission bits, e.g. "0755".' },
            uid: { type: "integer", minimum: 0 },
            gid: { type: "integer", minimum: 0 },
            isExecutableBy: { enum: ["owner", "group", "other", "any"] },
            contentRegex: { type: "array", items: { type: "string" }, description: "Patterns (RE2 syntax) the content must match." },
            excludedContentRegex: { type: "array", items: { type: "string" }, description: "Patterns (RE2 syntax) the content must not match." },
          },
        },
      },
    },
    additionalProperties: false,
  },
  defaultOptions: { files: [] },
  files(options) {
    return [...new Set(options.files.map((a) => a.path))];
  },
  patterns(options) {
    return (options.files ?? []).flatMap((a, i) =>
      (["contentRegex", "excludedContentRegex"] as const).flatMap((field) => (a[field] ?? []).map((_, j) => ({ path: ["files", i, field, j], kind: "regex" as const }))),
    );
  },
  check(facts, options) {
    if (!options.files.length) return skip("no file assertions are configured (option `files`)");
    const probed = options.files.filter((a) => facts.files[a.path] !== undefined);
    if (!probed.length) return skip("the facts hold no probes for the asserted paths: they were collected without this policy");
    const findings: Finding[] = [];
    for (const a of options.files) {
      const label = a.name ? `${a.name} (${a.path})` : a.path;
      const probe = facts.files[a.path];
      if (!probe) {
        findings.push({ message: `${label}: not probed: the facts were collected without this path.`, location: { path: a.path }, expected: "a probe of the path", found: "none" });
        continue;
      }
      const location = { path: probe.path, ...(probe.layer !== undefined ? { layer: probe.layer } : {}) };
      for (const p of judge(a, probe)) findings.push({ message: `${label}: ${p.text}.`, location, expected: p.expected, found: p.found });
    }
    return failIf(findings);
  },
};
