import { describe, expect, it } from "vitest";
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
