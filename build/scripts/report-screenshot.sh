#!/usr/bin/env bash
# Screenshot of a model page of the report for docs/report.md, with Debian's headless chromium:
#   build/scripts/report-screenshot.sh [MODEL] [OUT.png]     (defaults: iris, build/screenshots/report-model.png)
# Run ./build.sh Publish (or Report) first. Nothing is fetched: the page is opened from disk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
model="${1:-iris}" out="${2:-build/screenshots/report-model.png}"
page="$PWD/artifacts/report/models/$model.html"
[ -f "$page" ] || { echo "error: $page is missing; run ./build.sh Publish (or ./build.sh Report) first." >&2; exit 2; }
command -v chromium >/dev/null || { echo "error: chromium is missing; build/scripts/test-deps.d/chromium.sh installs it (as root)." >&2; exit 2; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --disable-quic --user-data-dir="$profile" --hide-scrollbars \
  --window-size=1100,1500 --screenshot="$PWD/$out" "file://$page" 2>/dev/null
echo "wrote $out ($(stat -c %s "$out") bytes)"
