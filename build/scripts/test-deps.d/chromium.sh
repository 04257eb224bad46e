# Headless Chromium for the report's browser tests (sourced by build/scripts/test-deps.sh):
# Debian's chromium package (/usr/bin/chromium), driven by Microsoft.Playwright (its node driver
# ships in the NuGet package; no browser is downloaded) and by chromium's own --screenshot.
# Idempotent; never fails the build: without it the browser tests skip with the reason.
chromium_log() { echo "test-deps (chromium): $*"; }

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    chromium_log "chromium is missing and this is not root; the report's browser tests will skip."
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 \
      || { chromium_log "apt-get update"; apt-get update -qq >/dev/null 2>&1; \
           apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1; } \
      || chromium_log "could not install chromium; the report's browser tests will skip."
  fi
fi
command -v chromium >/dev/null 2>&1 && chromium_log "$(chromium --version 2>/dev/null | head -1)"
true
