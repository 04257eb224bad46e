#!/usr/bin/env bash
# Benchmark of `modelpipe report`: a synthetic zoo of MODELS models x VERSIONS versions (two metrics
# each, so 2 x MODELS charts) in a git repository, rendered with --zoo. Prints a table.
# The target (issue 13): 1,000 models x 20 versions in under 30 s on the project's 2-core machine.
#   build/scripts/benchmark-report.sh [MODELS] [VERSIONS]      (defaults 1000 20)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
models="${1:-1000}" versions="${2:-20}"
dll="${MODELPIPE_DLL:-src/ModelPipeline.Cli/bin/Release/net10.0/modelpipe.dll}"
[ -f "$dll" ] || { echo "error: $dll is missing; run ./build.sh Compile first." >&2; exit 2; }
command -v node >/dev/null || { echo "error: node is needed to generate the zoo." >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root" "$work/tree"
echo '{ "workspace": { "artifactsDir": "artifacts", "cacheDir": ".pipeline/cache" } }' > "$work/root/pipeline.json"

echo "generating $models models x $versions versions ..." >&2
node build/scripts/generate-zoo.mjs "$work/tree" "$models" "$versions"
git -C "$work/tree" init -q -b main
git -C "$work/tree" add -A
git -C "$work/tree" -c user.name=bench -c user.email=bench@example.com commit -q -m zoo
git clone -q --bare "$work/tree" "$work/zoo.git"

# Warm the clone once (git clone is the zoo read, not rendering), then time renders.
dotnet "$dll" report --root "$work/root" --zoo "$work/zoo.git" --out "$work/warm" >/dev/null 2>&1
# Wall time depends on what else runs on the machine; CPU time (user + sys) much less so.
runs=() cpus=()
TIMEFORMAT='%R %U %S'
for i in 1 2 3; do
  rm -rf "$work/root/.pipeline/cache/report-charts" # every chart drawn: the cold case the target is about
  t=$( { time dotnet "$dll" report --root "$work/root" --zoo "$work/zoo.git" --out "$work/site" --json > "$work/out.json" 2>"$work/err.txt"; } 2>&1 ) \
    || { cat "$work/err.txt" >&2; exit 1; }
  read -r real user sys <<< "$t"
  runs+=("$real")
  cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
done
# And once more with the charts from the cache, as the next Publish's report would find them.
t=$( { time dotnet "$dll" report --root "$work/root" --zoo "$work/zoo.git" --out "$work/site" > /dev/null 2>"$work/err.txt"; } 2>&1 ) \
  || { cat "$work/err.txt" >&2; exit 1; }
read -r warm _ _ <<< "$t"
charts=$(grep -o '"charts": [0-9]*' "$work/out.json" | grep -o '[0-9]*$')
pages=$(find "$work/site" -name '*.html' | wc -l)
size=$(du -sh "$work/site" | cut -f1)
index_kib=$(( $(stat -c %s "$work/site/index.html") / 1024 ))
best=$(printf '%s\n' "${runs[@]}" | sort -n | head -1)

printf '\n| models | versions | charts | pages | site size | index.html | run 1 | run 2 | run 3 | best | CPU (user+sys) per run | charts cached | target |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
printf '| %s | %s | %s | %s | %s | %s KiB | %.1f s | %.1f s | %.1f s | %.1f s | %.1f / %.1f / %.1f s | %.1f s | < 30 s wall (runs 1-3 draw every chart) |\n' \
  "$models" "$((models * versions))" "$charts" "$pages" "$size" "$index_kib" "${runs[0]}" "${runs[1]}" "${runs[2]}" "$best" "${cpus[0]}" "${cpus[1]}" "${cpus[2]}" "$warm"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc))"
