import { describe, expect, it } from "vitest";
import { fuzzPaths } from "./test-paths.js";
import { strayFileKind } from "./stray-files.js";

describe("strayFileKind", () => {
  it("recognises source control directories and their contents", () => {
    expect(strayFileKind("/app/.git")).toBe("git-directory");
    expect(strayFileKind("/app/.git/config")).toBe("git-directory");
    expect(strayFileKind("/src/project/.git/objects/ab/cdef")).toBe("git-directory");
    expect(strayFileKind("/app/.svn/entries")).toBe("vcs-directory");
    expect(strayFileKind("/app/.hg")).toBe("vcs-directory");
    expect(strayFileKind("/app/.gitignore")).toBeUndefined();
    expect(strayFileKind("/app/.github/workflows/ci.yml")).toBeUndefined();
  });

  it("recognises build files", () => {
    for (const p of ["/app/Dockerfile", "/Containerfile", "/app/Dockerfile.prod", "/app/api.Dockerfile", "/app/web.dockerfile"]) {
      expect(strayFileKind(p), p).toBe("dockerfile");
    }
    for (const p of ["/app/docker-compose.yml", "/app/docker-compose.yaml", "/app/compose.yaml", "/app/docker-compose.override.yml"]) {
      expect(strayFileKind(p), p).toBe("compose-file");
    }
    expect(strayFileKind("/app/.dockerignore")).toBe("dockerignore");
    expect(strayFileKind("/app/dockerfile-lint.json")).toBeUndefined();
    expect(strayFileKind("/app/compose.json")).toBeUndefined();
  });

  it("recognises OS and editor litter", () => {
    expect(strayFileKind("/app/.DS_Store")).toBe("os-metadata");
    expect(strayFileKind("/app/img/Thumbs.db")).toBe("os-metadata");
    expect(strayFileKind("/app/__MACOSX/._file")).toBe("os-metadata");
    expect(strayFileKind("/app/.main.go.swp")).toBe("editor-temp");
    expect(strayFileKind("/app/.config.yml.swo")).toBe("editor-temp");
    expect(strayFileKind("/app/#notes.txt#")).toBe("editor-temp");
    expect(strayFileKind("/app/.#notes.txt")).toBe("editor-temp");
    expect(strayFileKind("/etc/nginx/nginx.conf~")).toBe("editor-temp");
    expect(strayFileKind("/app/page.swp")).toBeUndefined();
    expect(strayFileKind("/~")).toBeUndefined();
  });

  it("recognises package manager caches but not their directories or lock files", () => {
    expect(strayFileKind("/var/cache/apk/APKINDEX.abc.tar.gz")).toBe("apk-cache");
    expect(strayFileKind("/var/cache/apk")).toBeUndefined();
    expect(strayFileKind("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease")).toBe("apt-lists");
    expect(strayFileKind("/var/lib/apt/lists/lock")).toBeUndefined();
    expect(strayFileKind("/var/lib/apt/lists/partial")).toBeUndefined();
    expect(strayFileKind("/var/lib/apt/lists/auxfiles")).toBeUndefined();
    expect(strayFileKind("/var/cache/apt/pkgcache.bin")).toBe("apt-cache");
    expect(strayFileKind("/var/cache/apt/srcpkgcache.bin")).toBe("apt-cache");
    expect(strayFileKind("/var/cache/apt/archives/curl_8.0_amd64.deb")).toBe("apt-cache");
    expect(strayFileKind("/var/cache/apt/archives/lock")).toBeUndefined();
    expect(strayFileKind("/var/cache/dnf/fedora.solv")).toBe("dnf-cache");
    expect(strayFileKind("/var/cache/yum/x86_64/7/base/repomd.xml")).toBe("yum-cache");
    expect(strayFileKind("/var/cache/zypp/packages/repo/x.rpm")).toBe("zypper-cache");
    expect(strayFileKind("/var/cache/pacman/pkg/curl.pkg.tar.zst")).toBe("pacman-cache");
  });

  it("recognises language toolchain caches in any home", () => {
    expect(strayFileKind("/root/.cache/go-build")).toBe("go-build-cache");
    expect(strayFileKind("/home/app/.cache/go-build/ab/cd-d")).toBe("go-build-cache");
    expect(strayFileKind("/root/go/pkg/mod/github.com/x/y@v1/go.mod")).toBe("go-module-cache");
    expect(strayFileKind("/go/pkg/mod/cache/download/x")).toBe("go-module-cache");
    expect(strayFileKind("/root/.npm/_cacache/index-v5/00/11")).toBe("npm-cache");
    expect(strayFileKind("/root/.cache/pip/http/a/b")).toBe("pip-cache");
    expect(strayFileKind("/usr/local/share/.cache/yarn/v6/x")).toBe("yarn-cache");
    expect(strayFileKind("/usr/lib/python3.12/__pycache__/os.cpython-312.pyc")).toBe("python-bytecode-cache");
    expect(strayFileKind("/usr/local/go/pkg/tool/linux_amd64/compile")).toBeUndefined();
  });

  it("leaves ordinary files alone", () => {
    for (const p of ["/etc/passwd", "/usr/bin/env", "/app/main.js", "/", ""]) {
      expect(strayFileKind(p), p).toBeUndefined();
    }
  });
});

