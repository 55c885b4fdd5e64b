/** IMG-BASE-001: the base image is pinned (OCI base image annotations as labels). */
import { fail, pass, skip, type Rule } from "../types.js";
import { DIGEST, PIN_DEFAULTS, PIN_OPTIONS_SCHEMA, pinning, pinProblem, type PinOptions } from "./image-reference.js";

const NAME = "org.opencontainers.image.base.name";
const DIGEST_LABEL = "org.opencontainers.image.base.digest";

export const rule: Rule<PinOptions> = {
  id: "IMG-BASE-001",
  title: "Base image pinned",
  category: "config",
  severity: "low",
  description: `The base image recorded in the labels \`${NAME}\` and \`${DIGEST_LABEL}\` is pinned: a digest is recorded (in the digest label, or in the name as \`@sha256:…\`), or the name carries a tag other than \`latest\` (or another tag in \`mutableTags\`); with \`requireDigest\` only a digest counts. Skipped when neither label is set.`,
  rationale:
    "A base image named by a moving tag (`FROM alpine`, `FROM node:latest`) makes every build start from whatever that tag points to that day: the same Dockerfile gives different images, and a broken or compromised base lands silently. hadolint DL3006/DL3007 and trivy DS-0001 ask for a tag; a digest pins the exact image and still lets tools like Renovate or Dependabot propose updates.",
  remediation:
    "Pin the base in the FROM line, by digest where you can, and record it:\n" +
    "  FROM alpine:3.19@sha256:<digest>\n" +
    `  LABEL ${NAME}="docker.io/library/alpine:3.19" ${DIGEST_LABEL}="sha256:<digest>"`,
  optionsSchema: PIN_OPTIONS_SCHEMA,
  defaultOptions: PIN_DEFAULTS,
  check(facts, options) {
    const labels = facts.config.labels;
    const name = labels[NAME]?.trim() || undefined;
    const digest = labels[DIGEST_LABEL]?.trim() || undefined;
    if (!name && !digest) return skip(`the image sets neither ${NAME} nor ${DIGEST_LABEL}`);
    if ((digest && DIGEST.test(digest)) || name === "scratch") return pass();
    const p = name ? pinning(name) : undefined;
    const problem = p && pinProblem(p, options);
    if (p && !problem) return pass();
    let found: string;
    if (!name || !problem) found = `${DIGEST_LABEL}=${digest}, which is not a digest, and no ${NAME}`;
    else if (problem.kind === "no-tag") found = `${NAME}=${name}: no tag (read as latest)`;
    else if (problem.kind === "moving-tag") found = `${NAME}=${name}: the tag ${problem.tag} moves`;
    else found = `${NAME}=${name}: a tag only, and the policy requires a digest`;
    if (digest && name) found += ` (${DIGEST_LABEL}=${digest} is not a digest)`;
    return fail({
      message: `The base image is not pinned: ${found}.`,
      location: { config: `Labels.${name ? NAME : DIGEST_LABEL}` },
      expected: options.requireDigest ? "a base image digest" : "a base image digest or a version tag",
      found,
    });
  },
};
