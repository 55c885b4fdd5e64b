/**
 * Issue 4: each shipped policy against fixture images that reproduce the seeds'
 * Dockerfiles (fixtures/seed-images), with the expected status of every rule written
 * down and the policy's overall verdict.
 *
 * The tables below were written from what each image holds and what each rule checks
 * (`imgpolicy rules ID`), not from the tool's output. A status that only holds because
 * of a rule bug is marked `// BUG:` with the behaviour the rule should have.
 *
 * The images (see fixtures/seed-images/images.ts for the Dockerfile each one reproduces):
 *   scratch           production template, FROM scratch: certs, static stripped -trimpath binary, USER 65534:65534
 *   course-scratch    the course's final API image: builder's /etc/passwd, USER nonroot, EXPOSE 8080, GIN_MODE,
 *                     a static cgo binary (-linkmode external -extldflags -static), not stripped, no CA bundle
 *   distroless        production template on static-debian12:nonroot: passwd with nonroot, certs, tzdata, USER 65532
 *   distroless-debug  gofile's distroless variant "with a shell": the :debug-nonroot base, busybox in /busybox on PATH
 *   alpine            glassops native adapter: busybox + apk, ca-certificates, git, user glassops 1000, plain `go build`
 *   gofile            gofile's alpine stage: ca-certificates + tzdata, `adduser -D gofile`, static stripped binary
 *   glassops-runtime  glassops runtime: alpine + node, npm, git, coreutils, sf CLI (npm cache left), no USER
 *   debian            a service on debian:12-slim: apt lists left behind, user app:app, TZ, certs, tzdata
 *   naive             single stage FROM golang: cgo binary, toolchain, .git, caches, no USER, shell-form CMD, ~370 MB
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SEED_IMAGE_NAMES,
  buildSeedBinaries,
  canBuildSeedBinaries,
  hostHasSeedFiles,
  writeSeedImages,
  type SeedImageName,
} from "../../fixtures/seed-images/index.js";
import { check } from "../../src/policies/check.js";
import { loadPolicy } from "../../src/policies/load-policy.js";
import type { ImageReport, Report, ResultStatus } from "../../src/policies/report-types.js";
import { severityRank } from "../../src/policies/types.js";

type Status = ResultStatus;
type PolicyName = "base" | "cis-docker" | "go-scratch" | "go-distroless" | "go-alpine" | "glassops" | "debian-service";

const P: Status = "pass";
const F: Status = "fail";
const S: Status = "skip";
/** Not run on this image by any policy paired with it. */
const _ = null;

/** Every rule that is not opt-in: what base runs, and what every other policy starts from. */
const BASE_RULES = [
  "IMG-BIN-001", "IMG-BIN-002", "IMG-BIN-003", "IMG-BIN-004", "IMG-BIN-005", "IMG-BIN-006", "IMG-BIN-007", "IMG-BIN-008",
  "IMG-USER-001", "IMG-USER-002", "IMG-USER-003", "IMG-CMD-001", "IMG-CMD-002", "IMG-LABEL-001", "IMG-PORT-001",
  "IMG-ENV-001", "IMG-HEALTH-001", "IMG-USERS-001", "IMG-USERS-002", "IMG-CA-001", "IMG-CA-002", "IMG-CA-003",
  "IMG-TZ-001", "IMG-FS-003", "IMG-FS-004", "IMG-FS-005", "IMG-FS-006", "IMG-FS-007", "IMG-FS-008", "IMG-SIZE-002", "IMG-HIST-001",
  "IMG-HIST-002", "IMG-HIST-003", "IMG-HIST-004", "IMG-HIST-005", "IMG-HIST-006", "IMG-HIST-007", "IMG-TAG-001", "IMG-VOL-001",
  "IMG-BASE-001", "IMG-RUN-001", "IMG-RUN-002", "IMG-RUN-003", "IMG-RUN-004", "IMG-RUN-005", "IMG-RUN-006",
  "IMG-RUN-007",
  "IMG-DF-001", "IMG-DF-002", "IMG-DF-003", "IMG-DF-004", "IMG-DF-005", "IMG-DF-006", "IMG-DF-007", "IMG-DF-008", "IMG-DF-009", "IMG-DF-010", "IMG-DF-011", "IMG-DF-012", "IMG-DF-013", "IMG-DF-014", "IMG-DF-015", "IMG-DF-016",
];
const RUNTIME_RULES = BASE_RULES.filter((r) => r.startsWith("IMG-RUN-"));

