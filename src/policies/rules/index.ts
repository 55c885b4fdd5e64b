/**
 * The explicit rule registry. Every rule file in this folder must be listed here
 * (a test fails otherwise). Order is the order `imgpolicy rules` lists them.
 */
import type { AnyRule } from "../types.js";
import { rule as entrypointExecutable } from "./entrypoint-executable.js";
import { rule as entrypointStatic } from "./entrypoint-static.js";
import { rule as entrypointStripped } from "./entrypoint-stripped.js";
import { rule as entrypointArch } from "./entrypoint-arch.js";
import { rule as goCgoDisabled } from "./go-cgo-disabled.js";
import { rule as goTrimpath } from "./go-trimpath.js";
import { rule as entrypointInterpreter } from "./entrypoint-interpreter.js";
import { rule as binariesArch } from "./binaries-arch.js";
import { rule as userNonRoot } from "./user-non-root.js";
import { rule as userNumeric } from "./user-numeric.js";
import { rule as userResolves } from "./user-resolves.js";
import { rule as commandExecForm } from "./command-exec-form.js";
import { rule as commandSet } from "./command-set.js";
import { rule as labelsRequired } from "./labels-required.js";
import { rule as labelsPattern } from "./labels-pattern.js";
import { rule as portsAllowed } from "./ports-allowed.js";
import { rule as envNoSecrets } from "./env-no-secrets.js";
import { rule as healthcheckPresent } from "./healthcheck-present.js";
import { rule as accountsEmptyPassword } from "./accounts-empty-password.js";
import { rule as accountsDuplicateIds } from "./accounts-duplicate-ids.js";
import { rule as caBundlePresent } from "./ca-bundle-present.js";
import { rule as caBundleParses } from "./ca-bundle-parses.js";
import { rule as caBundleFresh } from "./ca-bundle-fresh.js";
import { rule as zoneinfoPresent } from "./zoneinfo-present.js";
import { rule as noShell } from "./no-shell.js";
import { rule as noPackageManager } from "./no-package-manager.js";
import { rule as setuidSetgidFiles } from "./setuid-setgid-files.js";
import { rule as worldWritableFiles } from "./world-writable-files.js";
import { rule as secretFiles } from "./secret-files.js";
import { rule as strayFiles } from "./stray-files.js";
import { rule as secretContents } from "./secret-contents.js";
import { rule as deletedSecrets } from "./deleted-secrets.js";
import { rule as imageSize } from "./image-size.js";
import { rule as wastedBytes } from "./wasted-bytes.js";
import { rule as layerCount } from "./layer-count.js";
import { rule as addInsteadOfCopy } from "./add-instead-of-copy.js";
import { rule as aptUpdateAlone } from "./apt-update-alone.js";
import { rule as sudoInRun } from "./sudo-in-run.js";
import { rule as packageUpgrade } from "./package-upgrade.js";
import { rule as apkAddNoCache } from "./apk-add-no-cache.js";
import { rule as aptListsRemoved } from "./apt-lists-removed.js";
import { rule as historySecrets } from "./history-secrets.js";
import { rule as latestTag } from "./latest-tag.js";
import { rule as sensitiveVolumes } from "./sensitive-volumes.js";
import { rule as baseImagePinned } from "./base-image-pinned.js";
import { rule as fileAssertions } from "./file-assertions.js";
import { rule as cstCommandTests } from "./cst-command-tests.js";
import { rule as dockerfileBasePinned } from "./dockerfile-base-pinned.js";
import { rule as dockerfileFinalStage } from "./dockerfile-final-stage.js";
import { rule as dockerfileGoModFirst } from "./dockerfile-go-mod-first.js";
import { rule as dockerfileGoCacheMounts } from "./dockerfile-go-cache-mounts.js";
import { rule as dockerfileGoCgo } from "./dockerfile-go-cgo.js";
import { rule as dockerfileGoLdflags } from "./dockerfile-go-ldflags.js";
import { rule as dockerfileUser } from "./dockerfile-user.js";
import { rule as dockerfileExecForm } from "./dockerfile-exec-form.js";
import { rule as dockerfileApkNoCache } from "./dockerfile-apk-no-cache.js";
import { rule as dockerfileAptLists } from "./dockerfile-apt-lists.js";
import { rule as dockerfileMaskedFailures } from "./dockerfile-masked-failures.js";
import { rule as dockerfileSecrets } from "./dockerfile-secrets.js";
import { rule as dockerfileDockerignore } from "./dockerfile-dockerignore.js";
import { rule as dockerfileOciLabels } from "./dockerfile-oci-labels.js";
import { rule as dockerfileUserMatches } from "./dockerfile-user-matches.js";
import { rule as dockerfileEntrypointMatches } from "./dockerfile-entrypoint-matches.js";
import { rule as configAssertions } from "./config-assertions.js";
import { rule as runtimeHealthy } from "./runtime-healthy.js";
import { rule as runtimeStaysUp } from "./runtime-stays-up.js";
import { rule as runtimeReadOnly } from "./runtime-read-only.js";
import { rule as runtimeUser } from "./runtime-user.js";
import { rule as runtimeCapabilities } from "./runtime-capabilities.js";
import { rule as runtimeStop } from "./runtime-stop.js";
import { rule as runtimeCommandTests } from "./runtime-command-tests.js";

export const RULES: readonly AnyRule[] = [
  entrypointExecutable,
  entrypointStatic,
  entrypointStripped,
  entrypointArch,
  goCgoDisabled,
  goTrimpath,
  entrypointInterpreter,
  binariesArch,
  userNonRoot,
  userNumeric,
  userResolves,
  commandExecForm,
  commandSet,
  labelsRequired,
  labelsPattern,
  portsAllowed,
  envNoSecrets,
  healthcheckPresent,
  accountsEmptyPassword,
  accountsDuplicateIds,
  caBundlePresent,
  caBundleParses,
  caBundleFresh,
  zoneinfoPresent,
  noShell,
  noPackageManager,
  setuidSetgidFiles,
  worldWritableFiles,
  secretFiles,
  strayFiles,
  secretContents,
  deletedSecrets,
  imageSize,
  wastedBytes,
  layerCount,
  addInsteadOfCopy,
  aptUpdateAlone,
  sudoInRun,
  packageUpgrade,
  apkAddNoCache,
  aptListsRemoved,
  historySecrets,
  latestTag,
  sensitiveVolumes,
  baseImagePinned,
  fileAssertions,
  cstCommandTests,
  dockerfileBasePinned,
  dockerfileFinalStage,
  dockerfileGoModFirst,
  dockerfileGoCacheMounts,
  dockerfileGoCgo,
  dockerfileGoLdflags,
  dockerfileUser,
  dockerfileExecForm,
  dockerfileApkNoCache,
  dockerfileAptLists,
  dockerfileMaskedFailures,
  dockerfileSecrets,
  dockerfileDockerignore,
  dockerfileOciLabels,
  dockerfileUserMatches,
  dockerfileEntrypointMatches,
  configAssertions,
  runtimeHealthy,
  runtimeStaysUp,
  runtimeReadOnly,
  runtimeUser,
  runtimeCapabilities,
  runtimeStop,
  runtimeCommandTests,
];

export const RULES_BY_ID: ReadonlyMap<string, AnyRule> = new Map(RULES.map((r) => [r.id, r]));
