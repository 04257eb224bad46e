#!/usr/bin/env bash
# Bootstrap: restore the pinned local tools, then run the Cake target graph.
#   ./build.sh                  list the targets
#   ./build.sh Publish          run a target (and what it depends on)
#   ./build.sh Train --model iris --dryrun   any further options go to Cake and the target
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: 'dotnet' was not found on PATH. Install the .NET SDK 10 (https://dot.net) and run this again." >&2
  exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Restore Cake.Tool only when the pinned version is not in the NuGet package folder yet (a process start saved).
cake_version=$(sed -n '/cake.tool/,/version/s/.*"version": *"\([^"]*\)".*/\1/p' .config/dotnet-tools.json | tail -1)
if [ ! -f "${NUGET_PACKAGES:-$HOME/.nuget/packages}/cake.tool/${cake_version}/cake.tool.${cake_version}.nupkg" ]; then
  dotnet tool restore >/dev/null || { echo "error: 'dotnet tool restore' failed (see above); NuGet must be reachable for Cake.Tool." >&2; exit 1; }
fi
# Cake compiles build.cake once and reuses the compiled script while it is unchanged (Cake's script cache).
export CAKE_SETTINGS_ENABLESCRIPTCACHE="${CAKE_SETTINGS_ENABLESCRIPTCACHE:-true}"
export CAKE_PATHS_CACHE="${CAKE_PATHS_CACHE:-$PWD/.pipeline/cache/cake}"

if [ $# -eq 0 ]; then
  echo "usage: ./build.sh <Target> [--model NAME]... [--dryrun] [--tree] [--description]"
  echo
  exec dotnet cake build/build.cake --description
fi

# Cake reserves --version (it prints Cake's own version): a model version (Promote) travels as --model-version.
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || { echo "error: --version needs a number (./build.sh Promote --model NAME --version N)" >&2; exit 2; }
               args+=("--model-version=$2"); shift 2 ;;
    --version=*) args+=("--model-version=${1#--version=}"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
set -- "${args[@]}"

case "$1" in
  -*) exec dotnet cake build/build.cake "$@" ;;
  *) target="$1"; shift; exec dotnet cake build/build.cake --target="$target" "$@" ;;
esac
