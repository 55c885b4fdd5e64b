/**
 * Shared by the IMG-BIN-* rules (not a rule, not registered): the entrypoint's ELF
 * facts or the reason a binary rule does not apply, and the architecture comparison
 * between an ELF file and the image's platform.
 */
import type { ElfInfo } from "../../inspect/elf/elf.js";
import type { Facts, ImageFact } from "../../inspect/facts/types.js";

export interface EntrypointElf {
  elf: ElfInfo;
  path: string;
  /** Where the program is: path and the layer that put it there. */
  location: { path: string; layer: number };
}

/** The entrypoint program's ELF facts, or why there are none (the rule's skip reason). */
export function entrypointElf(facts: Facts): EntrypointElf | string {
  const ep = facts.entrypoint;
  if (ep.argv.length === 0) return "the image sets neither ENTRYPOINT nor CMD (IMG-CMD-002)";
  if (!ep.found || !ep.resolved) return `the entrypoint program was not found: ${ep.problem ?? ep.program ?? "?"} (IMG-BIN-001)`;
  if (!ep.elf) return `the entrypoint program ${ep.resolved.path} is not an ELF binary`;
  if (ep.elf.error !== undefined) return `the entrypoint program ${ep.resolved.path} is not a usable ELF file (IMG-BIN-001)`;
  return { elf: ep.elf, path: ep.resolved.path, location: { path: ep.resolved.path, layer: ep.resolved.layer } };
}

/** "/app (layer 2)" */
export function at(where: { path: string; layer?: number }): string {
  return where.layer === undefined ? where.path : `${where.path} (layer ${where.layer + 1})`;
}

/** Spellings of architecture names seen in image configs, mapped to the OCI names. */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  x64: "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  armv7l: "arm",
  i386: "386",
  i686: "386",
};

export function normalArch(arch: string): string {
  const a = arch.toLowerCase();
  return ARCH_ALIASES[a] ?? a;
}

/** "arm/v6", "amd64" */
export function platformArch(platform: ImageFact["platform"]): string {
  return platform.variant ? `${platform.architecture}/${platform.variant}` : platform.architecture;
}

/** "amd64 (x86_64, 64-bit)" */
export function elfArch(elf: Omit<ElfInfo, "sections">): string {
  return `${elf.goarch ?? "no OCI architecture"} (${elf.machineName}, ${elf.class}-bit)`;
}

/**
 * The Go micro-architecture level a binary needs (GOARM=7 → 7, GOAMD64=v3 → 3), for
 * comparison with the platform's variant (arm/v6 → 6, amd64/v2 → 2).
 */
function levels(elf: Omit<ElfInfo, "sections">, platform: ImageFact["platform"]): { needs: number; has: number; setting: string } | undefined {
  const arch = normalArch(platform.architecture);
  const key = arch === "arm" ? "GOARM" : arch === "amd64" ? "GOAMD64" : undefined;
  const setting = key && elf.go?.settings[key];
  const needs = setting ? /^v?(\d+)/.exec(setting)?.[1] : undefined;
  const has = platform.variant ? /^v(\d+)$/.exec(platform.variant)?.[1] : undefined;
  if (!key || !setting || needs === undefined || has === undefined) return undefined;
  return { needs: Number(needs), has: Number(has), setting: `${key}=${setting}` };
}

/**
 * Why an ELF file cannot run on the image's platform, or undefined when it can.
 * The ELF header says the architecture; for arm and amd64 a Go binary also records the
 * level it was built for (GOARM, GOAMD64), checked against the platform's variant when
 * the platform names one. An ELF header cannot tell arm v6 from v7 on its own, so a
 * non-Go 32-bit arm binary matches any arm variant.
 */
export function archMismatch(elf: Omit<ElfInfo, "sections">, platform: ImageFact["platform"]): string | undefined {
  const wanted = normalArch(platform.architecture);
  if (elf.goarch === undefined) return `${elf.machineName} code, which no OCI platform runs`;
  if (normalArch(elf.goarch) !== wanted) return `${elfArch(elf)} code`;
  const lv = levels(elf, platform);
  if (lv && lv.needs > lv.has) return `${elf.goarch} code built with ${lv.setting}, which needs a newer CPU than ${platformArch(platform)}`;
  return undefined;
}
