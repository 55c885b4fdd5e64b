/** CA certificates (by meaning: the bundle parses, how many, earliest expiry) and zoneinfo. */
import type { FileTree } from "../fs/file-tree.js";
import type { ContainerConfig } from "../image.js";
import { CA_BUNDLE_PATHS, certificateExpiries, summarizeExpiries } from "../parsers/ca-bundle.js";
import { checkTz, zoneName, ZONEINFO_ROOTS } from "../parsers/zoneinfo.js";
import { envValue } from "./interest.js";
import type { CertificatesFact, ZoneinfoFact } from "./types.js";

/** The bundles to look for, most preferred first: `SSL_CERT_FILE`, then the well-known places. */
export function caBundlePaths(cfg: ContainerConfig | undefined): readonly string[] {
  const custom = envValue(cfg?.Env, "SSL_CERT_FILE");
  return custom?.startsWith("/") ? [custom, ...CA_BUNDLE_PATHS] : CA_BUNDLE_PATHS;
}

export function certificatesFact(tree: FileTree, cfg: ContainerConfig | undefined, now: Date): CertificatesFact {
  for (const p of caBundlePaths(cfg)) {
    const r = tree.resolve(p);
    if (!r.ok || r.record.type !== "file") continue;
    const bundle = { path: r.path, layer: r.record.layer };
    if (!r.record.content) return { present: true, bundle, certificates: 0, unparsable: 0, expired: 0, expiringWithin30Days: 0 };
    const expiries = certificateExpiries(r.record.content);
    return { present: true, bundle, ...summarizeExpiries(expiries, now) };
  }
  return { present: false };
}

export function zoneinfoFact(tree: FileTree, cfg: ContainerConfig | undefined): ZoneinfoFact {
  const zones = new Set<string>();
  let root: string | undefined;
  for (const rec of tree.entries()) {
    if (rec.type !== "file" && rec.type !== "hardlink" && rec.type !== "symlink") continue;
    const name = zoneName(rec.path);
    if (name === undefined) continue;
    zones.add(name);
    root ??= ZONEINFO_ROOTS.find((r) => rec.path.startsWith(r + "/"));
  }
  const f: ZoneinfoFact = { present: zones.size > 0, zones: zones.size, tz: checkTz(envValue(cfg?.Env, "TZ"), zones) };
  if (root) f.root = root;
  return f;
}
