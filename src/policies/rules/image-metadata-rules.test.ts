import { describe, expect, it } from "vitest";
import type { Facts } from "../../inspect/facts/types.js";
import type { AnyRule } from "../types.js";
import { rule as baseImagePinned } from "./base-image-pinned.js";
import { pinning, referenceKind } from "./image-reference.js";
import { rule as latestTag } from "./latest-tag.js";
import { rule as sensitiveVolumes } from "./sensitive-volumes.js";
import { facts, optionsErrors, run } from "./test-facts.js";
import { table, type Case } from "./test-rule-table.js";



const ID = "sha256:" + "b".repeat(64);
const DIGEST = "sha256:" + "c".repeat(64);
const ref = (reference: string) => facts({ image: { reference, id: ID } });

describe("image references", () => {
  it.each([
    ["alpine", { kind: "none" }],
    ["alpine:3.19", { kind: "tag", tag: "3.19" }],
    ["localhost:5000/team/app", { kind: "none" }],
    ["localhost:5000/team/app:1.2", { kind: "tag", tag: "1.2" }],
    [`alpine:3.19@${DIGEST}`, { kind: "digest", digest: DIGEST }],
  ])("%s", (name, expected) => expect(pinning(name)).toEqual(expected));

  it.each([
    ["docker-archive:/tmp/app.tar", { kind: "archive" }],
    ["docker-archive:/tmp/app.tar:app:1.0", { kind: "archive", tag: "1.0" }],
    ["oci:/tmp/layout:latest", { kind: "archive", tag: "latest" }],
    ["oci:./layout", { kind: "archive" }],
    ["./app.tar", { kind: "archive" }],
    ["docker:app:1.0", { kind: "name", name: "app:1.0" }],
    ["bbbbbbbbbbbb", { kind: "image-id" }],
    [ID, { kind: "image-id" }],
    ["My Images/app", { kind: "archive" }],
    ["registry-1.example.com:5000/team/app:1.0", { kind: "name", name: "registry-1.example.com:5000/team/app:1.0" }],
  ])("%s", (reference, expected) => expect(referenceKind(reference, ID)).toEqual(expected));
});

table(latestTag, [
  { name: "a version tag", facts: ref("registry.example/app:1.4.2"), status: "pass" },
  { name: "a digest", facts: ref(`registry.example/app@${DIGEST}`), status: "pass" },
  { name: "latest plus a digest", facts: ref(`registry.example/app:latest@${DIGEST}`), status: "pass" },
  { name: "an image ID", facts: ref(ID), status: "pass" },
  {
    name: "latest",
    facts: ref("registry.example/app:latest"),
    status: "fail",
    text: "The image is referenced as registry.example/app:latest: tag latest, which pins no version.",
  },
  { name: "no tag", facts: ref("glassops"), status: "fail", text: "no tag (read as latest)" },
  { name: "a registry port is not a tag", facts: ref("localhost:5000/app"), status: "fail", text: "no tag" },
  { name: "engine scheme", facts: ref("docker-daemon:app:latest"), status: "fail" },
  { name: "archive with a tag", facts: ref("oci:/tmp/layout:2.0"), status: "pass" },
  { name: "archive with latest", facts: ref("docker-archive:/tmp/app.tar:app:latest"), status: "fail" },
  { name: "archive without a tag", facts: ref("docker-archive:/tmp/app.tar"), status: "skip", text: "names an archive or layout on disk, without a tag" },
  { name: "another mutable tag", facts: ref("app:edge"), options: { mutableTags: ["latest", "edge"] }, status: "fail", text: "tag edge" },
]);

const base = (labels: Record<string, string>) => facts({ config: { labels } });
const NAME = "org.opencontainers.image.base.name";
const DIGEST_LABEL = "org.opencontainers.image.base.digest";

table(baseImagePinned, [
  { name: "no base labels", facts: base({ maintainer: "x" }), status: "skip", text: `neither ${NAME} nor ${DIGEST_LABEL}` },
  { name: "digest label", facts: base({ [NAME]: "docker.io/library/alpine:latest", [DIGEST_LABEL]: DIGEST }), status: "pass" },
  { name: "digest label alone", facts: base({ [DIGEST_LABEL]: DIGEST }), status: "pass" },
  { name: "digest in the name", facts: base({ [NAME]: `docker.io/library/alpine@${DIGEST}` }), status: "pass" },
  { name: "version tag", facts: base({ [NAME]: "docker.io/library/alpine:3.19" }), status: "pass" },
  { name: "scratch", facts: base({ [NAME]: "scratch" }), status: "pass" },
  {
    name: "latest",
    facts: base({ [NAME]: "docker.io/library/alpine:latest" }),
    status: "fail",
    text: `The base image is not pinned: ${NAME}=docker.io/library/alpine:latest: the tag latest moves.`,
    location: { config: `Labels.${NAME}` },
  },
  { name: "no tag", facts: base({ [NAME]: "docker.io/library/node" }), status: "fail", text: "no tag (read as latest)" },
  { name: "tag but a digest is required", facts: base({ [NAME]: "alpine:3.19" }), options: { requireDigest: true }, status: "fail", text: "the policy requires a digest" },
  { name: "a digest label that is no digest", facts: base({ [DIGEST_LABEL]: "unknown" }), status: "fail", text: "which is not a digest" },
]);

table(sensitiveVolumes, [
  { name: "no volumes", facts: facts(), status: "pass" },
  { name: "application data", facts: facts({ config: { volumes: ["/var/lib/app", "/data"] } }), status: "pass" },
  {
    name: "the docker socket",
    facts: facts({ config: { volumes: ["/var/run/docker.sock"] } }),
    status: "fail",
    text: "VOLUME /var/run/docker.sock mounts over a sensitive path.",
    location: { path: "/var/run/docker.sock", config: "Volumes" },
  },
  { name: "/etc with a trailing slash, and /", facts: facts({ config: { volumes: ["/etc/", "/"] } }), status: "fail", findings: 2 },
  { name: "below /sys", facts: facts({ config: { volumes: ["/sys/fs/cgroup"] } }), status: "fail" },
  { name: "below /etc is not sensitive by default", facts: facts({ config: { volumes: ["/etc/nginx/conf.d"] } }), status: "pass" },
  { name: "allowed", facts: facts({ config: { volumes: ["/run"] } }), options: { allow: ["/run"] }, status: "pass" },
]);
