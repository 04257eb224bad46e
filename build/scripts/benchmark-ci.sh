#!/usr/bin/env bash
# Benchmarks the generated GitLab pipeline against a local Publish on the same commit, and prints a Markdown table:
#   - wall time of `gitlab-ci-local --shell-isolation` (each job in its own copy of the project, as on a runner)
#     running pipelines/gitlab/.gitlab-ci.yml, against one `./build.sh Publish` in a fresh clone (goal <= 1.5x);
#   - how many times the solution was compiled in the pipeline (goal 1) and locally;
#   - the bytes of every job's artifact, and of the caches, with a model of BENCH_MODEL_BYTES
#     (default 1 GiB; goal: KBs, whatever the model's size).
# The repository is a fresh clone of this checkout's HEAD with iris and a model "big" (a shell trainer writing
# BENCH_MODEL_BYTES random bytes as model.onnx), whose settings share a zoo, a GitOps repository and an OCI layout
# outside the clone. Both were published from another clone first; then big's data changes, so both runs publish
# big once (train, package, push, pin) and find iris unchanged. Each run starts from the same shared state.
# Needs a built modelpipe (./build.sh Compile) and the CI tools (build/scripts/test-deps.d/ci-tools.sh).
# BENCH_KEEP=1 keeps the work folder. This is a benchmark, not a test: it takes several minutes.
set -euo pipefail

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COMMIT=$(git -C "$REPO_ROOT" rev-parse --short HEAD)
BYTES=${BENCH_MODEL_BYTES:-1073741824}
TOOLS=${MODELPIPE_CI_TOOLS:-/opt/modelpipe-ci-tools}
GCL="$TOOLS/node_modules/.bin/gitlab-ci-local"
DLL="$REPO_ROOT/src/ModelPipeline.Cli/bin/Release/net10.0/modelpipe.dll"
GRAPH="$REPO_ROOT/artifacts/ci/targets.json"
SETTINGS=pipelines/gitlab/pipeline.gitlab.json
WORK=$(mktemp -d /tmp/mp-bench-ci.XXXXXX)
if [ "${BENCH_KEEP:-}" = 1 ]; then echo "benchmark: work folder $WORK is kept" >&2; else trap 'rm -rf "$WORK"' EXIT; fi
for f in "$GCL" "$DLL" "$GRAPH"; do
  [ -e "$f" ] && continue
  echo "benchmark: $f is missing (./build.sh GenerateCi; ci-tools.sh installs gitlab-ci-local)" >&2; exit 2
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NO_COLOR=1 CI=true
unset GITHUB_ACTIONS GITLAB_CI MODELPIPE_RUN_ID MODELPIPE_TEST_FILTER SOURCE_DATE_EPOCH
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", b - a }'; }
log() { echo "benchmark: $*" >&2; }
fail() { echo "benchmark: $1 failed; see $2" >&2; tail -40 "$2" >&2; exit 1; }
mp() { local root=$1; shift; (cd "$root" && dotnet "$DLL" "$@" --root "$root"); }
bytes() { find "$@" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
human() { numfmt --to=iec-i --suffix=B "$1"; }

# --- the repository: HEAD of this checkout, iris and big, shared services outside it --------------------------
CLONE="$WORK/models" SHARED="$WORK/shared"
log "cloning HEAD ($COMMIT); model big is $(human "$BYTES")"
git clone --quiet "$REPO_ROOT" "$CLONE"
git -C "$CLONE" checkout --quiet -B main
git -C "$CLONE" remote set-url origin https://gitlab.example.test/example-org/models.git
git -C "$CLONE" update-ref refs/remotes/origin/main HEAD
git -C "$CLONE" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
mkdir -p "$SHARED"
for r in zoo gitops; do git init --quiet --bare --initial-branch=main "$SHARED/$r.git"; done
BUSYBOX_SHA256=$(sha256sum /bin/busybox | cut -d' ' -f1)
cat >"$CLONE/$SETTINGS" <<JSON
{ "zoo": { "url": "$SHARED/zoo.git", "mirrors": [] },
  "modelcar": { "destination": "oci-layout", "layoutDir": "$SHARED/oci", "baseImage": "busybox-static",
                "busybox": { "path": "/bin/busybox", "sha256": "$BUSYBOX_SHA256" } },
  "gitops": { "repository": "$SHARED/gitops.git" } }
JSON
mkdir -p "$CLONE/models/big"
printf 'head -c %s /dev/urandom > "$MP_OUTPUT_DIR/model.onnx"\necho %s > "$MP_OUTPUT_DIR/metrics.json"\n' \
  "$BYTES" "'{\"accuracy\": 0.97}'" >"$CLONE/models/big/train.sh"
printf 'x,y\nbig,1\n' >"$CLONE/models/big/data.csv"
cat >"$CLONE/models/big/model.json" <<'JSON'
{
  "name": "big", "description": "a large model", "owners": ["ml@example.com"],
  "data": [ { "name": "table", "file": "data.csv" } ],
  "training": { "backend": "local", "command": ["sh", "train.sh"], "timeoutSeconds": 600 },
  "artifacts": { "format": "onnx", "files": ["model.onnx", "metrics.json"] },
  "validation": { "metrics": { "accuracy": { "min": 0.9 } } },
  "serving": { "runtime": "onnx" }
}
JSON
# The CI files generated from these settings (the secret names they list come from them), so CheckCi passes.
mp "$CLONE" ci generate --graph "$GRAPH" >"$WORK/generate.log" 2>&1 || fail "ci generate" "$WORK/generate.log"
(cd "$CLONE" && git add -A && git commit --quiet -m "benchmark: iris and big")

log "publishing iris and big from another clone (the earlier run)"
git clone --quiet "$CLONE" "$WORK/earlier"
for verb in fetch train validate package push gitops; do
  mp "$WORK/earlier" "$verb" --config "$SETTINGS" >>"$WORK/earlier.log" 2>&1 || fail "earlier $verb" "$WORK/earlier.log"
done
rm -rf "$WORK/earlier"
printf 'big,2\n' >>"$CLONE/models/big/data.csv"
(cd "$CLONE" && git commit --quiet -am "benchmark: change big")
cp -a "$SHARED" "$WORK/shared.before"
restore_shared() { rm -rf "$SHARED"; cp -a "$WORK/shared.before" "$SHARED"; }

# --- local: ./build.sh Publish in a fresh clone of the same commit (it compiles, as a new checkout does) -----
log "local ./build.sh Publish in a fresh clone"
git clone --quiet "$CLONE" "$WORK/local"
t0=$(now)
(cd "$WORK/local" && ./build.sh Publish --config "$SETTINGS") >"$WORK/local.log" 2>&1 \
  || fail "local Publish" "$WORK/local.log"
local_s=$(secs "$t0" "$(now)")
local_compiles=$(grep -c "Compile: building" "$WORK/local.log" || true)
grep -q "big/v2" <(git --git-dir "$SHARED/zoo.git" ls-tree -d --name-only main models/big/) \
  || { echo "benchmark: the local Publish did not publish big/v2" >&2; exit 1; }

# --- the pipeline: gitlab-ci-local, a copy of the project per job --------------------------------------------
restore_shared
log "gitlab-ci-local --shell-isolation (test, plan, model-big, fan-in, pages)"
printf 'MODELPIPE_TEST_FILTER: %s\nMODELPIPE_IN_GITLAB_CI_LOCAL: "1"\n' \
  "FullyQualifiedName~ModelPipeline.Tests.Ci.RunOutputsTests.Capping_keeps_whole_entries" \
  >"$CLONE/.gitlab-ci-local-variables.yml"
t0=$(now)
(cd "$CLONE" && PATH="$TOOLS/node_modules/.bin:$TOOLS/bin:$PATH" MODELPIPE_IN_GITLAB_CI_LOCAL=1 \
  "$GCL" --home "$WORK/gcl-home" --file pipelines/gitlab/.gitlab-ci.yml --force-shell-executor --shell-isolation \
  --no-artifacts-to-source --variable "NUGET_PACKAGES=${NUGET_PACKAGES:-$HOME/.nuget/packages}") \
  >"$WORK/pipeline.log" 2>&1 || fail "gitlab-ci-local" "$WORK/pipeline.log"
ci_s=$(secs "$t0" "$(now)")
GCL_DIR="$CLONE/.gitlab-ci-local"
ci_compiles=$(cat "$GCL_DIR"/output/*.log | grep -c "Compile: building" || true)
grep -q "big/v2" <(git --git-dir "$SHARED/zoo.git" ls-tree -d --name-only main models/big/) \
  || { echo "benchmark: the pipeline did not publish big/v2" >&2; exit 1; }
jobs=$(grep -oE '^ PASS  (\[publish\] -> )?[a-z-]+' "$WORK/pipeline.log" \
  | sed -E 's/^ PASS  (\[publish\] -> )?//' | paste -sd' ')

verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "NOT met" }'; }
ratio=$(awk -v a="$ci_s" -v b="$local_s" 'BEGIN { printf "%.2f", a / b }')
cat <<TABLE
| measurement | value | goal |
|---|---:|---|
| local \`./build.sh Publish\`, fresh clone (compiles, publishes big) | $local_s s | |
| gitlab-ci-local --shell-isolation pipeline ($jobs) | $ci_s s | |
| pipeline / local | ${ratio}× | ≤ 1.5×: $(verdict "$ratio" 1.5) |
| compiles in the pipeline (\`Compile: building\` in every job log) | $ci_compiles | 1: $(verdict "$ci_compiles" 1) |
| compiles in the local Publish | $local_compiles | |

| job artifact (model big: $BYTES bytes) | bytes | |
|---|---:|---|
TABLE
for dir in "$GCL_DIR"/artifacts/*/; do
  job=$(basename "$dir")
  printf '| %s | %s | %s |\n' "$job" "$(bytes "$dir")" "$(human "$(bytes "$dir")")"
done
echo
echo "| cache (handed between jobs, not per model) | bytes | |"
echo "|---|---:|---|"
for dir in "$GCL_DIR"/cache/*/; do
  [ -d "$dir" ] || continue
  printf '| %s | %s | %s |\n' "$(basename "$dir")" "$(bytes "$dir")" "$(human "$(bytes "$dir")")"
done
echo
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($cpu," \
  "$(free -g | awk '/Mem:/ { print $2 }') GiB), commit $COMMIT;" \
  "load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
