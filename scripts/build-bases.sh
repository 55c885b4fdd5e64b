#!/usr/bin/env bash
# Builds imgpolicy's own base images, offline, from Debian's packages on this machine
# (nothing is pulled: no registry can be reached here):
#   imgpolicy-base/golang:1.19        Go builder: Debian's Go 1.19 + busybox + CA bundle + tzdata
#   imgpolicy-base/static:nonroot     distroless-like: CA bundle, tzdata, passwd/group, no shell
#   imgpolicy-base/alpine-like:3.19   busybox shell, adduser/addgroup, an apk stand-in
#   imgpolicy-base/debian-like:12     busybox shell, useradd/groupadd, an apt-get stand-in
# Each image is labelled imgpolicy.base=1 and imgpolicy.base.hash=<hash of what it is made
# of: the files under images/, the staging code below, the host's busybox, CA bundle,
# tzdata and Go>; it is rebuilt only when that hash changes, so a second run takes a second.
# See images/README.md.
#
# Usage: scripts/build-bases.sh [--force] [--quiet] [golang|static|alpine-like|debian-like]...
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

GOROOT_HOST=${IMGPOLICY_GOROOT:-/usr/lib/go-1.19}
BUSYBOX=${IMGPOLICY_BUSYBOX:-$(command -v busybox 2>/dev/null || echo /bin/busybox)}
CA_BUNDLE=${IMGPOLICY_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
ZONEINFO=${IMGPOLICY_ZONEINFO:-/usr/share/zoneinfo}
export DOCKER_BUILDKIT=0

declare -A TAG=(
  [static]=imgpolicy-base/static:nonroot
  [alpine-like]=imgpolicy-base/alpine-like:3.19
  [debian-like]=imgpolicy-base/debian-like:12
  [golang]=imgpolicy-base/golang:1.19
)
ALL=(static alpine-like debian-like golang)

force=0 quiet=0 wanted=()
for a in "$@"; do
  case $a in
    --force) force=1 ;;
    --quiet | -q) quiet=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
      [ -n "${TAG[$a]+x}" ] || { echo "build-bases: unknown base '$a' (${ALL[*]})" >&2; exit 2; }
      wanted+=("$a") ;;
  esac
