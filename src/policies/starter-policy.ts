/**
 * A starter policy (`imgpolicy init`): the shipped policy closest to the image, picked
 * from its facts (scratch, distroless, alpine or debian), and what the facts show written
 * down so that a change is caught: the USER, the exposed ports, the labels. Written as
 * commented YAML with `$schema`, so that an editor completes and checks it.
 *
 * Values from the image are hostile text: only printable ASCII values are written (each
 * as a quoted scalar), the rest are left out and counted in a comment; at most
 * MAX_LABELS labels. Comments hold no value from the image but the reference, escaped.
 */
import { finalStage, rootBase } from "../dockerfile/stages.js";
import type { Dockerfile } from "../dockerfile/types.js";
import type { Facts } from "../inspect/facts/types.js";
import { escapeText } from "../text/escape.js";
import { patternProblems } from "./policy-patterns.js";
import { formatProblem, type PolicyFile } from "./policy-types.js";
import { validatePolicyData } from "./policy-validator.js";
import { parsePolicyYaml } from "./policy-yaml.js";
import { RULES, RULES_BY_ID } from "./rules/index.js";

export const MAX_LABELS = 50;
const PRINTABLE = /^[\x20-\x7e]+$/;
const PORT = /^[0-9]{1,5}(-[0-9]{1,5})?(\/(tcp|udp|sctp))?$/i;

export interface PolicyChoice {
  name: "go-scratch" | "go-distroless" | "go-alpine" | "debian-service" | "base";
  /** Why, in a phrase: "/etc/os-release says …, a shell (/bin/sh) and a package manager (apk)". */
  reason: string;
}

const list = (items: readonly { path: string }[]) => items.map((i) => i.path).slice(0, 3).join(", ") + (items.length > 3 ? ", …" : "");

/** The closest shipped policy, by what the image holds. */
export function choosePolicy(facts: Facts): PolicyChoice {
  const fs = facts.filesystem;
  const os = fs.osRelease;
  const osId = (os?.id ?? "").toLowerCase();
  const osText = os ? `/etc/os-release says ${escapeText((os.prettyName ?? os.id ?? "(no name)").slice(0, 80))}` : "no /etc/os-release";
  const shells = fs.shells.length ? `a shell (${list(fs.shells)})` : "no shell";
  const pms = fs.packageManagers;
  const pmText = pms.length ? `a package manager (${[...new Set(pms.map((p) => p.name))].join(", ")})` : "no package manager";
  const facts3 = `${osText}, ${shells} and ${pmText}`;
  const has = (...names: string[]) => pms.some((p) => names.includes(p.name));
  if (has("apk") || /(^|[^a-z])alpine([^a-z]|$)/.test(osId)) return { name: "go-alpine", reason: `an alpine-style base: ${facts3}` };
  if (has("apt", "apt-get", "dpkg") || ((/^(debian|ubuntu)$/.test(osId) || /(^|-)debian(-|$)/.test(osId)) && (fs.shells.length > 0 || pms.length > 0))) {
    return { name: "debian-service", reason: `a Debian-style base: ${facts3}` };
  }
  if (fs.shells.length === 0 && pms.length === 0) {
    if (os || facts.zoneinfo.present) return { name: "go-distroless", reason: `a distroless-style base: ${osText}, time zone data${facts.zoneinfo.present ? "" : " absent"}, no shell and no package manager` };
    return { name: "go-scratch", reason: `built FROM scratch: ${facts3}, ${fs.files} files in all` };
  }
  return { name: "base", reason: `no shipped policy fits better: ${facts3}` };
}

/**
 * The closest shipped policy by the base of a Dockerfile's final stage, when that base says
 * it plainly (scratch, a distroless or static image, alpine, debian or ubuntu, by the words
 * of the image's last path component or its tag, so imgpolicy-base/alpine-like:3.19 is
 * alpine); undefined when it does not (another base, or one that depends on a --build-arg).
 * A single-stage Dockerfile on a Go toolchain image (golang) ships the toolchain: it gets
 * go-scratch, what such a service should become (and fails until it does), with that said.
 */
