import { describe, expect, it } from "vitest";
import type { Facts, LayerFact } from "../../inspect/facts/types.js";
import type { AnyRule } from "../types.js";
import { rule as addInsteadOfCopy } from "./add-instead-of-copy.js";
import { rule as apkAddNoCache } from "./apk-add-no-cache.js";
import { rule as aptListsRemoved } from "./apt-lists-removed.js";
import { rule as aptUpdateAlone } from "./apt-update-alone.js";
import { buildSteps, parseCreatedBy, runScript } from "./build-history.js";
import { rule as packageUpgrade } from "./package-upgrade.js";
import { simpleCommands } from "./shell-commands.js";
import { rule as sudoInRun } from "./sudo-in-run.js";
import { type DeepPartial, facts, optionsErrors, run } from "./test-facts.js";
import { table, type Case } from "./test-rule-table.js";



interface Step {
  by: string;
  /** ENV, LABEL…: no layer. */
  empty?: boolean;
  /** Entries in the step's layer. */
  files?: number;
}

/** image.history and image.layers for these steps (a string is a step that made a layer). */
function history(...steps: (string | Step)[]): DeepPartial<Facts> {
  const layers: LayerFact[] = [];
  const entries = steps.map((s) => {
    const step = typeof s === "string" ? { by: s } : s;
    if (!step.empty) {
      const index = layers.length;
      layers.push({ index, digest: `sha256:${index}`, diffId: `sha256:${index}`, mediaType: "x", size: 1, uncompressedSize: 1, files: step.files ?? 3, createdBy: step.by });
    }
    return { createdBy: step.by, emptyLayer: Boolean(step.empty) };
  });
  return { image: { history: entries, layers } };
}