/** The rules each policy runs: base's, plus the opt-in rules it turns on. */
const POLICY_RULES: Record<PolicyName, string[]> = {
  base: BASE_RULES,
  "cis-docker": BASE_RULES,
  "go-scratch": [...BASE_RULES, "IMG-FS-001", "IMG-FS-002", "IMG-SIZE-001"],
  "go-distroless": [...BASE_RULES, "IMG-FS-001", "IMG-FS-002", "IMG-SIZE-001"],
  "go-alpine": [...BASE_RULES, "IMG-SIZE-001"],
  glassops: [...BASE_RULES, "IMG-FS-002", "IMG-SIZE-001"],
  "debian-service": [...BASE_RULES, "IMG-SIZE-001"],
};

/** Columns of VERDICTS, in this order. */
const COLUMNS: readonly SeedImageName[] = ["scratch", "course-scratch", "distroless", "distroless-debug", "alpine", "gofile", "glassops-runtime", "debian", "naive"];

/**
 * What every rule should say about each image, under the options of the policies that
 * run it on that image (POLICY_OVERRIDES has the statuses a policy's options change).
 */
// prettier-ignore
const VERDICTS: Record<string, (Status | null)[]> = {
  //                scratch course distroless debug alpine gofile runtime debian naive
  // the program: /app, /api-golang, /usr/local/bin/…, /bin/gofile, or ./api-golang via the shell in /app
  "IMG-BIN-001":   [P, P, P, P, P, P, P, P, P],
  // only the naive cgo build is dynamic; the course's cgo build is linked -static
  "IMG-BIN-002":   [P, P, P, P, P, P, P, P, F],
  // -s -w everywhere but the course, the adapter (plain `go build`) and the naive build
  "IMG-BIN-003":   [P, F, P, P, F, P, P, P, F],
  "IMG-BIN-004":   [P, P, P, P, P, P, P, P, P],
  // cgo on for the course (gcc in golang:1.19-bullseye) and the naive build
  "IMG-BIN-005":   [P, F, P, P, P, P, P, P, F],
  // -trimpath only in the production template's builds (gofile's two variants ship the same -s -w build)
  "IMG-BIN-006":   [P, F, P, F, F, F, F, P, F],
  // only the naive binary has a loader, and golang's Debian base ships glibc's
  "IMG-BIN-007":   [S, S, S, S, S, S, S, S, P],
  // busybox (static), the host's glibc and loader, the Go binaries: all amd64
  "IMG-BIN-008":   [P, P, P, P, P, P, P, P, P],
  // no USER in the glassops runtime and the naive image: root
  "IMG-USER-001":  [P, P, P, P, P, P, F, P, F],
  // only scratch has no /etc/passwd, and its USER is numeric
  "IMG-USER-002":  [P, S, S, S, S, S, S, S, S],
  // named users resolve (nonroot, glassops, gofile, app:app); 65532 is numeric; USER unset is IMG-USER-001's
  "IMG-USER-003":  [S, P, S, S, P, P, S, P, S],
  // `CMD ./api-golang` is stored as ["/bin/sh", "-c", "./api-golang"]
  "IMG-CMD-001":   [P, P, P, P, P, P, P, P, F],
  "IMG-CMD-002":   [P, P, P, P, P, P, P, P, P],
  // no seed sets the OCI provenance labels in its final stage (the course's LABEL is in the build stage)
  "IMG-LABEL-001": [F, F, F, F, F, F, F, F, F],
  // 8080 only
  "IMG-PORT-001":  [P, P, P, P, P, P, P, P, P],
  // PATH, GIN_MODE, SSL_CERT_FILE, TZ, GOLANG_VERSION, GOTOOLCHAIN, GOPATH
  "IMG-ENV-001":   [P, P, P, P, P, P, P, P, P],
  // no seed writes a HEALTHCHECK
  "IMG-HEALTH-001":[F, F, F, F, F, F, F, F, F],
  // accounts are locked (`*`, `!`) or `x`; scratch has no account files
  "IMG-USERS-001": [S, P, P, P, P, P, P, P, P],
  "IMG-USERS-002": [S, P, P, P, P, P, P, P, P],
  // the course copies only /etc/passwd and the binary into scratch
  "IMG-CA-001":    [P, F, P, P, P, P, P, P, P],
  "IMG-CA-002":    [P, S, P, P, P, P, P, P, P],
  // the host's Debian bundle, as of CHECKED_AT: at most a few expired roots, far under 10 %
  "IMG-CA-003":    [P, S, P, P, P, P, P, P, P],
  // only the debian image sets TZ (America/New_York, which its tzdata has)
  "IMG-TZ-001":    [S, S, S, S, S, S, S, P, S],
  // go-scratch and go-distroless only. distroless-debug has busybox at /busybox/sh, and /busybox is on its PATH
  "IMG-FS-001":    [P, P, P, F, _, _, _, _, _],
  // go-scratch, go-distroless; glassops allows /sbin/apk and npm
  "IMG-FS-002":    [P, P, P, P, P, _, P, _, _],
  // Debian's su, passwd, mount… (and openssh-client's ssh-keysign in golang's base)
  "IMG-FS-003":    [P, P, P, P, P, P, P, F, F],
  // /tmp and /var/tmp are 1777; golang's /go is 1777
  "IMG-FS-004":    [P, P, P, P, P, P, P, P, P],
  "IMG-FS-005":    [P, P, P, P, P, P, P, P, P],
  // npm's cache in /root/.npm; the naive image's .git, Dockerfile, module and build caches (apt lists are IMG-HIST-006's)
  "IMG-FS-006":    [P, P, P, P, P, P, F, P, F],
  // no token in a known format inside a text file (vendored test data ignored)
  "IMG-FS-007":    [P, P, P, P, P, P, P, P, P],
  // no layer deletes or overwrites a key or a credential file (golang's and Debian's RUNs delete caches and lists)
  "IMG-FS-008":    [P, P, P, P, P, P, P, P, P],
  // budgets: go-scratch 50 MB, go-alpine 100 MB, glassops 1 GB, debian-service 300 MB; the naive image is ~370 MB
  "IMG-SIZE-001":  [P, P, P, P, P, P, P, P, F],
  // overwritten files: a rewritten CA bundle (220 kB), account files, dpkg status: far under 10 MB / 10 %
  "IMG-SIZE-002":  [P, P, P, P, P, P, P, P, P],
  // alpine's base is `ADD file:… in /` (an extracted rootfs tarball); the seeds COPY
  "IMG-HIST-001":  [P, P, P, P, P, P, P, P, P],
  // update and install in one RUN (golang's `set -eux; apt-get update; apt-get install …`)
  "IMG-HIST-002":  [P, P, P, P, P, P, P, P, P],
  "IMG-HIST-003":  [P, P, P, P, P, P, P, P, P],
  "IMG-HIST-004":  [P, P, P, P, P, P, P, P, P],
  // every apk add has --no-cache (gofile's cache mount is not in the history)
  "IMG-HIST-005":  [P, P, P, P, P, P, P, P, P],
  // no apt at all but in the Debian images; debian ships its lists, golang removed them in each RUN
  "IMG-HIST-006":  [S, S, S, S, S, S, S, F, P],
  // no secret in any image's build history (the seeds pass build args such as REVISION, none secret)
  "IMG-HIST-007":  [P, P, P, P, P, P, P, P, P],
  // native-adapter, glassops and api-golang (naive) are built without a tag: latest
  "IMG-TAG-001":   [P, P, P, P, F, P, F, P, F],
  "IMG-VOL-001":   [P, P, P, P, P, P, P, P, P],
  // no image records its base in labels
  "IMG-BASE-001":  [S, S, S, S, S, S, S, S, S],
  // a static check does not start the image: every runtime rule says "not run: pass --runtime"
  "IMG-RUN-001":   [S, S, S, S, S, S, S, S, S],
  "IMG-RUN-002":   [S, S, S, S, S, S, S, S, S],
  "IMG-RUN-003":   [S, S, S, S, S, S, S, S, S],
  "IMG-RUN-004":   [S, S, S, S, S, S, S, S, S],
  "IMG-RUN-005":   [S, S, S, S, S, S, S, S, S],
  "IMG-RUN-006":   [S, S, S, S, S, S, S, S, S],
  "IMG-RUN-007":   [S, S, S, S, S, S, S, S, S],
  // Dockerfile lint: no Dockerfile is given for these images (check --build gives one)
  "IMG-DF-001":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-002":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-003":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-004":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-005":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-006":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-007":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-008":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-009":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-010":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-011":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-012":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-013":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-014":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-015":  [S, S, S, S, S, S, S, S, S],
  "IMG-DF-016":  [S, S, S, S, S, S, S, S, S],
};

