/** IMG-FS-006: no files that should not ship (.git, Dockerfile, package caches, …) (dockle DKL-LI-0003). */
import { failIf, type Finding, type Rule } from "../types.js";
import { allowSchema, dirName, pathMatcher, globLists } from "./path-glob.js";

interface Options {
  /** Files accepted: globs over the path, or base names. */
  allow: string[];
  /** Kinds not reported (see `filesystem.strayFiles`). */
  ignoreKinds: string[];
}

const REMOVE: Record<string, string> = {
  "apk-cache": "RUN apk add --no-cache <packages>",
  "apt-cache": "RUN apt-get install -y --no-install-recommends <packages> && apt-get clean",
  "apt-lists": "RUN apt-get update && apt-get install -y <packages> && rm -rf /var/lib/apt/lists/*",
  "yum-cache": "RUN yum install -y <packages> && yum clean all",
  "dnf-cache": "RUN dnf install -y <packages> && dnf clean all",
  "pip-cache": "RUN pip install --no-cache-dir <packages>",
  "npm-cache": "RUN npm ci --omit=dev && npm cache clean --force",
  "go-build-cache": "RUN --mount=type=cache,target=/root/.cache/go-build go build …",
  "go-module-cache": "RUN --mount=type=cache,target=/go/pkg/mod go build …",
};

export const rule: Rule<Options> = {
  id: "IMG-FS-006",
  title: "No stray files",
  category: "filesystem",
  severity: "low",
  description:
    "No file that only the build needed is shipped: version-control directories (.git, .svn, .hg), Dockerfiles, compose files, .dockerignore, editor and OS litter, package manager caches, language toolchain caches. Entries of one kind that one layer put in one directory are reported together.",
  rationale:
    "dockle DKL-LI-0003 (Only put necessary files): these files make the image bigger, and some leak what was meant to stay private — a .git directory holds the whole source history, including secrets committed and later removed; a Dockerfile shows how the image was built.",
  remediation:
    "Keep them out of the build context with a `.dockerignore` (`.git`, `Dockerfile*`, `docker-compose*.yml`, `**/.DS_Store`, `**/*.swp`), copy only what the program needs (`COPY --from=build /out/app /app` rather than `COPY . .`), and clean caches in the RUN that made them:\n" +
    "  RUN apk add --no-cache <packages>\n" +
    "  RUN pip install --no-cache-dir -r requirements.txt\n" +
    "Apt lists are IMG-HIST-006's and Python bytecode caches are usually harmless: both are in `ignoreKinds` by default.",
  optionsSchema: {
    type: "object",
    properties: {
      allow: allowSchema("Files accepted"),
      ignoreKinds: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description: "Kinds not reported (git-directory, dockerfile, apk-cache, apt-lists, pip-cache, python-bytecode-cache, …).",
      },
    },
    additionalProperties: false,
  },
  defaultOptions: { allow: [], ignoreKinds: ["apt-lists", "python-bytecode-cache"] },
  patterns: globLists("allow"),
  check(facts, options) {
    const allowed = pathMatcher(options.allow);
    const ignored = new Set(options.ignoreKinds);
    const groups = new Map<string, { kind: string; layer: number; dir: string; paths: string[] }>();
    for (const s of facts.filesystem.strayFiles) {
      if (ignored.has(s.kind) || allowed(s.path)) continue;
      const dir = dirName(s.path);
      const key = `${s.kind}\0${s.layer}\0${dir}`;
      const g = groups.get(key) ?? { kind: s.kind, layer: s.layer, dir, paths: [] };
      g.paths.push(s.path);
      groups.set(key, g);
    }
    const findings: Finding[] = [];
    for (const g of groups.values()) {
      const fix = REMOVE[g.kind] ? ` Fix: ${REMOVE[g.kind]}` : "";
      if (g.paths.length === 1) {
        const path = g.paths[0]!;
        findings.push({
          message: `${path} (layer ${g.layer + 1}) should not ship (${g.kind}).${fix}`,
          location: { path, layer: g.layer },
          expected: "only the files the program needs",
          found: `${g.kind} at ${path}`,
        });
      } else {
        findings.push({
          message: `${g.paths.length} ${g.kind} entries in ${g.dir} (layer ${g.layer + 1}) should not ship, e.g. ${g.paths[0]}.${fix}`,
          location: { path: g.dir, layer: g.layer },
          expected: "only the files the program needs",
          found: `${g.paths.length} ${g.kind} entries in ${g.dir}`,
        });
      }
    }
    return failIf(findings);
  },
};