/** Facts with these steps. */
const built = (...steps: (string | Step)[]) => facts(history(...steps));
const BK = (instruction: string) => `${instruction} # buildkit`;
/** A BuildKit RUN step. */
const RUN = (script: string) => BK(`RUN /bin/sh -c ${script}`);
/** A legacy builder RUN step. */
const LEGACY = (script: string) => `/bin/sh -c ${script}`;
const BASE: Step = { by: "/bin/sh -c #(nop) ADD file:262490f82459c14632f5c9a6d6a5cf6c07b4f307e8fd380fa764662cda46e88f in / ", files: 3000 };
const BASE_CMD: Step = { by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', empty: true };
const HASH = "d7a2b3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

describe("build history", () => {
  it.each([
    ["/bin/sh -c #(nop)  ENV A=b", "ENV", "A=b", false],
    [`/bin/sh -c #(nop) ADD file:${HASH} in /app `, "ADD", `file:${HASH} in /app`, false],
    ["/bin/sh -c apt-get update", "RUN", "/bin/sh -c apt-get update", false],
    ["|2 A=1 B=2 /bin/sh -c make", "RUN", "|2 A=1 B=2 /bin/sh -c make", false],
    ["RUN /bin/sh -c make # buildkit", "RUN", "/bin/sh -c make", true],
    ["COPY --from=build /out/app /app # buildkit", "COPY", "--from=build /out/app /app", true],
    ["ADD app.jar /app.jar", "ADD", "app.jar /app.jar", false],
    ["bazel build //cmd/app", "RUN", "bazel build //cmd/app", false],
  ])("%s → %s", (createdBy, instruction, args, buildkit) => {
    expect(parseCreatedBy(createdBy)).toEqual({ instruction, args, buildkit });
  });

  it.each([
    ["/bin/sh -c apt-get update", "apt-get update"],
    ["RUN /bin/sh -c apt-get update # buildkit", "apt-get update"],
    ["|2 A=1 B=two /bin/sh -c make all", "make all"],
    ["RUN |1 VERSION=1.2 /bin/sh -c make # buildkit", "make"],
    ["RUN /bin/bash -o pipefail -c curl -fsSL x | sh # buildkit", "curl -fsSL x | sh"],
    ['RUN ["/bin/sh","-c","apt-get update && apt-get install -y x"] # buildkit', "apt-get update && apt-get install -y x"],
    ['RUN ["apt-get","update"] # buildkit', "apt-get update"],
  ])("RUN script of %s", (createdBy, script) => {
    const step = buildSteps(facts(history(createdBy)).image)[0]!;
    expect(runScript(step)).toBe(script);
  });

  it("maps steps to layers, skipping steps that made none", () => {
    const steps = buildSteps(built(BASE, BASE_CMD, { by: "/bin/sh -c #(nop)  ENV A=b", empty: true }, RUN("make")).image);
    expect(steps.map((s) => [s.index, s.layer])).toEqual([[0, 0], [1, undefined], [2, undefined], [3, 1]]);
  });

  it("leaves layers unknown when the history does not match the layers", () => {
    const f = facts(history(BASE, RUN("make")), { image: { layers: [] } });
    expect(buildSteps(f.image).map((s) => s.layer)).toEqual([undefined, undefined]);
  });
});

describe("simple commands", () => {
  const programs = (script: string) => simpleCommands(script).map((c) => [...c.wrappers, c.program, ...c.args].join(" "));
  it.each([
    ["apt-get update && apt-get install -y curl", ["apt-get update", "apt-get install -y curl"]],
    ['echo "apt-get update; sudo x" > /tmp/log 2>&1', ["echo apt-get update; sudo x"]],
    ["set -eux; \tapk add --no-cache \t\tca-certificates", ["set -eux", "apk add --no-cache ca-certificates"]],
    ["DEBIAN_FRONTEND=noninteractive apt-get -y install x", ["apt-get -y install x"]],
    ["sudo -u app make install", ["sudo make install"]],
    ["find . -name '*.o' | xargs -n 10 sudo rm -f", ["find . -name *.o", "xargs sudo rm -f"]],
    ["if [ -f x ]; then eatmydata apt-get install -y y; fi", ["[ -f x ]", "eatmydata apt-get install -y y"]],
    ["sh -c 'apt-get update'", ["sh -c apt-get update", "apt-get update"]],
    ["a \\\n && b # a comment\n c", ["a", "b", "c"]],
    ["v=$(cat /etc/os-release) && echo ok", ["cat /etc/os-release", "echo ok"]],
  ])("%j", (script, expected) => {
    expect(programs(script)).toEqual(expected);
  });
});

table(addInsteadOfCopy, [
  { name: "no history", facts: facts(), status: "skip", text: "the image config records no build history" },
  { name: "history without commands", facts: facts({ image: { history: [{ emptyLayer: false }] } }), status: "skip", text: "records no commands" },
  { name: "legacy base rootfs tarball", facts: built(BASE, BASE_CMD), status: "pass" },
  { name: "rootfs tarball, layers unknown", facts: facts(history(BASE), { image: { layers: [] } }), status: "pass" },
  { name: "BuildKit COPY", facts: built(BASE, BK("COPY . /app")), status: "pass" },
  {
    name: "legacy ADD of one file",
    facts: built(BASE, BASE_CMD, { by: `/bin/sh -c #(nop) ADD file:${HASH} in /app/config.json `, files: 2 }),
    status: "fail",
    text: `history step 2 (layer 2) ADDs a local file into /app/config.json, where COPY would do: /bin/sh -c #(nop) ADD file:${HASH} in /app/config.json`,
    location: { config: "history[2]", layer: 1 },
  },
  { name: "legacy ADD that extracted an archive", facts: built(BASE, { by: `/bin/sh -c #(nop) ADD file:${HASH} in /opt/ `, files: 40 }), status: "pass" },
  { name: "legacy ADD of a directory", facts: built(BASE, { by: `/bin/sh -c #(nop) ADD dir:${HASH} in /app `, files: 40 }), status: "fail", text: "ADDs a local directory into /app" },
  { name: "legacy ADD of several files", facts: built(BASE, `/bin/sh -c #(nop) ADD multi:${HASH} in /app/ `), status: "fail", text: "a local set of files" },
  { name: "legacy ADD of a URL", facts: built(BASE, `/bin/sh -c #(nop) ADD ${HASH} in /tmp/tool `), status: "pass" },
  { name: "BuildKit ADD of the context", facts: built(BASE, BK("ADD --chown=app:app . /app")), status: "fail", text: "ADDs . into /app" },
  { name: "BuildKit ADD of a URL", facts: built(BASE, BK("ADD --checksum=sha256:abc https://example.com/tool.tar.gz /opt/")), status: "pass" },
  { name: "BuildKit ADD of an archive", facts: built(BK("ADD alpine-minirootfs.tar.gz /")), status: "pass" },
  { name: "BuildKit ADD of a git repository", facts: built(BK("ADD git@github.com:example/repo.git /src")), status: "pass" },
  { name: "BuildKit ADD in JSON form", facts: built(BK('ADD ["config.yaml", "/etc/app/"]')), status: "fail", text: "ADDs config.yaml into /etc/app/" },
  { name: "kaniko ADD", facts: built("ADD app.jar /app.jar"), status: "fail", text: "ADDs app.jar into /app.jar" },
  { name: "an archive and a plain file: the plain one is reported", facts: built(BK("ADD vendor.tar.gz main.go /src/")), status: "fail", text: "ADDs main.go into /src/" },
]);

table(aptUpdateAlone, [
  { name: "no history", facts: facts(), status: "skip" },
  {
    name: "BuildKit update alone",
    facts: built(BASE, RUN("apt-get update")),
    status: "fail",
    text: "history step 1 (layer 2) runs `apt-get update` without `apt-get install` in the same RUN: RUN /bin/sh -c apt-get update # buildkit",
    location: { config: "history[1]", layer: 1 },
  },
  { name: "legacy update alone, with options", facts: built(BASE, LEGACY("apt-get -qq update && echo done")), status: "fail" },
  { name: "bash with pipefail", facts: built(BASE, BK("RUN /bin/bash -o pipefail -c apt update")), status: "fail", text: "`apt update` without `apt install`" },
  { name: "update and install", facts: built(BASE, RUN("apt-get update && apt-get install -y curl")), status: "pass" },
  {
    name: "Debian-style set -eux script",
    facts: built(BASE, LEGACY("set -eux; apt-get update; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates; rm -rf /var/lib/apt/lists/*")),
    status: "pass",
  },
  { name: "build args", facts: built(BASE, "|1 DEBIAN_FRONTEND=noninteractive /bin/sh -c apt-get update && apt-get install -y x"), status: "pass" },
  { name: "update then upgrade", facts: built(BASE, RUN("apt-get update && apt-get -y upgrade")), status: "pass" },
  { name: "only mentioned in a string", facts: built(BASE, RUN('echo "run apt-get update first"')), status: "pass" },
  { name: "apk update alone", facts: built(BASE, RUN("apk update")), status: "fail", text: "`apk update` without `apk add`" },
  { name: "apk update and add", facts: built(BASE, RUN("apk update && apk add curl")), status: "pass" },
]);

table(sudoInRun, [
  { name: "no history", facts: facts(), status: "skip" },
  { name: "sudo apt-get", facts: built(BASE, RUN("sudo apt-get install -y curl")), status: "fail", text: "history step 1 (layer 2) runs `sudo apt-get`", location: { config: "history[1]", layer: 1 } },
  { name: "sudo with a user option", facts: built(BASE, RUN("sudo -u app make install")), status: "fail", text: "runs `sudo make`" },
  { name: "sudo under xargs", facts: built(BASE, RUN("find /tmp -name '*.log' | xargs sudo rm -f")), status: "fail", text: "runs `sudo rm`" },
  { name: "sudo inside sh -c", facts: built(BASE, RUN("sh -c 'sudo whoami'")), status: "fail" },
  { name: "doas", facts: built(BASE, RUN("doas apk add x")), status: "fail", text: "runs `doas apk`" },
  { name: "installing sudo is not using it", facts: built(BASE, RUN("apt-get install -y sudo")), status: "pass" },
  { name: "the word in a string", facts: built(BASE, RUN("echo 'never use sudo && friends'")), status: "pass" },
  { name: "gosu", facts: built(BASE, RUN("gosu app true")), status: "pass" },
]);

table(packageUpgrade, [
  { name: "no history", facts: facts(), status: "skip" },
  {
    name: "apt-get dist-upgrade",
    facts: built(BASE, RUN("apt-get update && apt-get -y dist-upgrade")),
    status: "fail",
    text: "history step 1 (layer 2) runs `apt-get dist-upgrade` (a release upgrade)",
    location: { config: "history[1]", layer: 1 },
  },
  { name: "apt-get upgrade", facts: built(BASE, RUN("apt-get update && apt-get upgrade -y")), status: "fail", text: "(an upgrade of every package)" },
  { name: "apt-get upgrade accepted", facts: built(BASE, RUN("apt-get update && apt-get upgrade -y")), options: { includeUpgrade: false }, status: "pass" },
  { name: "apt full-upgrade with includeUpgrade false", facts: built(BASE, RUN("apt full-upgrade -y")), options: { includeUpgrade: false }, status: "fail" },
  { name: "apk upgrade", facts: built(BASE, RUN("apk upgrade --no-cache")), status: "fail", text: "`apk upgrade`" },
  { name: "apk upgrade of a named package", facts: built(BASE, RUN("apk upgrade --no-cache openssl")), status: "pass" },
  { name: "apt-get --only-upgrade of a named package", facts: built(BASE, RUN("apt-get install -y --only-upgrade openssl")), status: "pass" },
  { name: "dnf upgrade", facts: built(BASE, RUN("dnf -y upgrade && dnf clean all")), status: "fail", text: "`dnf upgrade`" },
  { name: "dnf upgrade of a named package", facts: built(BASE, RUN("dnf -y upgrade openssl")), status: "pass" },
  { name: "yum update", facts: built(BASE, RUN("yum -y update")), status: "fail" },
  { name: "zypper dup", facts: built(BASE, RUN("zypper --non-interactive dup")), status: "fail", text: "(a release upgrade)" },
  { name: "pacman -Syu", facts: built(BASE, RUN("pacman -Syu --noconfirm")), status: "fail" },
  { name: "pacman -S of a package", facts: built(BASE, RUN("pacman -S --noconfirm git")), status: "pass" },
  { name: "install only", facts: built(BASE, RUN("apt-get update && apt-get install -y curl")), status: "pass" },
]);

table(apkAddNoCache, [
  { name: "no history", facts: facts(), status: "skip" },
  {
    name: "apk add",
    facts: built(BASE, RUN("apk add curl")),
    status: "fail",
    text: "history step 1 (layer 2) runs `apk add` without `--no-cache`: RUN /bin/sh -c apk add curl # buildkit",
    location: { config: "history[1]", layer: 1 },
  },
  { name: "apk add --update", facts: built(BASE, LEGACY("apk add --update curl")), status: "fail" },
  { name: "apk update && apk add", facts: built(BASE, RUN("apk update && apk add curl")), status: "fail" },
  { name: "--no-cache", facts: built(BASE, RUN("apk add --no-cache curl")), status: "pass" },
  { name: "--no-cache before the subcommand", facts: built(BASE, RUN("apk --no-cache add curl")), status: "pass" },
  { name: "cache removed in the same RUN", facts: built(BASE, RUN("apk add curl && rm -rf /var/cache/apk/*")), status: "pass" },
  { name: "Go alpine build stage style", facts: built(BASE, LEGACY("set -eux; \tapk add --no-cache --virtual .build-deps \t\tbash gcc musl-dev")), status: "pass" },
  { name: "no apk", facts: built(BASE, RUN("apt-get install -y curl")), status: "pass" },
]);

const LIST = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4";

table(aptListsRemoved, [
  {
    name: "lists in the final image",
    facts: facts(built(BASE, RUN("apt-get update && apt-get install -y curl")), {
      filesystem: {
        strayFiles: [
          { path: LIST, layer: 1, kind: "apt-lists" },
          { path: "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", layer: 1, kind: "apt-lists" },
        ],
      },
    }),
    status: "fail",
    findings: 1,
    text: `2 apt list files in /var/lib/apt/lists ship in layer 2, made by RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit (e.g. ${LIST}).`,
    location: { path: "/var/lib/apt/lists", layer: 1 },
  },
  {
    name: "lists deleted by a later layer",
    facts: facts(built(BASE, RUN("apt-get update && apt-get install -y curl"), RUN("rm -rf /var/lib/apt/lists/*")), {
      filesystem: {
        packageManagers: [{ path: "/usr/bin/apt-get", layer: 0, name: "apt-get" }],
        waste: { bytes: 9_000_000, files: 1, top: [{ path: LIST, size: 9_000_000, layer: 1, removedBy: 2 }] },
      },
    }),
    status: "fail",
    text: "are deleted only by layer 3, so layer 2 still ships them (at least 9.0 MB in 1 files)",
    location: { path: "/var/lib/apt/lists", layer: 1 },
  },
  {
    name: "apt in the image, no lists: the filesystem is clean, whatever the history says",
    facts: facts(built(BASE, BK("RUN /bin/sh -c apt-get update && apt-get install -y curl")), {
      filesystem: { packageManagers: [{ path: "/usr/bin/apt-get", layer: 0, name: "apt-get" }] },
    }),
    status: "pass",
  },
  {
    name: "no apt in the filesystem: history install without cleanup",
    facts: built(BASE, LEGACY("apt-get update && apt-get install -y curl")),
    status: "fail",
    text: "history step 1 (layer 2) runs `apt-get install` without removing /var/lib/apt/lists in the same RUN",
  },
  { name: "no apt in the filesystem: history install with cleanup", facts: built(BASE, RUN("apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*")), status: "pass" },
  { name: "alpine: no apt anywhere", facts: built(BASE, RUN("apk add --no-cache curl")), status: "skip", text: "the image does not use apt" },
  { name: "no apt and no history", facts: facts(), status: "skip", text: "no build history" },
]);
