#!/usr/bin/env bash
# The README's main job: build the example service as the seeds package Go services
# (a scratch image done right, and a naive one), then show what imgpolicy reads in them.
# Works on a fresh Debian machine: installs what it needs (scripts/bootstrap.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ctx="$work/ctx"
mkdir -p "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/root/.ssh"
cp examples/hello-service/* "$ctx/"
export GOFLAGS=-mod=mod GOPROXY=off GOCACHE="${GOCACHE:-/tmp/imgpolicy-go-cache}" HOME="${HOME:-/root}"
(cd examples/hello-service && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ctx/hello-service" .)
(cd examples/hello-service && CGO_ENABLED=1 go build -o "$ctx/hello-service-cgo" .)
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/rootfs/etc/group"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
openssl genpkey -algorithm ed25519 -out "$ctx/rootfs/root/.ssh/id_ed25519" 2>/dev/null

build() { DOCKER_BUILDKIT=0 docker build -q "$@" >/dev/null 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }; }

# a busybox base made from Debian's busybox-static (no registry is needed)
bb="$work/busybox"
mkdir -p "$bb"
cp "$(command -v busybox)" "$bb/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' >"$bb/Dockerfile"
build -t imgpolicy-example/busybox:1 --label imgpolicy.example=1 "$bb"

build -f "$ctx/Dockerfile.scratch" -t imgpolicy-example/hello:scratch --label imgpolicy.example=1 \
  --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$ctx"
build -f "$ctx/Dockerfile.naive" -t imgpolicy-example/hello:naive --label imgpolicy.example=1 "$ctx"

run() {
  printf '\n$ imgpolicy %s\n' "$*"
  local status=0
  node bin/imgpolicy.js "$@" || status=$?
  [ "$status" -le 1 ] || exit "$status"   # 1 is a verdict, 2 is an error
}
run inspect imgpolicy-example/hello:scratch
run inspect imgpolicy-example/hello:naive
docker save imgpolicy-example/hello:scratch -o "$work/hello.tar"
printf '\n$ docker save imgpolicy-example/hello:scratch -o hello.tar\n'
run inspect "docker-archive:$work/hello.tar" --json | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const i = s.indexOf("{");
    if (i < 0) { process.stdout.write(s); return; }
    process.stdout.write(s.slice(0, i));
    const f = JSON.parse(s.slice(i));
    console.log(JSON.stringify({ schema: f.schema, image: { id: f.image.id, platform: f.image.platform }, entrypoint: { argv: f.entrypoint.argv, elf: { linkage: f.entrypoint.elf?.linkage, stripped: f.entrypoint.elf?.stripped, go: f.entrypoint.elf?.go?.goVersion } }, user: f.users.user }, null, 2));
    console.log("… (the full document has every fact)");
  });'

# the verdict: the scratch image passes the go-scratch policy, the naive one fails it
run check --policy go-scratch imgpolicy-example/hello:scratch imgpolicy-example/hello:naive