/** Statuses a policy's options change from VERDICTS. */
const POLICY_OVERRIDES: Partial<Record<PolicyName, Partial<Record<SeedImageName, Record<string, Status>>>>> = {
  // `required: true`: a zoneinfo database must exist without TZ, and distroless has one
  "go-distroless": { distroless: { "IMG-TZ-001": P }, "distroless-debug": { "IMG-TZ-001": P } },
  // the base's own setuid programs are allowed; the naive image's ssh-keysign (from buildpack-deps) is not
  "debian-service": { debian: { "IMG-FS-003": P } },
};

interface Pair {
  policy: PolicyName;
  image: SeedImageName;
  passed: boolean;
  /** The failing rules at or above the policy's failOn (high for every shipped policy). */
  blocking: string[];
}

/** Each policy on the images of its pattern; base and cis-docker on every image. */
const PAIRS: Pair[] = [
  { policy: "base", image: "scratch", passed: true, blocking: [] },
  { policy: "base", image: "course-scratch", passed: true, blocking: [] },
  { policy: "base", image: "distroless", passed: true, blocking: [] },
  { policy: "base", image: "distroless-debug", passed: true, blocking: [] },
  { policy: "base", image: "alpine", passed: true, blocking: [] },
  { policy: "base", image: "gofile", passed: true, blocking: [] },
  { policy: "base", image: "glassops-runtime", passed: false, blocking: ["IMG-USER-001"] },
  // IMG-FS-003 is high by default: base fails every stock Debian image (see debian-service)
  { policy: "base", image: "debian", passed: false, blocking: ["IMG-FS-003"] },
  { policy: "base", image: "naive", passed: false, blocking: ["IMG-USER-001", "IMG-FS-003"] },

  { policy: "cis-docker", image: "scratch", passed: true, blocking: [] },
  { policy: "cis-docker", image: "course-scratch", passed: true, blocking: [] },
  { policy: "cis-docker", image: "distroless", passed: true, blocking: [] },
  { policy: "cis-docker", image: "distroless-debug", passed: true, blocking: [] },
  // latest is medium (DKL-DI-0006 is a WARN)
  { policy: "cis-docker", image: "alpine", passed: true, blocking: [] },
  { policy: "cis-docker", image: "gofile", passed: true, blocking: [] },
  { policy: "cis-docker", image: "glassops-runtime", passed: false, blocking: ["IMG-USER-001"] },
  // dockle rates setuid files INFO and leftover apt lists FATAL (DKL-DI-0005)
  { policy: "cis-docker", image: "debian", passed: false, blocking: ["IMG-HIST-006"] },
  // setuid files are INFO in dockle; running as root is kept a blocker (CIS 4.1)
  { policy: "cis-docker", image: "naive", passed: false, blocking: ["IMG-USER-001"] },

  { policy: "go-scratch", image: "scratch", passed: true, blocking: [] },
  // static, but built with cgo on, not stripped and without a CA bundle: go-scratch's description promises all three
  { policy: "go-scratch", image: "course-scratch", passed: false, blocking: ["IMG-BIN-003", "IMG-BIN-005", "IMG-CA-001"] },

  { policy: "go-distroless", image: "distroless", passed: true, blocking: [] },
  // the debug variant's shell in /busybox (on its PATH) is what go-distroless rules out
  { policy: "go-distroless", image: "distroless-debug", passed: false, blocking: ["IMG-FS-001"] },

  { policy: "go-alpine", image: "alpine", passed: true, blocking: [] },
  { policy: "go-alpine", image: "gofile", passed: true, blocking: [] },

  { policy: "glassops", image: "alpine", passed: true, blocking: [] },
  { policy: "glassops", image: "glassops-runtime", passed: false, blocking: ["IMG-USER-001"] },

  // apt lists left behind are medium here: a warning, not a block
  { policy: "debian-service", image: "debian", passed: true, blocking: [] },
  // ~370 MB: over debian-service's 300 MB budget, which blocks
  { policy: "debian-service", image: "naive", passed: false, blocking: ["IMG-USER-001", "IMG-FS-003", "IMG-SIZE-001"] },
];

