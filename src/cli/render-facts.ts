/**
 * Renders facts as text for a terminal. Only renders: no decisions. Almost every value
 * comes from the image (labels, ENV, paths, history, os-release), so each output line
 * goes through escapeText as it is written: one field never becomes two lines, and no
 * control or bidi character reaches the terminal.
 */
import type { ElfInfo } from "../inspect/elf/elf.js";
import type { Facts } from "../inspect/facts/types.js";
import { capabilitySetText } from "../inspect/parsers/file-capabilities.js";
import { escapeText } from "../text/escape.js";

export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

function elfLine(e: ElfInfo): string {
  if ("error" in e && e.error) return `not a readable ELF file (${e.error})`;
  const parts = [e.machineName, e.type, e.linkage, e.stripped ? "stripped" : "not stripped"];
  if (e.interpreter) parts.push(`interpreter ${e.interpreter}`);
  if (e.needed?.length) parts.push(`needs ${e.needed.join(", ")}`);
  if (e.go) {
    const g = e.go;
    const s = [`Go ${g.goVersion ?? "?"}`];
    if (g.path) s.push(g.path);
    if (g.settings?.CGO_ENABLED !== undefined) s.push(`CGO_ENABLED=${g.settings.CGO_ENABLED}`);
    if (g.settings?.["-trimpath"] === "true") s.push("-trimpath");
    if (g.settings?.["-ldflags"]) s.push(`-ldflags ${JSON.stringify(g.settings["-ldflags"])}`);
    parts.push(s.join(" "));
  }
  return parts.filter(Boolean).join(", ");
}

export function renderFacts(f: Facts, opts: { color?: boolean } = {}): string {
  const out: string[] = [];
  const heading = (s: string) => out.push(opts.color ? `\x1b[1m${escapeText(s)}\x1b[0m` : escapeText(s));
  const row = (s: string) => out.push(escapeText(s));
  const line = (k: string, v: string) => row(`  ${k.padEnd(14)} ${v}`);
  const i = f.image;
  heading(i.reference);
  line("digest", i.digest);
  line("id", i.id);
  line("platform", [i.platform.os, i.platform.architecture, i.platform.variant].filter(Boolean).join("/"));
  if (i.created) line("created", i.created);
  line("size", `${formatBytes(i.size.compressed)} stored, ${formatBytes(i.size.uncompressed)} uncompressed, ${i.layers.length} layers`);
  heading("layers");
  for (const l of i.layers) {
    // Cut by code points before escaping, so that no pair or escape is cut in half.
    const createdBy = Array.from((l.createdBy ?? "").replace(/\s+/g, " ")).slice(0, 90).join("");
    row(`  ${String(l.index + 1).padStart(2)}. ${l.digest.slice(7, 19)} ${formatBytes(l.uncompressedSize).padStart(8)} ${String(l.files).padStart(6)} ${l.files === 1 ? "file " : "files"}  ${createdBy}`);
  }
  const c = f.config;
  heading("config");
  line("user", c.user ? `${c.user} → ${f.users.user.resolved ? `uid ${f.users.user.uid} gid ${f.users.user.gid}` : f.users.user.problem}` : "(none: runs as root)");
  line("entrypoint", c.entrypoint ? `${JSON.stringify(c.entrypoint)} (${c.entrypointForm} form)` : "(none)");
  line("cmd", c.cmd ? `${JSON.stringify(c.cmd)} (${c.cmdForm} form)` : "(none)");
  if (c.workingDir) line("workdir", c.workingDir);
  line("env", c.env.map((e) => (e.secret ? `${e.name}=${e.secret.redacted} (looks secret: ${e.secret.reason})` : e.name)).join(", ") || "(none)");
  line("ports", c.exposedPorts.join(", ") || "(none)");
  line("healthcheck", c.healthcheck.kind === "none" ? "(none)" : `${c.healthcheck.kind} ${JSON.stringify(c.healthcheck.test)}`);
  if (c.stopSignal) line("stop signal", c.stopSignal);
  if (c.volumes.length) line("volumes", c.volumes.join(", "));
  const labels = Object.entries(c.labels);
  if (!labels.length) line("labels", "(none)");
  labels.forEach(([k, v], n) => line(n === 0 ? "labels" : "", `${k}=${v}`));
  heading("entrypoint binary");
  const ep = f.entrypoint;
  if (ep.found && ep.resolved) {
    line("path", `${ep.resolved.path} (layer ${ep.resolved.layer + 1})${ep.viaShell ? ", started through a shell" : ""}`);
    line("elf", ep.elf ? elfLine(ep.elf) : "not an ELF file");
  } else line("problem", ep.problem ?? "not found");
  if (ep.found && ep.problem) line("problem", ep.problem);
  heading("filesystem");
  const fs = f.filesystem;
  line("entries", `${fs.files} files, ${fs.directories} directories, ${fs.symlinks} symlinks, ${f.binaries.length} ELF files`);
  if (fs.osRelease?.prettyName) line("os", fs.osRelease.prettyName);
  line("users", f.users.passwd ? `${f.users.passwd.entries.length} in ${f.users.passwd.path}` : "no /etc/passwd");
  const ca = f.certificates;
  line("ca certs", ca.present ? `${ca.bundle!.path}: ${ca.certificates} certificates${ca.unparsable ? `, ${ca.unparsable} unparsable` : ""}${ca.earliestExpiry ? `, earliest expiry ${ca.earliestExpiry.slice(0, 10)}` : ""}${ca.expired ? `, ${ca.expired} expired` : ""}` : "none");
  const tz = f.zoneinfo;
  line("zoneinfo", tz.present ? `${tz.zones} zones in ${tz.root}` : "none");
  if (tz.tz.tz) line("TZ", `${tz.tz.tz} (${tz.tz.exists ? "found" : tz.tz.problem ?? "missing"})`);
  const list = (k: string, items: { path: string }[]) => line(k, items.length ? items.map((x) => x.path).slice(0, 8).join(", ") + (items.length > 8 ? `, … (${items.length})` : "") : "none");
  list("shells", fs.shells);
  list("pkg managers", fs.packageManagers);
  list("setuid", fs.setuid);
  list("setgid", fs.setgid);
  if (fs.fileCapabilities?.length) {
    const caps = fs.fileCapabilities.map((c) => `${c.path} (${c.malformed ? "unreadable" : capabilitySetText(c.capabilities, c.effective)})`);
    line("capabilities", caps.slice(0, 8).join(", ") + (caps.length > 8 ? `, … (${caps.length})` : ""));
  }
  list("world-writable", fs.worldWritable);
  line("secret files", fs.secretFiles.length ? fs.secretFiles.map((s) => `${s.path} (${s.kind})`).join(", ") : "none");
  if (fs.deletedSecrets?.length) line("deleted secret", fs.deletedSecrets.map((s) => `${s.path} (${s.kind}, layer ${s.added.layer + 1}, ${s.removed.how} in layer ${s.removed.layer + 1})`).join(", "));
  line("stray files", fs.strayFiles.length ? fs.strayFiles.map((s) => `${s.path} (${s.kind})`).slice(0, 8).join(", ") : "none");
  line("wasted", `${formatBytes(fs.waste.bytes)} in ${fs.waste.files} files overwritten or deleted by later layers`);
  return out.join("\n") + "\n";
}
