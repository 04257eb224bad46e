#!/usr/bin/env bash
# Installs and starts what the integration tests need (idempotent; safe to run again):
#   docker-registry (Debian's distribution 2.8), skopeo, busybox-static, htpasswd, docker.io,
#   and a Docker engine (dockerd --iptables=false --bridge=none) when none is reachable.
# Needs root for apt; without root it only reports what is missing. Never fails the build:
# tests that need a missing component skip with a printed reason.
set -u

log() { echo "test-deps: $*"; }

packages=()
command -v docker-registry >/dev/null 2>&1 || packages+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || packages+=(skopeo)
[ -x /bin/busybox ] || packages+=(busybox-static)
command -v htpasswd >/dev/null 2>&1 || packages+=(apache2-utils)
command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${packages[*]} and not root; the tests that need them will skip."
  else
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null 2>&1; then
      log "apt-get update"
      apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed"
      apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null 2>&1 \
        || log "could not install ${packages[*]}; the tests that need them will skip."
    fi
    command -v docker-registry >/dev/null 2>&1 && log "installed ${packages[*]}"
  fi
fi

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_up; then
  log "docker engine reachable"
elif command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && [ -z "${DOCKER_HOST:-}" ]; then
  log "starting dockerd --iptables=false --bridge=none (log: /var/log/modelpipe-dockerd.log)"
  setsid nohup dockerd --iptables=false --ip6tables=false --bridge=none >/var/log/modelpipe-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do engine_up && break; sleep 0.5; done
  if engine_up; then log "docker engine started"; else log "dockerd did not start (see /var/log/modelpipe-dockerd.log); docker tests will skip."; fi
else
  log "no docker engine reachable; docker tests will skip."
fi
# Further components, one script per concern (e.g. npm tools, S3 server, browser): each is sourced
# here, must be idempotent and must never fail the build.
for extra in "$(dirname "${BASH_SOURCE[0]}")"/test-deps.d/*.sh; do
  [ -f "$extra" ] || continue
  # shellcheck disable=SC1090
  ( . "$extra" ) || log "$(basename "$extra") reported a problem; the tests that need it will skip."
done
exit 0
