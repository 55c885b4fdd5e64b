/** IMG-DF-007: the final stage runs as a non-root USER. */
import { effectiveUser, finalStage, rootBase } from "../../dockerfile/stages.js";
import { fail, pass, skip, type Rule } from "../types.js";
import { at, dockerfileOf, shown } from "./dockerfile-helpers.js";

interface Options {
  /** Fail a USER given by name: only a numeric uid can be verified without /etc/passwd. */
  requireNumeric: boolean;
}

/** distroless `:nonroot`, `:debug-nonroot`, `:latest-nonroot`… images run as uid 65532. */
const NONROOT_TAG = /(?:^|[-_.])nonroot(?:$|[-_.])/;

export const rule: Rule<Options> = {
  id: "IMG-DF-007",
  title: "Dockerfile final stage sets a non-root USER",
  category: "dockerfile",
  severity: "high",
  cis: "4.1",
  description:
    "The last USER of the final stage (the last one, or the `--target` stage of the build; or of a stage it is built FROM), with the build's --build-arg values substituted, is not root (`root`, `0`, `0:0`). Without any USER, the base image's user applies: a distroless `:nonroot` base, or an image whose config shows a non-root user, passes. A numeric uid is preferred; `requireNumeric` makes a name fail.",
  rationale:
    "CIS Docker Benchmark 4.1, hadolint DL3002: a process running as uid 0 in the container is root on the host's kernel, held back only by namespaces, capabilities and seccomp; any escape or mounted host path then works with full privileges. Kubernetes' `runAsNonRoot` can verify a numeric uid, not a name.",
  remediation:
    "End the final stage with an unprivileged, numeric user:\n" +
    "  USER 65532:65532\n" +
    "On a distro base create it first (`RUN adduser -D -u 10001 app` on alpine), on scratch copy an /etc/passwd that has it, or start from `gcr.io/distroless/static-debian12:nonroot`.",
  optionsSchema: {
    type: "object",
    properties: { requireNumeric: { type: "boolean", description: "Fail a USER given by name (only a numeric uid can be verified)." } },
    additionalProperties: false,
  },
  defaultOptions: { requireNumeric: false },
  check(facts, options) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const final = finalStage(df);
    const eff = effectiveUser(df);
    if (!eff) {
      const base = rootBase(df, final);
      if (NONROOT_TAG.test(base.tag ?? "")) return pass();
      if (facts.config.user && !facts.users.user.root) return pass(); // the base image's user, as the built image shows
      return fail({
        message: `The final stage (${shown(final.fromInstruction, 80)}) sets no USER${base.scratch ? "" : `, and ${base.image} does not set a non-root one`}: the container runs as root.`,
        location: at(df, final.fromInstruction),
        expected: "a non-root USER in the final stage, e.g. USER 65532:65532",
        found: "no USER (root)",
      });
    }
    if (eff.unresolved.length) return skip(`USER ${eff.instruction.args} (line ${eff.instruction.line}) depends on build args without defaults (${eff.unresolved.join(", ")})`);
    const name = eff.user.split(":")[0]!;
    const image = facts.config.user === eff.user ? facts.users.user : undefined;
    if (name === "" || name === "root" || /^0+$/.test(name) || (image?.root && image.uid === 0)) {
      const how = name === "root" || /^0+$/.test(name) ? "root" : `a user with uid 0 in the image's /etc/passwd`;
      return fail({
        message: `The final USER is '${eff.user}' (line ${eff.instruction.line}): the container runs as ${how}.`,
        location: at(df, eff.instruction),
        expected: "a non-root USER, e.g. USER 65532:65532",
        found: `USER ${eff.user}`,
      });
    }
    if (options.requireNumeric && !/^\d+$/.test(name)) {
      return fail({
        message: `The final USER '${eff.user}' (line ${eff.instruction.line}) is a name: the runtime cannot verify it is not root without the image's /etc/passwd.`,
        location: at(df, eff.instruction),
        expected: "a numeric USER, e.g. USER 10001:10001",
        found: `USER ${eff.user}`,
      });
    }
    return pass();
  },
};