/** Findings that show a status holds for the reason the table gives: the paths they point at. */
const FINDING_PATHS: { policy: PolicyName; image: SeedImageName; rule: string; paths: string[] }[] = [
  {
    policy: "base",
    image: "debian",
    rule: "IMG-FS-003",
    paths: ["/usr/bin/chfn", "/usr/bin/chsh", "/usr/bin/gpasswd", "/usr/bin/mount", "/usr/bin/newgrp", "/usr/bin/passwd", "/usr/bin/su", "/usr/bin/umount", "/usr/bin/chage", "/usr/bin/expiry", "/usr/sbin/unix_chkpwd"],
  },
  { policy: "debian-service", image: "naive", rule: "IMG-FS-003", paths: ["/usr/lib/openssh/ssh-keysign"] },
  { policy: "base", image: "naive", rule: "IMG-FS-006", paths: ["/app/.git", "/app/Dockerfile", "/go/pkg/mod", "/root/.cache/go-build"] },
  { policy: "base", image: "glassops-runtime", rule: "IMG-FS-006", paths: ["/root/.npm/_cacache"] },
  { policy: "debian-service", image: "debian", rule: "IMG-HIST-006", paths: ["/var/lib/apt/lists"] },
  { policy: "base", image: "course-scratch", rule: "IMG-CA-001", paths: ["/etc/ssl/certs/ca-certificates.crt"] },
  { policy: "go-scratch", image: "course-scratch", rule: "IMG-BIN-005", paths: ["/api-golang"] },
  { policy: "base", image: "naive", rule: "IMG-BIN-002", paths: ["/app/api-golang"] },
];

