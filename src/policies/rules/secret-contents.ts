/**
 * IMG-FS-007: no known token format inside the files of the image's filesystem (facts:
 * `filesystem.secretContents`, found in the one pass over layer bytes by
 * parsers/secret-contents.ts). Vendored test data is a known source of false positives:
 * its paths are in `ignore` (DEFAULT_IGNORE below, overridable); a value that is not a
 * secret is accepted by its `sha256:` (`accept`, as IMG-ENV-001 and IMG-HIST-007).
 */
import { failIf, type Rule } from "../types.js";
import { allowSchema, globLists, pathMatcher, where } from "./path-glob.js";
import { SECRET_OPTION_PROPERTIES } from "./secret-options.js";
import { DEFAULT_TOKEN_SKIP_DIRS, SKIP_DIR_PATTERN } from "../../inspect/parsers/token-search-scope.js";

interface Options {
  /** Paths whose findings are not reported: globs over the path, or base names. */
  ignore: string[];
  /** Directories whose files are not searched at all (default: distribution data). */
  skipDirs: string[];
  /** `sha256:<hex>` of values that are not secrets. */
  accept: string[];
}

/**
 * Vendored test data and distribution fixtures that hold token-shaped values on purpose:
 * Go's crypto test data and the tests of a Go tree or module cache, Python's own test
 * suite and packages' tests, node_modules' tests, the ssl-cert snakeoil key.
 */
export const DEFAULT_IGNORE: readonly string[] = [
  "**/crypto/tls/testdata/**",
  "**/src/crypto/**/testdata/**",
  "**/go/src/**/testdata/**",
  "**/go-*/src/**/testdata/**",
  "**/go/pkg/mod/**/testdata/**",
  "**/go/src/**/*_test.go",
  "**/go-*/src/**/*_test.go",
  "**/go/pkg/mod/**/*_test.go",
  "**/lib/python*/test/**",
  "**/site-packages/**/tests/**",
  "**/dist-packages/**/tests/**",
  "**/node_modules/**/test/**",
  "**/node_modules/**/tests/**",
  "**/node_modules/**/__tests__/**",
  "/etc/ssl/private/ssl-cert-snakeoil.key",
];

export const rule: Rule<Options> = {
  id: "IMG-FS-007",
  title: "No tokens inside files",
  category: "filesystem",
  severity: "critical",
  cis: "4.10",
  description:
    "No text file of the image's filesystem holds a credential in a known format: AWS access key ids and secret keys, GitHub, GitLab, Slack, Stripe live, Google API, npm and PyPI tokens, URLs with a password (which covers .git-credentials), `_authToken` in an .npmrc, `auth`/`identitytoken` in a .docker/config.json, `password` in a .netrc. Searched in the first 1 MiB of every file that is not ELF and has no NUL byte in its first 8000 bytes, in the one pass over the layers, apart from the directories in `skipDirs` (by default what distributions ship as data: /usr/include, /usr/share/doc, man, locale, perl, the Python and Go standard libraries, package databases). Each finding names the path, line and layer, and shows only the kind, first two characters, length and sha256 of the value. Vendored test data (Go's crypto/tls testdata, Python's test suite, node_modules tests, …) is in `ignore` by default.",
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
          'Directories whose files are not searched at all, as absolute paths ending in "/" (a `*` matches within one segment: "/usr/lib/python3*/"). Default: what distributions ship as data (documentation, headers, package databases, the Perl, Python and Go standard libraries); [] searches every file.',
      },
      accept: SECRET_OPTION_PROPERTIES.accept,
    },
    additionalProperties: false,
  },
  defaultOptions: { ignore: [...DEFAULT_IGNORE], skipDirs: [...DEFAULT_TOKEN_SKIP_DIRS], accept: [] },
  patterns: globLists("ignore"),
  tokenSkipDirs: (options) => options.skipDirs,
  check(facts, options) {
    const ignored = pathMatcher(options.ignore);
    const accepted = new Set(options.accept);
    return failIf(
      (facts.filesystem.secretContents ?? [])
        .filter((s) => !accepted.has(s.sha256) && !ignored(s.path))
        .map((s) => ({
          message: `${where(s)} line ${s.line} holds ${s.kind} ${s.redacted} (value ${s.sha256}).`,
          location: { path: s.path, layer: s.layer },
          expected: "no credentials inside the image's files",
          found: `${s.kind} ${s.redacted} at ${s.path}:${s.line}`,
        })),
    );
  },
};