/** The definition, written plainly (split the path, try every rule): strayFileKind must agree with it. */
function plainStrayKind(path: string): string | undefined {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) return undefined;
  const runs: [string[], string][] = [
    [[".git"], "git-directory"], [[".svn"], "vcs-directory"], [[".hg"], "vcs-directory"], [["__MACOSX"], "os-metadata"],
    [[".cache", "go-build"], "go-build-cache"], [["go", "pkg", "mod"], "go-module-cache"], [[".npm", "_cacache"], "npm-cache"],
    [[".cache", "pip"], "pip-cache"], [[".cache", "yarn"], "yarn-cache"], [["__pycache__"], "python-bytecode-cache"],
  ];
  for (const [run, kind] of runs) {
    for (let i = 0; i + run.length <= parts.length; i++) if (run.every((s, j) => parts[i + j] === s)) return kind;
  }
  const prefixes: [string, string, ((rest: string) => boolean)?][] = [
    ["/var/cache/apk/", "apk-cache"],
    ["/var/lib/apt/lists/", "apt-lists", (rest) => !["lock", "partial", "auxfiles"].includes(rest)],
    ["/var/cache/apt/", "apt-cache", (rest) => /^[^/]+\.bin$/.test(rest) || /^archives\/[^/]+\.deb$/.test(rest)],
    ["/var/cache/yum/", "yum-cache"], ["/var/cache/dnf/", "dnf-cache"], ["/var/cache/zypp/packages/", "zypper-cache"],
    ["/var/cache/pacman/pkg/", "pacman-cache"],
  ];
  for (const [prefix, kind, accept] of prefixes) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    if (rest !== "" && (accept?.(rest) ?? true)) return kind;
  }
  const base = parts[parts.length - 1]!;
  if (/^(?:Dockerfile|Containerfile)(?:\.[^/]+)?$/.test(base) || /\.(?:Dockerfile|dockerfile|Containerfile)$/.test(base)) return "dockerfile";
  if (/^(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$/.test(base)) return "compose-file";
  if (base === ".dockerignore") return "dockerignore";
  if (base === ".DS_Store" || base === "Thumbs.db") return "os-metadata";
  if (/^\..+\.sw[a-p]$/.test(base)) return "editor-temp";
  if (/^#.+#$/.test(base) || base.startsWith(".#") || (base.length > 1 && base.endsWith("~"))) return "editor-temp";
  return undefined;
}

describe("strayFileKind and its plain definition", () => {
  it("agree on many random paths", () => {
    const paths = fuzzPaths(40000);
    expect(paths.filter((p) => plainStrayKind(p) !== undefined).length).toBeGreaterThan(5000);
    for (const p of paths) expect(strayFileKind(p), p).toBe(plainStrayKind(p));
  });
});
