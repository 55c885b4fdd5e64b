/**
 * Paths that hold secret-shaped files or values on purpose, shipped by distributions and
 * toolchains rather than by the application: the default `allow` of IMG-FS-005 and
 * IMG-FS-008 and the default `ignore` of IMG-FS-007 (each overridable in a policy). Globs
 * as path-glob.ts matches them (a "/" in every entry: matched against the whole path).
 */

/** Vendored test data: Go's crypto test data and the tests of a Go tree or module cache, Python's and packages' tests, node_modules' tests. */
const TEST_DATA: readonly string[] = [
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
];

/** What distributions ship: the ssl-cert package's snakeoil key (made at install, the same in every container), packages' documentation and examples, build tools' templates (CMake's Windows test certificate). */
const DISTRIBUTION: readonly string[] = ["/etc/ssl/private/ssl-cert-snakeoil.key", "/usr/share/doc/**", "/usr/share/cmake*/Templates/**"];

export const VENDORED_SECRET_PATHS: readonly string[] = [...TEST_DATA, ...DISTRIBUTION];

/** The words the rules' descriptions share, after "… holds by default ". */
export const VENDORED_SECRET_PATHS_TEXT =
  "the paths of vendored data, which holds secret-shaped files on purpose: Go's crypto/tls testdata and the tests of a Go tree or module cache, Python's test suite and packages' tests, node_modules tests, the ssl-cert snakeoil key, /usr/share/doc, CMake's templates (a policy that sets the list replaces it).";