function expectedTable(policy: PolicyName, image: SeedImageName): Record<string, Status> {
  const column = COLUMNS.indexOf(image);
  const overrides = POLICY_OVERRIDES[policy]?.[image] ?? {};
  const table: Record<string, Status> = {};
  for (const rule of POLICY_RULES[policy]) {
    const status = overrides[rule] ?? VERDICTS[rule]?.[column];
    if (status === undefined || status === null) throw new Error(`no expected status for ${rule} on ${image} (policy ${policy})`);
    table[rule] = status;
  }
  return table;
}

const POLICIES = [...new Set(PAIRS.map((p) => p.policy))];
/** The images are checked as of the day the seeds' stages were built, so the CA bundle's expiry count does not drift. */
const CHECKED_AT = new Date("2024-06-20T12:00:00Z");
const canRun = canBuildSeedBinaries() && hostHasSeedFiles();

let dir: string | undefined;
const reports = new Map<PolicyName, Report>();
let refs: Record<SeedImageName, string>;

function imageReport(policy: PolicyName, image: SeedImageName): ImageReport {
  const report = reports.get(policy);
  const found = report?.images.find((i) => i.reference === refs[image]);
  if (!found) throw new Error(`no report for ${image} under ${policy}`);
  return found;
}

beforeAll(async () => {
  if (!canRun) return;
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-seed-verdicts-"));
  const binaries = await buildSeedBinaries(join(dir, "bin"));
  refs = await writeSeedImages(join(dir, "images"), binaries);
  for (const policy of POLICIES) {
    const { policy: resolved, errors } = await loadPolicy(policy);
    if (!resolved) throw new Error(`policy ${policy}: ${errors.map((e) => e.message).join("; ")}`);
    const images = PAIRS.filter((p) => p.policy === policy).map((p) => refs[p.image]);
    reports.set(policy, await check(images, { policy: resolved, policyNames: [policy], now: CHECKED_AT }));
  }
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the verdict tables", () => {
  it("have a row for every rule a paired policy runs, and a column for every seed image", () => {
    expect([...COLUMNS].sort()).toEqual([...SEED_IMAGE_NAMES].sort());
    for (const row of Object.values(VERDICTS)) expect(row).toHaveLength(COLUMNS.length);
    for (const pair of PAIRS) expect(() => expectedTable(pair.policy, pair.image)).not.toThrow();
  });

  it("pair base and cis-docker with every image", () => {
    for (const policy of ["base", "cis-docker"] as const) {
      expect(PAIRS.filter((p) => p.policy === policy).map((p) => p.image)).toEqual([...COLUMNS]);
    }
  });
});

