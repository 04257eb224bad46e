#!/usr/bin/env bash
# Installs what the embedded ModelCar base (modelcar.baseImage "busybox-static") is made from:
# Debian's busybox-static (/bin/busybox). Run by ./build.sh before PackageModelCar, so a fresh
# machine's Publish works. Idempotent. Never fails the build by itself: when busybox cannot be
# installed it says why, and `modelpipe package` then fails with the fix if the embedded base is
# configured (a registry base, modelcar.baseImage, does not need it).
set -u
log() { echo "modelcar-base: $*"; }

[ -x /bin/busybox ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  log "/bin/busybox is missing and this is not a Debian/Ubuntu machine (no apt-get). Install a static busybox at /bin/busybox whose sha256 is modelcar.busybox.sha256, or set modelcar.baseImage to a registry image with a shell."
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  log "/bin/busybox is missing and installing it needs root. Run: sudo apt-get install busybox-static"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
log "installing busybox-static (the embedded ModelCar base)"
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends busybox-static >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends busybox-static >/dev/null 2>&1 \
    || log "could not install busybox-static (apt-get failed). Run: sudo apt-get install busybox-static"
fi
[ -x /bin/busybox ] && log "installed /bin/busybox ($(sha256sum /bin/busybox | cut -d' ' -f1))"
exit 0
