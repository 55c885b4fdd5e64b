/**
 * Platforms: parsing `os/arch[/variant]`, the host default, and matching an image's
 * platform to the one asked for exactly as the Docker engine does when it pulls from an
 * index (moby 20.10's filterManifests: containerd's Normalize and NewMatcher): both
 * sides normalised (case, aliases such as x86_64, aarch64 and armhf, default variants:
 * arm is arm/v7, arm64/v8 is arm64), then os, architecture and variant equal. Nothing is
 * fuzzy: amd64 does not take 386 or amd64/v2, arm64 does not take arm, arm/v7 does not
 * take arm/v6 (select-manifest.ts has the engine's one fallback, for arm). The test
 * test/conformance/platform-choice.test.ts holds this against the engine.
 */
import { UsageError } from "../errors.js";
import type { Platform } from "./image.js";

/** What containerd accepts as one part of a platform specifier. */
const SPECIFIER_PART = /^[A-Za-z0-9_-]+$/;

export function parsePlatform(text: string): Platform {
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !SPECIFIER_PART.test(p))) {
    throw new UsageError(`invalid platform '${text}': expected os/arch[/variant], e.g. linux/amd64`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform | undefined): string {
  if (!p) return "unknown";
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

export function hostPlatform(): Platform {
  const map: Record<string, Platform> = {
    x64: { os: "linux", architecture: "amd64" },
    arm64: { os: "linux", architecture: "arm64", variant: "v8" },
    arm: { os: "linux", architecture: "arm", variant: "v7" },
    ia32: { os: "linux", architecture: "386" },
    ppc64: { os: "linux", architecture: "ppc64le" },
    s390x: { os: "linux", architecture: "s390x" },
    riscv64: { os: "linux", architecture: "riscv64" },
  };
  return map[process.arch] ?? { os: "linux", architecture: process.arch };
}

/** A platform as the engine compares it: os, architecture and variant, each normalised ("" for none). */
export interface NormalPlatform {
  os: string;
  architecture: string;
  variant: string;
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** containerd's Normalize as the engine here has it: lower case, aliases, default variants (amd64/v1 is amd64); an empty os is the engine's own (linux). */
export function normalizePlatform(p: Partial<Platform> | undefined): NormalPlatform {
  let os = text(p?.os).toLowerCase();
  if (os === "") os = "linux";
  else if (os === "macos") os = "darwin";
  let architecture = text(p?.architecture).toLowerCase();
  let variant = text(p?.variant).toLowerCase();
  switch (architecture) {
    case "i386":
      architecture = "386";
      variant = "";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      architecture = "amd64";
      if (variant === "v1") variant = "";
      break;
    case "aarch64":
    case "arm64":
      architecture = "arm64";
      if (variant === "8" || variant === "v8") variant = "";
      break;
    case "armhf":
      architecture = "arm";
      variant = "v7";
      break;
    case "armel":
      architecture = "arm";
      variant = "v6";
      break;
    case "arm":
      if (variant === "" || variant === "7") variant = "v7";
      else if (variant === "5" || variant === "6" || variant === "8") variant = `v${variant}`;
      break;
  }
  return { os, architecture, variant };
}

/** Whether the engine takes an image of platform `candidate` for `wanted`: equal once both are normalised. A missing platform is never taken. */
export function platformMatches(candidate: Partial<Platform> | undefined, wanted: Partial<Platform>): boolean {
  if (!candidate) return false;
  const c = normalizePlatform(candidate);
  const w = normalizePlatform(wanted);
  return c.os === w.os && c.architecture === w.architecture && c.variant === w.variant;
}

export function isAttestation(p: Platform | undefined, annotations?: Record<string, string>): boolean {
  return (p?.os === "unknown" && p?.architecture === "unknown") || annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
}
