#!/usr/bin/env bash
# Benchmarks the fixed and per-model cost of `./build.sh Publish`, all in one run on this machine, and
# prints a Markdown table with the ratios the project targets:
#   no-op Publish with 1, 20 and 100 models (warm workspace, and a fresh clone sharing the zoo, the
#   OCI layout and the GitOps repository), one changed model out of 1 and out of 100, and a Cake
#   hello-world script (Cake's default settings, and with its script cache as build.sh uses it).
# The models are copies of models/iris whose trainer copies files trained once by the real iris
# trainer (so 100 models do not mean 100 trainings); everything else is the real pipeline.
# With 1,000 models too (skip them with --skip-1000 or BENCH_SKIP_1000=1): the first Publish of 1,000
# new models (seconds per model beyond the trainers' own time), their no-op, and one changed model of 1,000
# taking turns with one changed model of 1 (the ratio is of those two).
# BENCH_RUNS (default 3) runs of each no-op; the table shows the median. Needs a built modelpipe.
set -euo pipefail

# --only-scale: only the 1,000-model rows and the 1-model rows they are compared with.
SKIP_1000=${BENCH_SKIP_1000:-0}
# BENCH_SCALE_MODELS changes the 1,000 (e.g. 200 for a quicker look at the same rows).
SCALE=${BENCH_SCALE_MODELS:-1000}
ONLY_SCALE=0
for arg in "$@"; do
  case $arg in
    --skip-1000) SKIP_1000=1 ;;
    --only-scale) ONLY_SCALE=1 ;;
    *) echo "usage: $0 [--skip-1000 | --only-scale]" >&2; exit 2 ;;
  esac
done
if [ "$SKIP_1000" = 1 ] && [ "$ONLY_SCALE" = 1 ]; then echo "$0: --skip-1000 and --only-scale exclude each other" >&2; exit 2; fi
SIZES="1 20 100"; [ "$ONLY_SCALE" = 1 ] && SIZES=1

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${BENCH_RUNS:-3}
WORK=$(mktemp -d /tmp/mp-bench-publish.XXXXXX)
# BENCH_KEEP=1 keeps the work folder (repositories and logs) for a closer look.
if [ "${BENCH_KEEP:-}" = 1 ]; then echo "benchmark: work folder $WORK is kept" >&2; else trap 'rm -rf "$WORK"' EXIT; fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 CI=true
unset GITHUB_ACTIONS GITLAB_CI MODELPIPE_RUN_ID
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
log() { echo "benchmark: $*" >&2; }

# Times a command (output to a log); fails the benchmark when it fails.
timed() {
  local logfile=$1; shift
  local t0 t1
  t0=$(now)
  if ! "$@" >"$logfile" 2>&1; then echo "benchmark: '$*' failed; see below" >&2; tail -40 "$logfile" >&2; exit 1; fi
  t1=$(now)
  secs "$t0" "$t1"
}

# The median of RUNS timed runs of a command in a folder.
median_of() {
  local dir=$1 name=$2; shift 2
  for i in $(seq 1 "$RUNS"); do (cd "$dir" && timed "$WORK/$name.$i.log" "$@"); done | median
}

# --- Cake hello world --------------------------------------------------------------------------
hello= hello_cached=
if [ "$ONLY_SCALE" != 1 ]; then
mkdir -p "$WORK/hello/.config"
cp "$REPO_ROOT/.config/dotnet-tools.json" "$WORK/hello/.config/"
cat >"$WORK/hello/build.cake" <<'CAKE'
var target = Argument("target", "Default");
Task("Default").Does(() => Information("Hello World!"));
RunTarget(target);
CAKE
(cd "$WORK/hello" && dotnet tool restore >/dev/null && dotnet cake build.cake >/dev/null)
log "Cake hello world"
hello=$(median_of "$WORK/hello" hello dotnet cake build.cake)
hello_cached=$(median_of "$WORK/hello" hello-cached env CAKE_SETTINGS_ENABLESCRIPTCACHE=true CAKE_PATHS_CACHE="$WORK/hello/cache" dotnet cake build.cake)
fi