export function choosePolicyForDockerfile(df: Dockerfile): PolicyChoice | undefined {
  const final = finalStage(df);
  const base = rootBase(df, final);
  const where = `${df.path}:${final.line}`;
  if (base.scratch) return { name: "go-scratch", reason: `the final stage is FROM scratch (${where})` };
  if (base.unresolved.length) return undefined;
  const name = base.name.toLowerCase();
  const words = (name.split("/").pop() ?? name).split(/[^a-z0-9]+/).filter(Boolean);
  const tag = (base.tag ?? "").toLowerCase();
  const from = `the final stage is built on ${escapeText(base.image.slice(0, 120))} (${where})`;
  if (name.includes("distroless") || words[0] === "static") return { name: "go-distroless", reason: `${from}: a distroless base` };
  if (words.includes("alpine") || /(^|[-.])alpine/.test(tag)) return { name: "go-alpine", reason: `${from}: an alpine base` };
  if (words.includes("debian") || words.includes("ubuntu") || /(^|-)(bookworm|bullseye|buster|trixie|jammy|noble|focal)(-|$)/.test(tag)) {
    return { name: "debian-service", reason: `${from}: a Debian-style base` };
  }
  if (df.stages.length === 1 && words[0] === "golang") {
    return { name: "go-scratch", reason: `${from}: one stage on a Go toolchain image; go-scratch is what a Go service should become (it fails until the binary ships in a FROM scratch stage)` };
  }
  return undefined;
}

export interface StarterOptions {
  /** The reference the image was read by, for comments and the description. */
  reference?: string;
  /** The shipped policy to extend, instead of the one choosePolicy picks. */
  extends?: string;
  /** `$schema` and the yaml-language-server line (see schemaReference). */
  schema: string;
  /** genericStarter: why it extends what it extends (a comment line), e.g. what the Dockerfile's base says. */
  why?: string;
}

const q = (s: string) => JSON.stringify(s);
const DEFAULT_LABELS = (RULES_BY_ID.get("IMG-LABEL-001")?.defaultOptions as { required?: string[] } | undefined)?.required ?? [];

function header(o: StarterOptions, ref: string | undefined): string[] {
  return [
    `# yaml-language-server: $schema=${o.schema}`,
    ref ? `# A starter policy for ${ref}, written by \`imgpolicy init\` from what the image holds.` : "# A starter policy, written by `imgpolicy init`. `imgpolicy init IMAGE` fills it in from an image.",
    `# Check an image against it:                imgpolicy check ${ref ?? "IMAGE"}`,
    "# What it comes to, setting by setting:      imgpolicy policy show",
    "# Every rule, what it checks, how to fix it: imgpolicy rules [ID]",
    `$schema: ${q(o.schema)}`,
  ];
}

const FOOTER = [
  "",
  "# Findings accepted for now, each with a reason and the last day it applies",
  "# (`check` warns 14 days before, and of waivers that match nothing):",
  "# waivers:",
  "#   - rule: IMG-FS-005",
  "#     path: /etc/ssl/private/test-*.key   # a glob over the finding's path (optional)",
  "#     reason: throw-away key for the integration tests",
  "#     expires: 2027-01-31",
];

function runtimeExample(port: string | undefined): string[] {
  const health = port ? `health: { tcp: { port: ${port.split(/[-/]/)[0]} } }` : "health: { http: { port: 8080, path: /health } }";
  return [
    "",
    "# How `check --runtime` runs it (defaults: read-only root, /tmp as tmpfs, every capability",
    "# dropped, no-new-privileges, the image's own USER and HEALTHCHECK):",
    "# runtime:",
    `#   ${health}`,
    "#   tmpfs: [/tmp]",
  ];
}

/** A starter with nothing from an image: base, and examples in comments. */
export function genericStarter(o: StarterOptions): string {
  const name = o.extends ?? "base";
  return [
    ...header(o, undefined),
    `description: ${q(`Starter policy (extends ${name}).`)}`,
    "",
    ...(o.why ? [`# ${name}: ${escapeText(o.why)}.`] : []),
    "# Shipped policies: base, go-scratch, go-distroless, go-alpine, debian-service, cis-docker, glassops",
    "# (`imgpolicy policy show NAME` shows one in full).",
    `extends: ${name}`,
    "",
    "# A finding at or above this severity fails the check: critical | high | medium | low | info.",
    "failOn: high",
    "",
    "# Per rule: a severity, \"off\", \"on\", or { severity, options }. For example:",
    "# rules:",
    "#   IMG-USER-001: critical",
    "#   IMG-PORT-001:",
    "#     options: { allowed: [8080/tcp] }",
    "#   IMG-SIZE-001: { enabled: true, options: { maxBytes: 50000000 } }",
    ...runtimeExample(undefined),
    ...FOOTER,
    "",
  ].join("\n");
}

