/**
 * The findings side of `npm run bench:secrets`: imgpolicy's secret rules' findings (from
 * `check --format json`) put in the same value-free shape as trivy's (bench/secrets-trivy.js),
 * then matched per leak of the leak image, and per path or config key on any image.
 * Nothing here keeps a message: only rule ids, kinds, paths, keys and layers.
 */

/** imgpolicy's rules about secrets in an image (IMG-DF-012 needs a Dockerfile: not run here). */
export const SECRET_RULES = ["IMG-ENV-001", "IMG-HIST-007", "IMG-FS-005", "IMG-FS-007", "IMG-FS-008"];

/** The kind a finding's message names, without its value (the message itself is not kept). */
function kindOf(rule, message) {
  const m =
    (rule === "IMG-FS-007" && / holds ([a-z0-9-]+) </.exec(message)) ||
    (rule === "IMG-FS-008" && /^\S+ \(([a-z0-9-]+), /.exec(message)) ||
    (rule === "IMG-FS-005" && /\(([a-z0-9-]+)\)\.?$/.exec(message)) ||
    (rule === "IMG-HIST-007" && /records a secret: (build arg|RUN assignment|build secret|ENV|ARG)/.exec(message)) ||
    (rule === "IMG-ENV-001" && /\((value looks like [^;)]+|key name [^;)]+)/.exec(message));
  return m ? m[1] : undefined;
}

/** imgpolicy's JSON report (one image) as findings: { tool, rule, severity, kind, path?, config?, key?, layer? }. */
export function imgpolicyFindings(report) {
  const out = [];
  const image = report?.images?.[0];
  for (const r of image?.results ?? []) {
    if (!SECRET_RULES.includes(r.rule)) continue;
    for (const f of r.findings ?? []) {
      const msg = String(f.message ?? "");
      const x = { tool: "imgpolicy", rule: r.rule, severity: r.severity, kind: kindOf(r.rule, msg) };
      const loc = f.location ?? {};
      if (loc.path) x.path = loc.path;
      if (Number.isInteger(loc.layer)) x.layer = loc.layer + 1;
      if (loc.config) {
        x.config = loc.config.startsWith("history") ? "history" : "env";
        const key = /^Env\.(.+)$/.exec(loc.config)?.[1] ?? /(?:build arg|RUN assignment|ENV|ARG) ([A-Za-z_][A-Za-z0-9_]*)=/.exec(msg)?.[1];
        if (key) x.key = key;
        x.entry = /^history\[(\d+)\]$/.exec(loc.config)?.[1];
      }
      out.push(x);
    }
  }
  return out;
}

/** Whether finding `f` is about leak `leak` (its `match`: { path } | { history: KEY } | { env: KEY }). */
function isAbout(f, leak) {
  const m = leak.match;
  if (m.path) return f.path === m.path;
  if (m.history) return f.config === "history" && f.key === m.history;
  // an ENV is also recorded in history as `ENV KEY=…`: both count for the ENV probe
  if (m.env) return f.config != null && f.key === m.env;
  return false;
}

/** Per leak: what each tool reported about it; then what each reported about no leak. */
export function compareLeaks(leaks, mine, theirs) {
  const rows = leaks.map((leak) => ({
    id: leak.id,
    probe: Boolean(leak.probe),
    kind: leak.kind,
    where: leak.where,
    imgpolicy: mine.filter((f) => isAbout(f, leak)),
    trivy: theirs.filter((f) => isAbout(f, leak)),
  }));
  const about = (f) => leaks.some((l) => isAbout(f, l));
  return { rows, onlyImgpolicy: mine.filter((f) => !about(f)), onlyTrivy: theirs.filter((f) => !about(f)) };
}

/** On an image without planted leaks: every path or config key either tool reported, and who did. */
export function compareByPlace(mine, theirs) {
  const place = (f) => f.path ?? `config ${f.config}${f.key ? " " + f.key : ""}`;
  const places = new Map();
  for (const f of [...mine, ...theirs]) {
    const p = place(f);
    if (!places.has(p)) places.set(p, { place: p, imgpolicy: [], trivy: [] });
    places.get(p)[f.tool].push(f);
  }
  const rows = [...places.values()].sort((a, b) => a.place.localeCompare(b.place));
  return {
    rows,
    both: rows.filter((r) => r.imgpolicy.length && r.trivy.length).length,
    onlyImgpolicy: rows.filter((r) => r.imgpolicy.length && !r.trivy.length).length,
    onlyTrivy: rows.filter((r) => !r.imgpolicy.length && r.trivy.length).length,
  };
}

/** "IMG-FS-007 github-token L11" / "github-pat CRITICAL L11" / "—". */
export function describe(findings) {
  if (!findings.length) return "—";
  const one = (f) =>
    f.tool === "imgpolicy"
      ? `${f.rule}${f.kind ? ` ${f.kind}` : ""}${f.layer ? ` L${f.layer}` : f.entry != null ? ` hist[${f.entry}]` : ""}`
      : `${f.rule} ${f.severity}${f.layer ? ` L${f.layer}` : f.config ? ` config:${f.config}` : ""}`;
  const counts = new Map();
  for (const f of findings) counts.set(one(f), (counts.get(one(f)) ?? 0) + 1);
  return [...counts].map(([s, n]) => (n > 1 ? `${s} ×${n}` : s)).join("; ");
}
