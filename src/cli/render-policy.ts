/**
 * `imgpolicy policy show` as text: the effective policy, one setting a line with where it
 * came from (file:line, "shipped policy NAME:LINE" or "default"). Values come from policy
 * files (hostile text): every line is escaped.
 */
import { isAbsolute, relative, sep } from "node:path";
import type { ExplainedPolicy, Origin } from "../policies/policy-explain.js";
import { escapeText } from "../text/escape.js";

/**
 * A policy file as people in `cwd` name it: relative to it (as discovery and the reports
 * name policies: `../.imgpolicy.yaml`), unless the way there climbs to the filesystem root.
 */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  if (rel === "" || isAbsolute(rel)) return file;
  const up = rel.split(sep).findIndex((s) => s !== "..");
  const depth = cwd.split(sep).filter(Boolean).length;
  return (up < 0 ? rel.split(sep).length : up) >= depth ? file : rel;
}

export function originText(o: Origin, cwd: string): string {
  if (o.kind === "default") return o.note ? `default (${o.note})` : "default";
  if (o.shipped) return `shipped policy ${o.shipped}:${o.line}`;
  return `${displayPath(o.file, cwd)}${o.cst ? " (container-structure-test config)" : `:${o.line}`}`;
}

const sameOrigin = (a: Origin, b: Origin) => JSON.stringify(a) === JSON.stringify(b);
const value = (v: unknown) => JSON.stringify(v) ?? "undefined";

function table(rows: string[][], indent: string): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  "));
}

export function renderPolicy(p: ExplainedPolicy, heading: string, cwd: string): string {
  const out: string[] = [heading, "merged in this order (later ones win):"];
  for (const [i, f] of p.files.entries()) out.push(`  ${i + 1}. ${f.shipped ? `shipped policy ${f.shipped}` : displayPath(f.file, cwd)}${f.cst ? " (container-structure-test config)" : ""}`);
  out.push(`failOn: ${p.failOn.value}  (${originText(p.failOn.from, cwd)})`, "");

  const on = p.rules.filter((r) => r.enabled.value).length;
  out.push(`rules: ${on} on, ${p.rules.length - on} off`);
  const rows: string[][] = [["RULE", "STATE", "SEVERITY", "FROM"]];
  const optionLines = new Map<number, string[]>();
  for (const r of p.rules) {
    const sev = originText(r.severity.from, cwd);
    const state = originText(r.enabled.from, cwd);
    const bothDefault = r.enabled.from.kind === "default" && r.severity.from.kind === "default";
    const from = sameOrigin(r.enabled.from, r.severity.from) || bothDefault ? state : `${r.enabled.value ? "on" : "off"}: ${state}; severity: ${sev}`;
    rows.push([r.id, r.enabled.value ? "on" : "off", r.severity.value, from]);
    if (r.options.length) optionLines.set(rows.length - 1, r.options.map((o) => `      ${o.name} = ${value(o.value)}  (${originText(o.from, cwd)})`));
  }
  for (const [i, line] of table(rows, "  ").entries()) out.push(line, ...(optionLines.get(i) ?? []));
  out.push("");

  out.push(`waivers: ${p.waivers.length}`);
  for (const w of p.waivers) {
    const scope = [w.path ? `path ${w.path}` : "", w.image ? `image ${w.image}` : "", w.expires ? `until ${w.expires}` : ""].filter(Boolean).join(", ");
    out.push(`  ${w.rule}${scope ? ` (${scope})` : ""}: ${w.reason}  (${w.from ? originText(w.from, cwd) : (w.source ?? "given by the caller")})`);
  }
  out.push("", "runtime (check --runtime):");
  out.push(...table(p.runtime.map((r) => [r.name, value(r.value), `(${originText(r.from, cwd)})`]), "  "));
  return out.map(escapeText).join("\n") + "\n";
}
