#!/usr/bin/env bash
# Installs and starts what imgpolicy's tests and examples need on a Debian machine:
# the Docker engine, the Distribution registry, Go, busybox-static, CA certificates, tzdata,
# zstd, bsdtar (libarchive-tools: one of the tar writers in the tar reader's differential test),
# the builders and repackers the conformance suite checks imgpolicy against (buildah,
# skopeo, umoci: test/conformance), and GNU time and strace, with which the hostile corpus
# measures each run's peak memory and what it writes (test/hostile), and socat and openssl,
# with which the remote-engine tests put a TLS endpoint in front of the engine (test/engine),
# and ssl-cert, whose snakeoil key and files the secrets rules must not flag
# (test/cli/secret-free-debian-cli.test.ts).
# Idempotent: quick when everything is already there. Elsewhere it says what is missing.
set -euo pipefail

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
[ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ] || need_pkgs+=(docker.io)
have docker-registry || [ -x /usr/bin/docker-registry ] || need_pkgs+=(docker-registry)
have go || [ -x /usr/lib/go/bin/go ] || need_pkgs+=(golang-go)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need_pkgs+=(busybox-static)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need_pkgs+=(ca-certificates)
[ -d /usr/share/zoneinfo/Europe ] || need_pkgs+=(tzdata)
have buildah || need_pkgs+=(buildah)
have skopeo || need_pkgs+=(skopeo)
have umoci || need_pkgs+=(umoci)
have zstd || need_pkgs+=(zstd)
have bsdtar || need_pkgs+=(libarchive-tools)
[ -x /usr/bin/time ] || need_pkgs+=(time)
have strace || need_pkgs+=(strace)
have socat || need_pkgs+=(socat)
have openssl || need_pkgs+=(openssl)
[ -f /usr/share/ssl-cert/ssleay.cnf ] || need_pkgs+=(ssl-cert)

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "bootstrap: installing ${need_pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "bootstrap: missing ${need_pkgs[*]} (run as root on Debian, or install them)" >&2
    exit 1
  fi
fi

sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
sock=${sock#unix://}
engine_up() { curl -sf --max-time 3 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; }
if ! engine_up; then
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: no Docker engine answers on $sock and we are not root to start one" >&2
    exit 1
  fi
  dockerd_bin=$(command -v dockerd || echo /usr/sbin/dockerd)
  echo "bootstrap: starting dockerd" >&2
  mkdir -p /var/log
  nohup "$dockerd_bin" --host "unix://$sock" >/var/log/imgpolicy-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    engine_up && break
    sleep 0.5
  done
  if ! engine_up; then
    echo "bootstrap: dockerd did not come up; last log lines:" >&2
    tail -n 20 /var/log/imgpolicy-dockerd.log >&2 || true
    exit 1
  fi
fi
echo "bootstrap: ready (engine on $sock)" >&2
