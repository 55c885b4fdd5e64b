/**
 * IMG-FS-007: no known token format inside the files of the image's filesystem (facts:
 * `filesystem.secretContents`, found in the one pass over layer bytes by
 * parsers/secret-contents.ts). Vendored test data is a known source of false positives:
 * its paths are in `ignore` (vendored-secrets.ts, overridable); a value that is not a
 * secret is accepted by its `sha256:` (`accept`, as IMG-ENV-001 and IMG-HIST-007).
 */
import { failIf, type Rule } from "../types.js";
import { SEARCH_STOPPED } from "../../inspect/parsers/secret-search-stopped.js";
import { allowSchema, globLists, pathMatcher, where } from "./path-glob.js";
import { SECRET_OPTION_PROPERTIES } from "./secret-options.js";
import { DEFAULT_TOKEN_SKIP_DIRS, SKIP_DIR_PATTERN } from "../../inspect/parsers/token-search-scope.js";
import { VENDORED_SECRET_PATHS, VENDORED_SECRET_PATHS_TEXT } from "./vendored-secrets.js";

interface Options {
  /** Paths whose findings are not reported: globs over the path, or base names. */
  ignore: string[];
  /** Directories whose files are not searched at all (default: distribution data). */
  skipDirs: string[];
  /** `sha256:<hex>` of values that are not secrets. */
  accept: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-FS-007",
  title: "No tokens inside files",
  category: "filesystem",
  severity: "critical",
  cis: "4.10",
  description:
    "No text file of the image's filesystem holds a credential in a known format: AWS access key ids and secret keys, GitHub, GitLab, Slack, Stripe live, Google API, npm and PyPI tokens, URLs with a password (which covers .git-credentials), `_authToken` in an .npmrc, `auth`/`identitytoken` in a .docker/config.json, `password` in a .netrc. Searched in the first 1 MiB of every file that is not ELF and has no NUL byte in its first 8000 bytes, in the one pass over the layers, apart from the directories in `skipDirs` (by default what distributions ship as data: /usr/include, /usr/share/doc, man, locale, perl, the Python and Go standard libraries, package databases). Each finding names the path, line and layer, and shows only the kind, first two characters, length and sha256 of the value. `ignore` holds by default " +
    VENDORED_SECRET_PATHS_TEXT,
  rationale:
    "CIS Docker Benchmark 4.10, dockle CIS-DI-0010, trivy's secret scanner: every file of an image is readable by whoever can pull it. A token in a config file or a bundle is as leaked as one in ENV.",
  remediation:
    "Rotate the token, remove it from the source or build context, and give it to the container at run time (an environment variable or a mounted secret), or to the build as a build secret:\n" +
    "  RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n" +
    "A value that is not a secret (a documented example): list its hash (printed in the finding) in `accept`; a path that holds test data: add it to `ignore`.",
  optionsSchema: {
    type: "object",
    properties: {
      ignore: allowSchema("Paths whose findings are not reported (default: vendored test data)"),
      skipDirs: {
        type: "array",
        items: { type: "string", pattern: SKIP_DIR_PATTERN, maxLength: 4096 },
        uniqueItems: true,
        description:
          'Directories whose files are not searched at all, as absolute paths ending in "/" (a `*` matches within one segment: "/usr/lib/python3.*/"); an entry starting with "!" is searched even inside one ("!/usr/lib/python3.*/site-packages/"). Default: what distributions ship as data (documentation, headers, package databases, the Perl, Python and Go standard libraries, not site-packages); [] searches every file.',
      },
      accept: SECRET_OPTION_PROPERTIES.accept,
    },
    additionalProperties: false,
  },
  defaultOptions: { ignore: [...VENDORED_SECRET_PATHS], skipDirs: [...DEFAULT_TOKEN_SKIP_DIRS], accept: [] },
  patterns: globLists("ignore"),
  tokenSkipDirs: (options) => options.skipDirs,
  check(facts, options) {
    const ignored = pathMatcher(options.ignore);
    const accepted = new Set(options.accept);
    return failIf(
      (facts.filesystem.secretContents ?? [])
        .filter((s) => !accepted.has(s.sha256) && !ignored(s.path))
        .map((s) =>
          s.kind === SEARCH_STOPPED
            ? {
                // (no value, so no accept: the file is not shown free of tokens after this line)
                message: `${where(s)} was not searched after line ${s.line} ${s.redacted}: it is not shown to be free of tokens.`,
                location: { path: s.path, layer: s.layer },
                expected: "a file searched to its end (or its path in `ignore`)",
                found: `search stopped at ${s.path}:${s.line}`,
              }
            : {
                message: `${where(s)} line ${s.line} holds ${s.kind} ${s.redacted} (value ${s.sha256}).`,
                location: { path: s.path, layer: s.layer },
                expected: "no credentials inside the image's files",
                found: `${s.kind} ${s.redacted} at ${s.path}:${s.line}`,
              },
        ),
    );
  },
};
