#!/usr/bin/env bash
# The README's main job: build the example Go service (examples/hello-service) the ways
# the seeds package Go services — multi-stage Dockerfiles on imgpolicy's own offline base
# images — and check each image against the policy meant for it, with
# `imgpolicy check --build`. Ends with a summary table. Works on a fresh Debian machine:
# installs what it needs (scripts/bootstrap.sh) and builds the bases (scripts/build-bases.sh).
# The images stay as imgpolicy-example/hello:VARIANT for `imgpolicy inspect` afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
bash scripts/build-bases.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ctx=examples/hello-service
bold=$(tput bold 2>/dev/null || true) plain=$(tput sgr0 2>/dev/null || true)
[ -t 1 ] || bold='' plain=''

# variant, the policy it is meant to pass, the verdict expected
variants=(
  "scratch    go-scratch      pass"
  "distroless go-distroless   pass"
  "alpine     go-alpine       pass"
  "debian     debian-service  pass"
  "naive      go-scratch      fail"
)
about() {
  case $1 in
    scratch) echo "FROM scratch: a static, stripped binary, CA bundle, numeric non-root USER" ;;
    distroless) echo "FROM imgpolicy-base/static:nonroot (distroless-like): no shell, tzdata, USER nonroot" ;;
    alpine) echo "FROM imgpolicy-base/alpine-like:3.19: busybox shell, apk add --no-cache, adduser, USER app" ;;
    debian) echo "FROM imgpolicy-base/debian-like:12: apt-get hygiene in one RUN, useradd, USER app" ;;
    naive) echo "one stage on the Go builder, COPY . ., CMD go run . in shell form, root, a token in ENV" ;;
  esac
}

unexpected=0
for line in "${variants[@]}"; do
  read -r v policy expected <<<"$line"
  tag=imgpolicy-example/hello:$v
  printf '\n%s━━ %s — %s%s\n' "$bold" "$v" "$(about "$v")" "$plain"
  printf '$ imgpolicy check --build %s --file %s/Dockerfile.%s --policy %s --tag %s\n' "$ctx" "$ctx" "$v" "$policy" "$tag"
  docker image rm "$tag" >/dev/null 2>&1 || true # the previous run's image
  status=0
  node bin/imgpolicy.js check --build "$ctx" --file "$ctx/Dockerfile.$v" --policy "$policy" --tag "$tag" \
    --build-arg REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --format text --format "json=$work/$v.json" || status=$?
  [ "$status" -le 1 ] || exit "$status" # 1 is a verdict, 2 is an error
  size=$(docker image inspect -f '{{.Size}}' "$tag" 2>/dev/null || echo 0)
  echo "$v $policy $expected $status $size" >>"$work/summary"
done

printf '\n%sSummary%s\n' "$bold" "$plain"
node -e '
  const fs = require("fs");
  const [dir] = process.argv.slice(1);
  const human = (b) => (b >= 1e6 ? (b / 1e6).toFixed(1) + " MB" : (b / 1e3).toFixed(0) + " kB");
  const order = ["critical", "high", "medium", "low", "info"];
  const rows = [["variant", "policy", "verdict", "size", "failed rules (blocking ones named)"]];
  let unexpected = 0;
  for (const line of fs.readFileSync(dir + "/summary", "utf8").trim().split("\n")) {
    const [v, policy, expected, status, size] = line.split(" ");
    const report = JSON.parse(fs.readFileSync(`${dir}/${v}.json`, "utf8"));
    const img = report.images[0];
    const by = img.counts.failedBySeverity;
    const counts = order.filter((s) => by[s]).map((s) => `${by[s]} ${s}`).join(", ") || "none";
    const rank = (s) => order.indexOf(s);
    const blocking = img.results.filter((r) => r.status === "fail" && rank(r.severity) <= rank(report.failOn)).map((r) => r.rule);
    const verdict = status === "0" ? "pass" : "FAIL";
    if (verdict.toLowerCase() !== expected) unexpected++;
    const why = blocking.length ? `${counts}: ${blocking.slice(0, 5).join(", ")}${blocking.length > 5 ? ", …" : ""}` : counts;
    rows.push([v, policy, verdict + (verdict.toLowerCase() === expected ? "" : " (unexpected)"), human(Number(size)), why]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    console.log("  " + r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(widths[j]))).join("  "));
    if (i === 0) console.log("  " + widths.map((w) => "-".repeat(w)).join("  "));
  }
  fs.writeFileSync(dir + "/unexpected", String(unexpected));
' "$work"
unexpected=$(cat "$work/unexpected")
echo
if [ "$unexpected" = 0 ]; then
  echo "Every verdict is the expected one: the four multi-stage images pass their policies, the naive one fails."
  echo "Look closer: imgpolicy inspect imgpolicy-example/hello:scratch   (or :distroless, :alpine, :debian, :naive)"
else
  echo "$unexpected verdict(s) differ from the expected ones (see above)." >&2
  exit 1
fi