# --- the models --------------------------------------------------------------------------------
# Train iris once with its real trainer; the benchmark models copy those files.
log "training iris once for the copies"
mkdir -p "$WORK/iris-train"
(cd "$REPO_ROOT" && git ls-files -z models/iris pipeline.json pipeline.schema.json models/model.schema.json | xargs -0 cp --parents -t "$WORK/iris-train")
printf '{ "workspace": { "artifactsDir": "artifacts", "cacheDir": ".pipeline/cache" } }\n' >"$WORK/iris-train/pipeline.json"
DLL="$REPO_ROOT/src/ModelPipeline.Cli/bin/Release/net10.0/modelpipe.dll"
for verb in fetch train; do dotnet "$DLL" "$verb" --root "$WORK/iris-train" >"$WORK/iris-train.$verb.log" 2>&1; done
PREBUILT=$(ls -d "$WORK"/iris-train/artifacts/iris/runs/*/output)

# A template checkout: this repository without its models (the iris trainer's sources stay, so the
# solution and the Compile stamp are the same), with this checkout's build output: no compile.
log "building this checkout (skipped when its Compile stamp is current) and copying it"
(cd "$REPO_ROOT" && ./build.sh Compile >"$WORK/compile.log" 2>&1) || { tail -40 "$WORK/compile.log" >&2; exit 1; }
TEMPLATE="$WORK/template"
mkdir -p "$TEMPLATE"
(cd "$REPO_ROOT" && git ls-files -z | grep -zEv '^models/iris/(model.json|data/)' | xargs -0 cp --parents -t "$TEMPLATE")
# Copies the build output (bin/, obj/ and the Compile stamp) from one checkout to another.
copy_build() {
  (cd "$1" && find src tests models -type d \( -name bin -o -name obj \) -prune -print) | while read -r d; do mkdir -p "$2/$d"; cp -a "$1/$d/." "$2/$d/"; done
}

# The embedded shell base, pinned as this checkout pins it (KServe's sidecar needs a shell).
BUSYBOX_SHA256=$(sed -n 's/.*"sha256": "\([0-9a-f]\{64\}\)".*/\1/p' "$REPO_ROOT/pipeline.json" | head -1)

# A repository with N models and its own shared remotes (zoo, mirror, GitOps) and OCI layout.
make_repo() {
  local n=$1 repo="$WORK/repo-$1" shared="$WORK/shared-$1"
  cp -a "$TEMPLATE" "$repo"
  copy_build "$REPO_ROOT" "$repo"
  mkdir -p "$shared"
  for r in zoo zoo-mirror gitops; do git init --quiet --bare --initial-branch=main "$shared/$r.git"; done
  cat >"$repo/pipeline.json" <<JSON
{ "workspace": { "artifactsDir": "artifacts", "cacheDir": ".pipeline/cache" },
  "modelcar": { "destination": "oci-layout", "repository": "localhost/modelzoo", "layoutDir": "$shared/oci",
                "baseImage": "busybox-static", "busybox": { "path": "/bin/busybox", "sha256": "$BUSYBOX_SHA256" } },
  "zoo": { "url": "$shared/zoo.git", "mirrors": [ { "name": "mirror", "url": "$shared/zoo-mirror.git" } ] },
  "gitops": { "repository": "$shared/gitops.git" },
  "forge": { "kind": "local" } }
JSON
  # One model made with sed; the others are hard links of its files (1,000 copies cost no more than a
  # few seconds and share their data) and their model.json differs only in the name.
  local proto="$WORK/proto-model"
  if [ ! -d "$proto" ]; then
    mkdir -p "$proto/data" "$proto/prebuilt"
    cp "$REPO_ROOT/models/iris/data/iris.csv" "$proto/data/"
    cp "$PREBUILT"/* "$proto/prebuilt/"
    printf '#!/bin/sh\ncp prebuilt/* "$MP_OUTPUT_DIR/"\n' >"$proto/train.sh"
    sed -e 's/"name": "iris"/"name": "@NAME@"/' \
        -e 's#"command": \[.*\]#"command": ["sh", "train.sh"]#' \
        -e 's#"sources": \[.*\]#"sources": ["train.sh", "prebuilt"]#' \
        "$REPO_ROOT/models/iris/model.json" >"$proto/model.json.in"
  fi
  local width=3; [ "$n" -ge 1000 ] && width=4
  local model_json; model_json=$(cat "$proto/model.json.in")
  for i in $(seq -f "%0${width}g" 1 "$n"); do
    local dir="$repo/models/m$i"
    cp -al "$proto" "$dir"
    rm "$dir/model.json.in"
    printf '%s\n' "${model_json//@NAME@/m$i}" >"$dir/model.json"
  done
  (cd "$repo" && git init --quiet --initial-branch=main && git add -A && git commit --quiet -m "benchmark: $n models")
  echo "$repo"
}

# Changes one model's hyperparameter (a new training key) and commits.
change_one() {
  local repo=$1 model=$2 value=$3
  sed -i "s/\"epochs\": [0-9]*/\"epochs\": $value/" "$repo/models/$model/model.json"
  (cd "$repo" && git commit --quiet -am "benchmark: change $model")
}

declare -A warm fresh
for n in $SIZES; do
  log "$n model(s): first Publish"
  repo=$(make_repo "$n")
  (cd "$repo" && timed "$WORK/first-$n.log" ./build.sh Publish >/dev/null)
  log "$n model(s): no-op Publish, warm workspace"
  warm[$n]=$(median_of "$repo" "warm-$n" ./build.sh Publish)
  [ "$ONLY_SCALE" = 1 ] && continue
  log "$n model(s): no-op Publish, fresh clone"
  for i in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/clone-$n"
    git clone --quiet "$repo" "$WORK/clone-$n"
    copy_build "$repo" "$WORK/clone-$n"
    (cd "$WORK/clone-$n" && timed "$WORK/fresh-$n.$i.log" ./build.sh Publish)
  done | median >"$WORK/fresh-$n"
  fresh[$n]=$(cat "$WORK/fresh-$n")
done

# One changed model, run i: a new value for the same model (a new training key and version), then Publish.
changed_run() {
  local repo=$1 model=$2 name=$3 i=$4
  change_one "$repo" "$model" $((400 + i))
  (cd "$repo" && timed "$WORK/$name.$i.log" ./build.sh Publish)
}
changed_median() {
  for i in $(seq 1 "$RUNS"); do changed_run "$@" "$i"; done | median
}
log "one changed model of 1"
changed1=$(changed_median "$WORK/repo-1" m001 changed-1)
changed100=
if [ "$ONLY_SCALE" != 1 ]; then
  log "one changed model of 100"
  changed100=$(changed_median "$WORK/repo-100" m050 changed-100)
fi

# --- 1,000 models ------------------------------------------------------------------------------
if [ "$SKIP_1000" != 1 ]; then
  log "$SCALE models: making the repository"
  repo=$(make_repo "$SCALE")
  # The trainers' own time: the training commands run on their own, one after the other as Train runs them.
  t0=$(now)
  for d in "$repo"/models/m*/; do (cd "$d" && MP_OUTPUT_DIR="$WORK/train-out" sh train.sh 2>/dev/null || true); done
  train1000=$(secs "$t0" "$(now)")
  log "$SCALE models: first Publish (takes minutes)"
  first1000=$(cd "$repo" && timed "$WORK/first-$SCALE.log" ./build.sh Publish)
  log "$SCALE models: no-op Publish, warm workspace"
  warm[1000]=$(median_of "$repo" "warm-$SCALE" ./build.sh Publish)
  # The 1-model and the 1,000-model runs take turns (after a sync, outside the timing): what drifts on the machine
  # (the write-back of the 1,000-model first Publish, other load) then falls on both sides of the ratio alike.
  log "one changed model of $SCALE, in turn with one changed model of 1"
  middle=$(ls "$repo/models" | sed -n "$((SCALE / 2))p")
  for i in $(seq 1 "$RUNS"); do
    sync
    echo "$(changed_run "$WORK/repo-1" m001 changed-1-turn $((RUNS + i))) $(changed_run "$repo" "$middle" "changed-$SCALE" "$i")"
  done >"$WORK/changed-turns"
  changed1turn=$(cut -d' ' -f1 "$WORK/changed-turns" | median)
  changed1000=$(cut -d' ' -f2 "$WORK/changed-turns" | median)
fi

verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "NOT met" }'; }
# A table row, left out when its measurement was skipped (an empty second argument).
row() { [ -n "$2" ] && echo "| $1 | $2 | $3 | ${4:-} |"; return 0; }
# "<ratio> × <what>" of two measurements (empty when either was skipped); with a target, "≤ t: met".
rel() { [ -n "$1" ] && [ -n "$2" ] && echo "$(ratio "$1" "$2") × $3"; return 0; }
goal() { [ -n "$1" ] && [ -n "$2" ] && echo "≤ $3 × $4: $(verdict "$(ratio "$1" "$2")" "$3")"; return 0; }
echo "| scenario | seconds | ratio | target |"
echo "|---|---:|---:|---|"
row "Cake hello world (\`dotnet cake\`, default settings)" "$hello" 1.00
row "Cake hello world with the script cache" "$hello_cached" "$(rel "$hello_cached" "$hello" hello)"
row "no-op Publish, 1 model, warm workspace" "${warm[1]}" "$(rel "${warm[1]}" "$hello" hello)" \
  "$(goal "${warm[1]}" "$hello" 2 hello)"
