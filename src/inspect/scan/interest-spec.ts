/**
 * A scan interest as plain data, so it can cross into a worker thread (a function
 * cannot): exact paths, prefix-and-suffix rules, a size limit. Both sides derive
 * the same `wantContent` from it.
 */
import type { ScanInterest } from "../fs/scan-layer.js";
import type { ScanLimits } from "../limits.js";
import { skipDirsMatcher } from "../parsers/token-search-scope.js";

export interface InterestRule {
  /** The path starts with one of these (e.g. "/etc/ssl/"). */
  prefixes: string[];
  /** And ends with one of these (e.g. ".pem"); an empty list accepts any ending. */
  suffixes: string[];
}

export interface InterestSpec {
  /** Absolute, normalised paths whose content is kept. */
  exact: string[];
  /** Other paths kept when a rule matches. */
  rules: InterestRule[];
  /** Content is kept only for files up to this size (bytes). */
  maxSize: number;
  /** Parse ELF files (default true). */
  elf?: boolean;
  /** Bytes of each file that is not ELF searched for a private key (default 1 MiB; 0 = off). */
  privateKeyScanBytes?: number;
  /** What one layer may hold before the scan refuses it (default: limits.ts). */
  limits?: ScanLimits;
  /** Directories whose files are not searched for token formats (token-search-scope.ts; default: none skipped). */
  tokenSkipDirs?: string[];
}

/** The interest a spec describes; it carries the spec, so the scan can run in a worker thread. */
export function interestFromSpec(spec: InterestSpec): ScanInterest {
  const exact = new Set(spec.exact);
  const rules = spec.rules.map((r) => ({ prefixes: [...r.prefixes], suffixes: [...r.suffixes] }));
  const interest: ScanInterest = {
    spec,
    wantContent(path, size) {
      if (size > spec.maxSize) return false;
      if (exact.has(path)) return true;
      for (const r of rules) {
        if (r.prefixes.some((p) => path.startsWith(p)) && (r.suffixes.length === 0 || r.suffixes.some((s) => path.endsWith(s)))) return true;
      }
      return false;
    },
  };
  if (spec.elf !== undefined) interest.elf = spec.elf;
  if (spec.privateKeyScanBytes !== undefined) interest.privateKeyScanBytes = spec.privateKeyScanBytes;
  if (spec.limits !== undefined) interest.limits = spec.limits;
  if (spec.tokenSkipDirs !== undefined && spec.tokenSkipDirs.length > 0) interest.skipTokenSearch = skipDirsMatcher(spec.tokenSkipDirs);
  return interest;
}