function userRules(facts: Facts): string[] {
  const user = facts.config.user ?? "";
  const resolved = facts.users.user;
  if (user === "" || resolved.root) {
    return [
      `  # The image runs as root (${user === "" ? "no USER" : "USER names root"}): IMG-USER-001 fails until the Dockerfile`,
      "  # sets a non-root USER, e.g. USER 65532:65532; then pin it here (IMG-META-001 options.user).",
    ];
  }
  if (!PRINTABLE.test(user)) return ["  # The image's USER holds characters a policy should not quote: not pinned here."];
  const uid = resolved.uid !== undefined && resolved.uid > 0 ? resolved.uid : undefined;
  const out = [
    `  # The image runs as ${q(user)}${uid !== undefined ? ` (uid ${uid})` : ""}: IMG-META-001 keeps USER as it is.`,
    "  IMG-META-001:",
    "    options:",
    `      user: ${q(user)}`,
  ];
  if (uid !== undefined) out.push("  # And under `check --runtime`, PID 1 must run as that uid.", "  IMG-RUN-004:", `    options: { uid: ${uid} }`);
  return out;
}

function portRules(facts: Facts): string[] {
  const ports = facts.config.exposedPorts.filter((p) => PORT.test(p));
  const dropped = facts.config.exposedPorts.length - ports.length;
  const shown = ports.map(q).join(", ");
  return [
    ports.length
      ? `  # It exposes ${ports.join(", ")}: exposing another port, or no longer exposing one of these, fails.`
      : "  # It exposes no port: exposing one fails (add it to allowed).",
    ...(dropped ? [`  # (${dropped} exposed port${dropped === 1 ? "" : "s"} not written: not a port/protocol)`] : []),
    "  IMG-PORT-001:",
    "    options:",
    `      allowed: [${shown}]`,
    ...(ports.length ? [`      required: [${shown}]`] : []),
  ];
}

function labelRules(facts: Facts): string[] {
  const keys = Object.keys(facts.config.labels);
  const fit = keys.filter((k) => PRINTABLE.test(k) && k.length <= 256);
  const kept = fit.slice(0, MAX_LABELS);
  const left = keys.length - kept.length;
  const missing = DEFAULT_LABELS.filter((k) => !keys.includes(k));
  return [
    "  # The labels it sets, required from now on (remove those your releases do not need);",
    "  # the OCI labels IMG-LABEL-001 asks for by default stay, even those it does not set yet.",
    ...(left ? [`  # (${left} label${left === 1 ? "" : "s"} not written: more than ${MAX_LABELS}, or characters a policy should not quote)`] : []),
    "  IMG-LABEL-001:",
    "    options:",
    "      required:",
    ...[...new Set([...kept, ...DEFAULT_LABELS])].map((k) => `        - ${q(k)}${missing.includes(k) ? "   # not set on this image yet" : ""}`),
  ];
}

/** The starter for an image: the chosen shipped policy, and the USER, ports and labels it has now. */
export function starterPolicy(facts: Facts, o: StarterOptions): { text: string; choice: PolicyChoice } {
  const choice = choosePolicy(facts);
  const ref = o.reference !== undefined ? escapeText(o.reference) : undefined;
  const name = o.extends ?? choice.name;
  const why = o.extends && o.extends !== choice.name ? `# ${name}, as asked (the facts point to ${choice.name}: ${choice.reason}).` : `# ${name}: ${choice.reason}.`;
  const text = [
    ...header(o, ref),
    `description: ${q(`Starter policy for ${o.reference !== undefined && PRINTABLE.test(o.reference) ? o.reference : "the image"} (extends ${name}).`)}`,
    "",
    why,
    "# Shipped policies: base, go-scratch, go-distroless, go-alpine, debian-service, cis-docker, glassops.",
    `extends: ${name}`,
    "",
    "# A finding at or above this severity fails the check: critical | high | medium | low | info.",
    "failOn: high",
    "",
    "rules:",
    ...userRules(facts),
    ...portRules(facts),
    ...labelRules(facts),
    ...runtimeExample(facts.config.exposedPorts.find((p) => PORT.test(p) && /\/tcp$|^\d+$/i.test(p))),
    ...FOOTER,
    "",
  ].join("\n");
  return { text, choice };
}

/**
 * What `$schema` says: the package's schema relative to the policy's directory when it lies
 * below it (node_modules/imgpolicy/schema/policy.schema.json), else that conventional path.
 */
export function schemaReference(policyDir: string, packageSchema: string, relative: (from: string, to: string) => string): string {
  const rel = relative(policyDir, packageSchema);
  return rel.startsWith("..") || rel.startsWith("/") ? "node_modules/imgpolicy/schema/policy.schema.json" : rel;
}

/** Problems of a starter's text as a policy file named `file` (none for what init writes: a problem here is a bug). */
export function starterProblems(text: string, file: string): string[] {
  const parsed = parsePolicyYaml(text);
  if (parsed.problems) return parsed.problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`);
  const problems = validatePolicyData(parsed.data, parsed.doc, parsed.lc, file, RULES).map(formatProblem);
  if (!problems.length) problems.push(...patternProblems(parsed.data as PolicyFile, RULES).map((p) => `${file}: ${p.message}`));
  return problems;
}