done
[ ${#wanted[@]} -gt 0 ] || wanted=("${ALL[@]}")

say() { [ $quiet = 1 ] || echo "bases: $*" >&2; }
need() { [ -e "$1" ] || { echo "build-bases: $1 not found ($2)" >&2; exit 1; }; }

# --- staging: each base's build context is assembled in a temporary directory -----------

# The usual directories, /tmp and /root.
stage_dirs() {
  local d=$1
  mkdir -p "$d"/{etc,root,tmp,var/tmp,usr/local/bin,usr/local/sbin}
  chmod 700 "$d/root"
  chmod 1777 "$d/tmp" "$d/var/tmp"
}

# Debian's static busybox with its applets as symlinks, minus the package-manager applets
# (dpkg, rpm) unless asked for: $2 is a grep -E pattern of applets to leave out.
stage_busybox() {
  local d=$1 leave_out=$2 path
  mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin}
  install -m 755 "$BUSYBOX" "$d/bin/busybox"
  while read -r path; do
    [ -n "$path" ] && [ "$path" != linuxrc ] || continue
    if [ -n "$leave_out" ] && echo "${path##*/}" | grep -qxE "$leave_out"; then continue; fi
    [ -e "$d/$path" ] || [ -L "$d/$path" ] || ln -s /bin/busybox "$d/$path"
  done < <("$BUSYBOX" --list-full)
}

stage_ca() {
  mkdir -p "$1/etc/ssl/certs"
  install -m 644 "$CA_BUNDLE" "$1/etc/ssl/certs/ca-certificates.crt"
}

# The zones, without the right/ (leap second) tree.
stage_zoneinfo() {
  mkdir -p "$1/usr/share"
  tar -C "$(dirname "$ZONEINFO")" -c --exclude="$(basename "$ZONEINFO")/right" "$(basename "$ZONEINFO")" |
    tar -C "$1/usr/share" -x
  [ "$(basename "$ZONEINFO")" = zoneinfo ] || mv "$1/usr/share/$(basename "$ZONEINFO")" "$1/usr/share/zoneinfo"
}

# The files of images/NAME/rootfs (and images/common/rootfs when $3 is "common").
# Modes are normalised (a checkout's umask must not reach the image): 755 for directories
# and scripts, 644 for other files, 600 for /etc/shadow.
stage_rootfs() {
  local d=$1 name=$2 src p
  for src in ${3:+common} "$name"; do
    cp -a "images/$src/rootfs/." "$d/"
    (cd "images/$src/rootfs" && find . -mindepth 1 ! -type l) | while read -r p; do chmod u=rwX,go=rX "$d/$p"; done
  done
  [ ! -f "$d/etc/shadow" ] || chmod 600 "$d/etc/shadow"
  cp "images/$name/Dockerfile" "$d/../Dockerfile"
}

# A package kept aside for the apk/apt-get stand-ins: $3 is a directory inside $2.
stage_stash() {
  local d=$1 src=$2 pkg=$3
  mkdir -p "$d/usr/lib/imgpolicy/stash"
  tar -C "$src" -cz --owner=0 --group=0 --numeric-owner -f "$d/usr/lib/imgpolicy/stash/$pkg.tar.gz" "${@:4}"
}

stage_static() {
  local ctx=$1 d=$1/rootfs
  mkdir -p "$d/home" "$ctx/home/nonroot"
  chmod 700 "$ctx/home/nonroot"
  stage_dirs "$d"
  stage_rootfs "$d" static
  stage_ca "$d"
  stage_zoneinfo "$d"
  for f in services protocols; do [ ! -f "/etc/$f" ] || install -m 644 "/etc/$f" "$d/etc/$f"; done
}

stage_alpine_like() {
  local ctx=$1 d=$1/rootfs
  mkdir -p "$d"
  stage_dirs "$d"
  stage_busybox "$d" 'dpkg|dpkg-deb|rpm|rpm2cpio'
  stage_rootfs "$d" alpine-like common
  stage_ca "$d"
  local tz; tz=$(mktemp -d); stage_zoneinfo "$tz"
  stage_stash "$d" "$tz" tzdata usr/share/zoneinfo
  rm -rf "$tz"
  mkdir -p "$d/var/cache/apk" "$d/home"
}

stage_debian_like() {
  local ctx=$1 d=$1/rootfs
  mkdir -p "$d"/usr/{bin,sbin,lib}
  ln -s usr/bin "$d/bin"; ln -s usr/sbin "$d/sbin"; ln -s usr/lib "$d/lib" # merged /usr, as in Debian 12
  stage_dirs "$d"
  stage_busybox "$d" 'rpm|rpm2cpio'
  stage_rootfs "$d" debian-like common
  local extra; extra=$(mktemp -d)
  stage_ca "$extra"; stage_stash "$d" "$extra" ca-certificates etc/ssl/certs/ca-certificates.crt
  stage_zoneinfo "$extra"; stage_stash "$d" "$extra" tzdata usr/share/zoneinfo
  rm -rf "$extra"
  mkdir -p "$d"/var/lib/apt/lists "$d"/var/cache/apt/archives "$d"/var/lib/dpkg/info "$d/home"
  : >"$d/var/lib/dpkg/status"
}

# The shared libraries Debian's go command needs (libc and the loader), as absolute paths.
go_libs() {
  ldd "$GOROOT_HOST/bin/go" 2>/dev/null | grep -o '/[^ ]*' | sort -u || true
}

# Debian's GOROOT, trimmed to what `go build` needs: bin/go and gofmt, the compiler tools,
# pkg/include and the standard library's sources (no tests, testdata or cmd/ sources, no
# race detector objects: -race needs cgo; no Dockerfiles; no precompiled pkg/linux_amd64:
# the image compiles its own, warm, build cache).
stage_golang() {
  local ctx=$1 d=$1/rootfs g=$1/go tooldir
  mkdir -p "$d"
  stage_dirs "$d"
  stage_busybox "$d" 'dpkg|dpkg-deb|rpm|rpm2cpio'
  stage_rootfs "$d" golang common
  stage_ca "$d"
  stage_zoneinfo "$d"
  mkdir -p "$d/go/bin" "$d/go/src" "$d/go/pkg"
  chmod 1777 "$d/go" "$d/go/bin" "$d/go/src" "$d/go/pkg"
  tooldir=$("$GOROOT_HOST/bin/go" env GOTOOLDIR)
  mkdir -p "$g/bin" "$g/pkg/include" "$g/pkg/tool/${tooldir##*/}" "$g/src"
  install -m 644 "$GOROOT_HOST/VERSION" "$g/VERSION"
  install -m 755 "$GOROOT_HOST/bin/go" "$GOROOT_HOST/bin/gofmt" "$g/bin/"
  # Debian's go command is linked against glibc: its loader and libc come along (nothing else does).
  for lib in $(go_libs); do
    mkdir -p "$d$(dirname "$lib")"
    cp -L "$lib" "$d$lib"
  done
  for t in asm buildid cgo compile cover link pack test2json vet; do
    install -m 755 "$tooldir/$t" "$g/pkg/tool/${tooldir##*/}/$t"
  done
  cp -L "$GOROOT_HOST"/pkg/include/* "$g/pkg/include/"
  (cd -P "$GOROOT_HOST/src" && tar -c --exclude=./cmd --exclude=testdata --exclude='*_test.go' --exclude='race_*.syso' --exclude=Dockerfile .) | tar -C "$g/src" -x
}

# --- what each base is made of ---------------------------------------------------------

inputs_common() {
  sha256sum "$BUSYBOX" "$CA_BUNDLE" | cut -d' ' -f1
  head -n 1 "$ZONEINFO/tzdata.zi" 2>/dev/null || ls -R "$ZONEINFO" | sha256sum
  declare -f stage_dirs stage_busybox stage_ca stage_zoneinfo stage_rootfs stage_stash
  (cd images && find common "$1" -type f -print0 | sort -z | xargs -0 sha256sum && find common "$1" -type f -perm -u+x | sort)
}

base_hash() {
  local name=$1
  {
    inputs_common "$name"
    declare -f "stage_${name//-/_}"
    if [ "$name" = golang ]; then
      cat "$GOROOT_HOST/VERSION"
      sha256sum "$GOROOT_HOST/bin/go" $(go_libs) | cut -d' ' -f1
    fi
  } | sha256sum | cut -c1-32
}

check_inputs() {
  need "$BUSYBOX" "install busybox-static: scripts/bootstrap.sh"
  need "$CA_BUNDLE" "install ca-certificates: scripts/bootstrap.sh"
  need "$ZONEINFO" "install tzdata: scripts/bootstrap.sh"
  if [[ " ${wanted[*]} " == *" golang "* ]]; then
    need "$GOROOT_HOST/bin/go" "install golang-go (Go 1.19) with scripts/bootstrap.sh, or set IMGPOLICY_GOROOT"
  fi
  docker version >/dev/null 2>&1 || { echo "build-bases: no Docker engine answers (run scripts/bootstrap.sh)" >&2; exit 1; }
}

human() { awk -v b="$1" 'BEGIN { split("B kB MB GB", u); i = 1; while (b >= 1000 && i < 4) { b /= 1000; i++ }; printf (i == 1 ? "%d %s" : "%.1f %s"), b, u[i] }'; }

build_base() {
  local name=$1 tag=${TAG[$1]} hash have old work log start secs size
  hash=$(base_hash "$name")
  have=$(docker image inspect -f '{{index .Config.Labels "imgpolicy.base.hash"}}' "$tag" 2>/dev/null || true)
  if [ $force = 0 ] && [ "$have" = "$hash" ]; then
    up_to_date+=("$tag")
    return 0
  fi
  old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  [ "$name" != golang ] || say "building $tag (Debian's Go toolchain; compiling its standard library takes a minute or two the first time)…"
  start=$(date +%s)
  work=$(mktemp -d)
  log=$work/build.log
  mkdir -p "$work/ctx"
  "stage_${name//-/_}" "$work/ctx" 2>"$log" || { cat "$log" >&2; rm -rf "$work"; exit 1; }
  if ! tar -C "$work/ctx" -c --owner=0 --group=0 --numeric-owner . |
    docker build --force-rm -t "$tag" \
      --label imgpolicy.base=1 --label "imgpolicy.base.hash=$hash" --label "imgpolicy.base.name=$tag" - >"$log" 2>&1; then
    echo "build-bases: building $tag failed:" >&2
    grep -v '^DEPRECATED\|^  *BuildKit is\|^  *environment-variable\|^  *Install the buildx' "$log" | tail -n 20 >&2
    # the images of the steps that did succeed: nothing is left behind
    grep -oE '^ ---> [0-9a-f]{12}$' "$log" | awk '{ print $2 }' | tac | xargs -r docker image rm >/dev/null 2>&1 || true
    rm -rf "$work"
    exit 1
  fi
  rm -rf "$work"
  secs=$(($(date +%s) - start))
  size=$(docker image inspect -f '{{.Size}}' "$tag")
  say "built $tag in ${secs}s ($(human "$size"))"
  # the image this one replaces, unless something was built from it
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$tag")" ]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}

# One run at a time (tests and examples may call this concurrently).
lock=/tmp/imgpolicy-build-bases.lock
exec 9>"$lock"
flock 9

check_inputs
up_to_date=()
for name in "${wanted[@]}"; do build_base "$name"; done
if [ ${#up_to_date[@]} -gt 0 ]; then
  if [ ${#up_to_date[@]} -eq ${#wanted[@]} ]; then say "${#up_to_date[@]} base images up to date (imgpolicy-base/*)"; else say "up to date: ${up_to_date[*]}"; fi
fi