row "no-op Publish, 20 models, warm workspace" "${warm[20]:-}" "$(rel "${warm[20]:-}" "${warm[1]}" "1 model")"
row "no-op Publish, 100 models, warm workspace" "${warm[100]:-}" "$(rel "${warm[100]:-}" "${warm[1]}" "1 model")" \
  "$(goal "${warm[100]:-}" "${warm[1]}" 3 "1 model")"
row "no-op Publish, $SCALE models, warm workspace" "${warm[1000]:-}" "$(rel "${warm[1000]:-}" "${warm[1]}" "1 model")" \
  "$(goal "${warm[1000]:-}" "${warm[1]}" 3 "1 model")"
for n in 1 20 100; do
  row "no-op Publish, $n model(s), fresh clone" "${fresh[$n]:-}" "$(rel "${fresh[$n]:-}" "${warm[$n]:-}" warm)"
done
row "one changed model of 1" "$changed1" 1.00
row "one changed model of 100" "$changed100" "$(rel "$changed100" "$changed1" "of 1")" \
  "$(goal "$changed100" "$changed1" 1.5 "of 1")"
if [ "$SKIP_1000" != 1 ]; then
  row "one changed model of 1, in turn with $SCALE" "$changed1turn" 1.00
  row "one changed model of $SCALE" "$changed1000" \
    "$(rel "$changed1000" "$changed1turn" "of 1 in turn") ($(rel "$changed1000" "$changed1" "of 1's earlier runs"))" \
    "$(goal "$changed1000" "$changed1turn" 1.5 "of 1")"
  per=$(awk -v a="$first1000" -v t="$train1000" -v n="$SCALE" 'BEGIN { printf "%.3f", (a - t) / n }')
  row "first Publish of $SCALE new models" "$first1000" "$per s per model beyond training ($train1000 s)" \
    "≤ 0.2 s per model: $(verdict "$per" 0.2)"
fi
cat <<TABLE

Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)); load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg). Median of $RUNS runs for each scenario (each changed run changes the model again); fresh clones share the zoo, the OCI layout and the GitOps repository and get the build output copied (no compile).
TABLE