describe.skipIf(!canRun)("shipped policies on the seed images", () => {
  describe.each(POLICIES)("%s", (policy) => {
    it("runs exactly the rules written down for it", () => {
      for (const pair of PAIRS.filter((p) => p.policy === policy)) {
        expect(imageReport(policy, pair.image).results.map((r) => r.rule).sort()).toEqual([...POLICY_RULES[policy]].sort());
      }
    });

    it.each(PAIRS.filter((p) => p.policy === policy).map((p) => [p.image, p] as const))("%s", (_image, pair) => {
      const report = imageReport(policy, pair.image);
      expect(report.error).toBeUndefined();
      const actual = Object.fromEntries(report.results.map((r) => [r.rule, r.status]));
      expect(actual).toEqual(expectedTable(policy, pair.image));
      const failOn = reports.get(policy)!.failOn;
      const blocking = report.results.filter((r) => r.status === "fail" && severityRank(r.severity) >= severityRank(failOn)).map((r) => r.rule);
      expect(blocking).toEqual(pair.blocking);
      expect(report.passed).toBe(pair.passed);
    });
  });

  it.each(FINDING_PATHS.map((f) => [`${f.policy} ${f.image} ${f.rule}`, f] as const))("%s points at the files the table names", (_name, f) => {
    const result = imageReport(f.policy, f.image).results.find((r) => r.rule === f.rule);
    expect(result?.status).toBe("fail");
    expect(result!.findings.map((x) => x.location?.path).sort()).toEqual([...f.paths].sort());
  });

  it("skips the runtime rules because nothing asked for a run, not for another reason", () => {
    for (const pair of PAIRS) {
      for (const r of imageReport(pair.policy, pair.image).results.filter((x) => RUNTIME_RULES.includes(x.rule))) {
        expect(r.reason, `${pair.policy} ${pair.image} ${r.rule}`).toBe("not run: pass --runtime");
      }
    }
  });

  it("reports each policy's overall verdict as the conjunction of its images' verdicts", () => {
    for (const policy of POLICIES) {
      expect(reports.get(policy)!.passed).toBe(PAIRS.filter((p) => p.policy === policy).every((p) => p.passed));
    }
  });
});
