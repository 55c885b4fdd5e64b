/** Platforms: parsing `os/arch[/variant]`, the host default, and choosing from an index. */
import { UsageError } from "../errors.js";
import type { Platform } from "./image.js";

export function parsePlatform(text: string): Platform {
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
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

function normVariant(p: Platform): string | undefined {
  if (p.architecture === "arm64" && (p.variant === undefined || p.variant === "v8")) return undefined;
  return p.variant || undefined;
}

/** Whether `candidate` satisfies `wanted` (a wanted platform without variant accepts any variant). */
export function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  if (!candidate) return false;
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  const wv = normVariant(wanted);
  return wv === undefined || normVariant(candidate) === wv;
}

export function isAttestation(p: Platform | undefined, annotations?: Record<string, string>): boolean {
  return (p?.os === "unknown" && p?.architecture === "unknown") || annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
}
