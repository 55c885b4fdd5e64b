/**
 * The Dockerfile line a secret in the build history comes from (IMG-HIST-007). The history
 * of the final image ends with one entry per instruction of its final stage (after FROM), in
 * order, maybe followed by the LABEL entries a `--label` build adds; the entries before are
 * the base's. So the entry is mapped by that order, when the keywords of the whole run of
 * entries agree with the stage's instructions. Otherwise the RUN whose own `KEY=value`
 * (by key and sha256 of the value) is the one recorded; never by the key's name alone.
 */
import { finalStage } from "../../dockerfile/stages.js";
import type { Dockerfile, DockerfileInstruction } from "../../dockerfile/types.js";
import type { HistorySecretFact, ImageFact } from "../../inspect/facts/types.js";
import { parseHistoryEntry, scriptAssignments } from "../../inspect/parsers/history-secrets.js";
import { sha256Text } from "../../inspect/parsers/sha256-text.js";

/** Maps history indexes to the final stage's instructions, when the order lines up; else an empty map. */
export function instructionsByHistory(df: Dockerfile, history: ImageFact["history"]): Map<number, DockerfileInstruction> {
  const out = new Map<number, DockerfileInstruction>();
  const instrs = finalStage(df).instructions;
  if (instrs.length === 0) return out;
  const keywords = history.map((h) => (h.createdBy ? parseHistoryEntry(h.createdBy).instruction : undefined));
  // the trailing LABEL entries a `--label` build adds, when the stage does not end with a LABEL
  let end = history.length;
  if (instrs[instrs.length - 1]!.keyword !== "LABEL") while (end > 0 && keywords[end - 1] === "LABEL") end--;
  const start = end - instrs.length;
  if (start < 0) return out;
  for (let i = 0; i < instrs.length; i++) {
    const kw = keywords[start + i];
    // an entry without text (some builders) says nothing against the order; one that names another keyword does
    if (kw !== undefined && kw !== instrs[i]!.keyword) return new Map();
  }
  for (let i = 0; i < instrs.length; i++) out.set(start + i, instrs[i]!);
  return out;
}

/**
 * The line inside `instr` that assigns this value to `key` (by its sha256), else the first
 * that holds `needle`, else the instruction's first line.
 */
function lineWith(instr: DockerfileInstruction, needle: string, key?: string, sha256?: string): number {
  const lines = instr.text.split("\n");
  let i = key === undefined ? -1 : lines.findIndex((l) => scriptAssignments(l).some((a) => a.key === key && sha256Text(a.value) === sha256));
  if (i < 0) i = lines.findIndex((l) => l.includes(needle));
  return instr.line + Math.max(0, i);
}

/** Whether the RUN writes `key=value` with this very value (by its sha256). */
function assigns(instr: DockerfileInstruction, key: string, sha256: string): boolean {
  const script = [instr.args, ...instr.heredocs.map((h) => h.content)].join("\n");
  return scriptAssignments(script).some((a) => a.key === key && sha256Text(a.value) === sha256);
}

/** The Dockerfile line that records the secret: the ARG or ENV that declares the key, the RUN that assigns or copies it. */
export function dockerfileLine(df: Dockerfile, s: HistorySecretFact, byHistory: ReadonlyMap<number, DockerfileInstruction>): number | undefined {
  const key = s.key;
  if (s.via === "build-arg") {
    // the value came from --build-arg: the ARG that lets it in
    const arg = df.instructions.find((i) => i.keyword === "ARG" && i.properties.some((p) => p.name === key));
    return arg?.properties.find((p) => p.name === key)?.line;
  }
  const mapped = byHistory.get(s.index);
  if (mapped) {
    if (key === undefined) return mapped.line;
    const p = mapped.properties.find((q) => q.name === key);
    if (p) return p.line;
    return s.via === "secret-mount-copy" ? lineWith(mapped, key) : lineWith(mapped, `${key}=`, key, s.sha256);
  }
  if (key === undefined) return undefined;
  if (s.via === "env" || s.via === "arg") {
    const keyword = s.via === "env" ? "ENV" : "ARG";
    for (const instr of df.instructions) {
      if (instr.keyword !== keyword) continue;
      const p = instr.properties.find((q) => q.name === key && q.value !== undefined && sha256Text(q.value) === s.sha256);
      if (p) return p.line;
    }
    return undefined;
  }
  for (const instr of df.instructions) {
    if (instr.keyword !== "RUN") continue;
    if (s.via === "secret-mount-copy") {
      if (instr.text.includes(key)) return lineWith(instr, key);
    } else if (assigns(instr, key, s.sha256)) return lineWith(instr, `${key}=`, key, s.sha256);
  }
  return undefined;
}
