#!/usr/bin/env bash
# Benchmarks PackageModelCar on a model with BENCH_BYTES (default 1 GiB) of random weights, all in
# one run on this machine, and prints a Markdown table:
#   curl -T (one blob PUT: the practical limit) | ModelCar build+push | push with no layer digest recorded |
#   re-push | skopeo copy from the OCI layout | docker build + docker push | OCI layout build vs cp + sha256sum |
#   peak RSS.
# Each registry measurement gets a fresh docker-registry on 127.0.0.1. Needs build/scripts/test-deps.sh
# (docker-registry, skopeo; docker is optional) and a built modelpipe (./build.sh Compile).
# The layer upload is also timed by the registry itself (its PATCH or PUT, from its request log) for curl and ModelCar,
# which separates the streaming from process start-up and the small requests around it; and the CPU time of the
# two clients (curl's PATCH, the whole modelpipe process) is shown, with the registry's own CPU during each upload (the
# floor of any client's time) and each client's wall clock less the registry-timed upload (its fixed cost). curl's
# streamed upload and the ModelCar push run in turn BENCH_RUNS times (default 3): their rows show medians, and the
# push's row each run's ratio.
# Then big models (BENCH_BIG_BYTES, sizes separated by spaces, default 4 GiB and 20 GiB; 0 skips them) of sparse
# weights (zeros that take no disk until the registry stores them): each built and pushed with its peak RSS and
# seconds per GiB, to show memory flat and time linear in size. A size is skipped, and said so, when the disk
# has less than 1.5 times it free.
set -euo pipefail

BYTES=${BENCH_BYTES:-1073741824}
BIG_BYTES=${BENCH_BIG_BYTES:-4294967296 21474836480}
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DLL="$REPO_ROOT/src/ModelPipeline.Cli/bin/${CONFIGURATION:-Release}/net10.0/modelpipe.dll"
[ -f "$DLL" ] || { echo "benchmark: $DLL not found; run ./build.sh Compile first" >&2; exit 2; }
command -v docker-registry >/dev/null && command -v skopeo >/dev/null || { echo "benchmark: needs docker-registry and skopeo (run build/scripts/test-deps.sh as root)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/mp-bench.XXXXXX)
cleanup() {
  local status=$?
  # A failed step: show why before the work folder goes.
  [ "$status" -ne 0 ] && [ -f "$WORK/modelpipe.log" ] && tail -20 "$WORK/modelpipe.log" >&2
  # registry() runs in a command substitution (a subshell), so its servers are listed in a file.
  [ -f "$WORK/registry.pids" ] && while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$WORK/registry.pids"
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
# Flush the previous contender's dirty pages first, so nobody pays for another's disk writeback.
settle() { sync; sleep 1; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fresh docker-registry; prints its host:port.
registry() {
  local name=$1 port
  port=$(free_port)
  mkdir -p "$WORK/reg-$name"
  cat >"$WORK/reg-$name/config.yml" <<YML
version: 0.1
log:
  level: info
  formatter: json
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/reg-$name/data
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$WORK/reg-$name/config.yml" >"$WORK/reg-$name/log" 2>&1 &
  echo $! >>"$WORK/registry.pids"
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
  echo "127.0.0.1:$port"
}

# CPU seconds (user + sys) a registry's process has used so far: read before and after an upload, the registry's own
# work on it (receiving, hashing and writing the bytes), the same work whichever client sends them.
registry_cpu() {
  local pid
  pid=$(tail -1 "$WORK/registry.pids")
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"
}

# A measured registry's stored gibibyte goes once it is read: the disk of this VM slows down as a run's writes pile up
# (the later runs in turn were about 1.6 times slower with every registry kept).
drop() { rm -rf "$WORK/reg-$1/data"; }

# Seconds the registry spent in upload requests (PATCH and PUT: the streamed body), from its request log.
patch_secs() {
  python3 - "$WORK/reg-$1/log" <<'PY'
import json, re, sys
total = 0.0
for line in open(sys.argv[1]):
    try: entry = json.loads(line)
    except ValueError: continue
    if (entry.get("msg") == "response completed" and entry.get("http.request.method") in ("PATCH", "PUT")
            and "/blobs/uploads/" in entry.get("http.request.uri", "")):
        value, unit = re.fullmatch(r"([0-9.]+)([a-zµ]+)", entry["http.response.duration"]).groups()
        total += float(value) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}[unit]
print(f"{total:.2f}")
PY
}

modelpipe() { dotnet "$DLL" "$@" --root "$WORK/world"; }

echo "benchmark: preparing a model with $BYTES bytes of random weights in $WORK" >&2
mkdir -p "$WORK/world/models/bench"
cat >"$WORK/world/pipeline.json" <<JSON
{ "workspace": { "artifactsDir": "artifacts", "cacheDir": ".pipeline/cache" },
  "modelcar": { "destination": "oci-layout", "repository": "localhost/bench", "layoutDir": ".pipeline/oci" } }
JSON
cat >"$WORK/world/models/bench/model.json" <<JSON
{ "name": "bench", "description": "benchmark: random weights", "owners": ["bench@example.com"],
  "data": [ { "name": "def", "file": "model.json" } ],
  "training": { "backend": "local", "command": ["sh", "-c", "head -c $BYTES /dev/urandom > \"\$MP_OUTPUT_DIR/weights.bin\""] },
  "artifacts": { "format": "onnx", "files": ["weights.bin"] },
  "validation": {}, "serving": { "runtime": "onnx" } }
JSON
for verb in fetch train validate; do modelpipe "$verb" >/dev/null; done
KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trainingKey"])' "$WORK/world/artifacts/bench/current.json")
WEIGHTS="$WORK/world/artifacts/bench/runs/$KEY/output/weights.bin"
SHA=$(sha256sum "$WEIGHTS" | cut -d' ' -f1)
cat "$WEIGHTS" >/dev/null   # warm the page cache equally for every contender

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); }
rss() { awk -F': ' '/Maximum resident set size/ { printf "%.0f MiB", $2 / 1024 }' "$1"; }
written() { python3 -c 'import json,sys,re; d=json.load(open(sys.argv[1])); print(re.search(r"(\d+) bytes written", d["results"][0]["detail"]).group(1))' "$1"; }

# 1. curl -T: one monolithic blob PUT of the same bytes (digest computed beforehand, not timed).
REG=$(registry curl)
settle
t0=$(now)
LOC=$(curl -fsS -X POST -D - -o /dev/null "http://$REG/v2/bench/blobs/uploads/" | awk -F': ' 'tolower($1)=="location" { sub(/\r$/, "", $2); print $2 }')
case "$LOC" in http*) ;; *) LOC="http://$REG$LOC" ;; esac
curl -fsS -o /dev/null -T "$WEIGHTS" -H 'Content-Type: application/octet-stream' "$LOC&digest=sha256:$SHA"
t1=$(now)
CURL=$(secs "$t0" "$t1")
row "curl -T: one blob PUT (the limit)" "$CURL" "1.00x" "$BYTES" "-"
drop curl

# 1b and 2, in turn, BENCH_RUNS times (default 3; the table shows medians, and each run's ModelCar/curl ratio),
#    each on a fresh registry: the goal's comparison, run alternately so that neither side gets the quieter moments.
# 1b. curl streamed upload: PATCH the bytes, then PUT ?digest= (the protocol path a one-pass
#     builder has to use, since the digest is known only at the end).
curl_patch() {
  local reg loc t0 t1 c0
  reg=$(registry "curlpatch$1")
  settle
  c0=$(registry_cpu)
  t0=$(now)
  loc=$(curl -fsS -X POST -D - -o /dev/null "http://$reg/v2/bench/blobs/uploads/" | awk -F': ' 'tolower($1)=="location" { sub(/\r$/, "", $2); print $2 }')
  case "$loc" in http*) ;; *) loc="http://$reg$loc" ;; esac
  loc=$(/usr/bin/time -o "$WORK/time-curlpatch$1" -f "%U %S" \
    curl -fsS -X PATCH -D - -o /dev/null -T "$WEIGHTS" -H 'Content-Type: application/octet-stream' "$loc" | awk -F': ' 'tolower($1)=="location" { sub(/\r$/, "", $2); print $2 }')
  case "$loc" in http*) ;; *) loc="http://$reg$loc" ;; esac
  curl -fsS -o /dev/null -X PUT "$loc&digest=sha256:$SHA"
  t1=$(now)
  echo "$(secs "$t0" "$t1") $(patch_secs "curlpatch$1") $(awk '{ printf "%.2f", $1 + $2 }' "$WORK/time-curlpatch$1")" \
    "-" "$(secs "$c0" "$(registry_cpu)")"
  drop "curlpatch$1"
}


# 2. ModelCar build + push to a fresh registry (cold layer cache), as a Publish does it: Validate recorded the layer's
#    digest, so the file goes up unhashed in one PUT ?digest= and the registry checks it.
modelcar_push() {
  local reg t0 t1 c0
  reg=$(registry "modelcar$1")
  export MODELPIPE_MODELCAR__DESTINATION=registry MODELPIPE_MODELCAR__REPOSITORY="$reg/bench"
  rm -rf "$WORK/world/.pipeline/cache/oci-layers" "$WORK/world/artifacts/bench/runs/$KEY/package.json"
  settle
  c0=$(registry_cpu)
  t0=$(now)
  /usr/bin/time -v -o "$WORK/time-push$1" dotnet "$DLL" package --root "$WORK/world" --json >"$WORK/push$1.json" 2>>"$WORK/modelpipe.log"
  t1=$(now)
  echo "$(secs "$t0" "$t1") $(patch_secs "modelcar$1") $(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$WORK/time-push$1") $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["durationSeconds"])' "$WORK/push$1.json")" \
    "$(secs "$c0" "$(registry_cpu)")"
}

# A run's line in curlpatch.runs and modelcar.runs: wall seconds, registry-timed upload, client CPU, the package
# step's own seconds (ModelCar; "-" for curl), registry CPU.
RUNS=${BENCH_RUNS:-3}
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column() { awk -v c="$1" '{ print $c }' "$2" | median; }
: >"$WORK/curlpatch.runs"; : >"$WORK/modelcar.runs"
for run in $(seq 1 "$RUNS"); do
  echo "benchmark: streamed upload, run $run of $RUNS: curl, then ModelCar" >&2
  curl_patch "$run" >>"$WORK/curlpatch.runs"
  modelcar_push "$run" >>"$WORK/modelcar.runs"
  [ "$run" -eq "$RUNS" ] || drop "modelcar$run"   # the last one's image is re-pushed below
done
PATCHED=$(column 1 "$WORK/curlpatch.runs")
PUSH=$(column 1 "$WORK/modelcar.runs")
STEP=$(column 4 "$WORK/modelcar.runs")
# Each run's ModelCar / curl ratio: the two ran a few seconds apart, so a slow spell of the disk or the host (this VM
# has them) falls on both; the goal is read from the median of these ratios.
RATIOS=$(paste -d' ' <(cut -d' ' -f1 "$WORK/modelcar.runs") <(cut -d' ' -f1 "$WORK/curlpatch.runs") \
  | awk '{ printf "%.4f\n", $1 / $2 }')
PAIRS=$(awk '{ printf "%s%.2fx", (NR > 1 ? ", " : ""), $1 }' <<<"$RATIOS")
PAIRED=$(median <<<"$RATIOS")
row "curl PATCH + PUT ?digest= (streamed upload), median of $RUNS" "$PATCHED" "$(awk -v a="$PATCHED" -v b="$CURL" 'BEGIN { printf "%.2fx", a / b }')" "$BYTES" "-"
row "ModelCar build + push (modelpipe package), median of $RUNS" "$PUSH" "**${PAIRED}x of curl PATCH + PUT, median of the runs' ratios** ($PAIRS); medians' ratio $(awk -v a="$PUSH" -v b="$PATCHED" 'BEGIN { printf "%.2fx", a / b }')" "$(written "$WORK/push$RUNS.json")" "$(rss "$WORK/time-push$RUNS")"
row "ModelCar package step alone (no process start-up)" "$STEP" "$(awk -v a="$STEP" -v b="$PATCHED" 'BEGIN { printf "%.2fx of curl PATCH + PUT", a / b }')" "-" "-"
CURL_PATCH=$(column 2 "$WORK/curlpatch.runs")
PUSH_PATCH=$(column 2 "$WORK/modelcar.runs")
row "layer upload as timed by the registry: curl / ModelCar" "$CURL_PATCH / $PUSH_PATCH" "$(awk -v a="$PUSH_PATCH" -v b="$CURL_PATCH" 'BEGIN { printf "%.2fx", a / b }')" "-" "-"
# CPU (user + sys) of the client: on a machine with few cores the registry competes with it for the same cores.
row "client CPU, user + sys: curl PATCH / ModelCar" "$(column 3 "$WORK/curlpatch.runs") / $(column 3 "$WORK/modelcar.runs")" "-" "-" "-"
# The registry's CPU for the upload is the floor of any client's time (on this machine it is busy for nearly all of
# the upload: receiving, hashing and writing the bytes, one request on one core); what a client adds to it is its own
# start-up and requests around the upload: wall clock less the registry-timed upload.
row "registry CPU, user + sys, during the push: curl / ModelCar" "$(column 5 "$WORK/curlpatch.runs") / $(column 5 "$WORK/modelcar.runs")" \
  "the floor for any client" "-" "-"
fixed_cost() { awk '{ printf "%.4f\n", $1 - $2 }' "$1" | median; }
row "wall clock less the registry-timed upload: curl / ModelCar" \
  "$(fixed_cost "$WORK/curlpatch.runs") / $(fixed_cost "$WORK/modelcar.runs")" \
  "the client's own start-up and small requests, median" "-" "-"

# 2b. The same image to another fresh registry with no layer digest recorded (validate.json without it, cold layer
#     cache; as with compressed layers): the layer digest and every file's sha256 are computed while streaming.
PUSH_REPO=$MODELPIPE_MODELCAR__REPOSITORY
REG=$(registry known)
export MODELPIPE_MODELCAR__REPOSITORY="$REG/bench"
VALIDATED="$WORK/world/artifacts/bench/runs/$KEY/validate.json"
cp "$VALIDATED" "$WORK/validate.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("layers", None); json.dump(d, open(sys.argv[1], "w"))' "$VALIDATED"
rm -rf "$WORK/world/.pipeline/cache/oci-layers" "$WORK/world/artifacts/bench/runs/$KEY/package.json"
settle
t0=$(now)
/usr/bin/time -v -o "$WORK/time-known" dotnet "$DLL" package --root "$WORK/world" --json \
  >"$WORK/known.json" 2>>"$WORK/modelpipe.log"
t1=$(now)
cp "$WORK/validate.json" "$VALIDATED"
KNOWN=$(secs "$t0" "$t1")
KNOWN_CPU=$(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$WORK/time-known")
KNOWN_RATIO=$(awk -v a="$KNOWN" -v b="$PATCHED" 'BEGIN { printf "%.2fx of curl PATCH + PUT", a / b }')
row "ModelCar push, no layer digest recorded (two hashes)" "$KNOWN" \
  "$KNOWN_RATIO, $KNOWN_CPU s CPU, upload $(patch_secs known)" \
  "$(written "$WORK/known.json")" "$(rss "$WORK/time-known")"
export MODELPIPE_MODELCAR__REPOSITORY=$PUSH_REPO
drop known

# 3. Re-push unchanged: the run state says it is there (HEAD manifest), and a fresh CI job without
#    the record (HEAD every blob, PUT the manifest).
settle
t0=$(now); dotnet "$DLL" package --root "$WORK/world" --json >"$WORK/repush.json" 2>>"$WORK/modelpipe.log"; t1=$(now)
row "re-push unchanged (run state present)" "$(secs "$t0" "$t1")" "-" "$(written "$WORK/repush.json")" "-"
rm -f "$WORK/world/artifacts/bench/runs/$KEY/package.json"
settle
t0=$(now); /usr/bin/time -v -o "$WORK/time-repush" dotnet "$DLL" package --root "$WORK/world" --json >"$WORK/repush2.json" 2>>"$WORK/modelpipe.log"; t1=$(now)
row "re-push unchanged (no run state: HEAD blobs)" "$(secs "$t0" "$t1")" "-" "$(written "$WORK/repush2.json")" "$(rss "$WORK/time-repush")"
unset MODELPIPE_MODELCAR__DESTINATION MODELPIPE_MODELCAR__REPOSITORY

# 4. Build into an OCI layout on disk vs cp of the file plus its SHA-256.
rm -rf "$WORK/world/.pipeline/oci" "$WORK/world/.pipeline/cache/oci-layers" "$WORK/world/artifacts/bench/runs/$KEY/package.json"
settle
t0=$(now)
/usr/bin/time -v -o "$WORK/time-layout" dotnet "$DLL" package --root "$WORK/world" --json >"$WORK/layout.json" 2>>"$WORK/modelpipe.log"
t1=$(now)
LAYOUT=$(secs "$t0" "$t1")
settle
t0=$(now); cp "$WEIGHTS" "$WORK/copy.bin"; sha256sum "$WORK/copy.bin" >/dev/null; t1=$(now)
CP=$(secs "$t0" "$t1")
rm -f "$WORK/copy.bin"
row "cp + sha256sum of the file" "$CP" "1.00x (layout baseline)" "-" "-"
row "ModelCar build into OCI layout" "$LAYOUT" "$(awk -v a="$LAYOUT" -v b="$CP" 'BEGIN { printf "%.2fx of cp+sha256", a / b }')" "$(written "$WORK/layout.json")" "$(rss "$WORK/time-layout")"

# 5. skopeo copy of the OCI layout to a fresh registry.
REG=$(registry skopeo)
TAG=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["data"]["tag"])' "$WORK/layout.json")
settle
t0=$(now)
skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/world/.pipeline/oci:$TAG" "docker://$REG/bench:$TAG"
t1=$(now)
SKOPEO=$(secs "$t0" "$t1")
row "skopeo copy from the OCI layout" "$SKOPEO" "$(awk -v a="$SKOPEO" -v b="$CURL" 'BEGIN { printf "%.2fx", a / b }')" "$BYTES" "-"

# 6. docker build + docker push, when an engine is reachable.
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  REG=$(registry docker)
  mkdir -p "$WORK/ctx"
  cp "$WEIGHTS" "$WORK/ctx/weights.bin"
  printf 'FROM scratch\nCOPY weights.bin /models/weights.bin\n' >"$WORK/ctx/Dockerfile"
  settle
  t0=$(now)
  docker build -q -t "$REG/bench:docker" "$WORK/ctx" >/dev/null 2>&1
  docker push -q "$REG/bench:docker" >/dev/null
  t1=$(now)
  DOCKER=$(secs "$t0" "$t1")
  docker rmi -f "$REG/bench:docker" >/dev/null 2>&1 || true
  row "docker build + docker push" "$DOCKER" "$(awk -v a="$DOCKER" -v b="$CURL" 'BEGIN { printf "%.2fx", a / b }')" "(gzip)" "-"
else
  row "docker build + docker push" "n/a" "no Docker engine reachable" "-" "-"
fi

# 7. Big models: sparse weights, each built and pushed to a fresh registry; memory must stay flat and time linear.
per_gib() { awk -v s="$1" -v b="$2" 'BEGIN { printf "%.2f", s / (b / 1073741824) }'; }
gib() { awk -v b="$1" 'BEGIN { printf "%g GiB", b / 1073741824 }'; }
rm -f "$WORK/world/artifacts/bench/runs/$KEY/output/weights.bin"   # the 1 GiB model's disk space back
for big_bytes in $BIG_BYTES; do
  [ "$big_bytes" -gt 0 ] || continue
  FREE=$(df -B1 --output=avail "$WORK" | tail -1)
  if [ "$FREE" -le $((big_bytes / 2 * 3)) ]; then
    row "ModelCar build + push, $(gib "$big_bytes") sparse model" "skipped" "needs $((big_bytes / 2 * 3)) bytes free, $FREE available" "-" "-"
    continue
  fi
  echo "benchmark: a model of $big_bytes bytes of sparse weights" >&2
  name="big$((big_bytes / 1048576))m"
  mkdir -p "$WORK/world/models/$name"
  sed -e "s/\"name\": \"bench\"/\"name\": \"$name\"/" -e "s/head -c $BYTES \/dev\/urandom >/truncate -s $big_bytes/" \
    -e "s/\"files\": \[\"weights.bin\"\]/\"files\": [\"weights.bin\"], \"maxTotalBytes\": $((big_bytes * 2))/" \
    "$WORK/world/models/bench/model.json" >"$WORK/world/models/$name/model.json"
  for verb in fetch train validate; do modelpipe "$verb" --model "$name" >/dev/null; done
  REG=$(registry "$name")
  # Above the default image size limit (modelcar.maxImageBytes, 20 GiB) on purpose.
  export MODELPIPE_MODELCAR__DESTINATION=registry MODELPIPE_MODELCAR__REPOSITORY="$REG/$name" \
    MODELPIPE_MODELCAR__MAXIMAGEBYTES=$((big_bytes * 2))
  settle
  t0=$(now)
  /usr/bin/time -v -o "$WORK/time-$name" dotnet "$DLL" package --root "$WORK/world" --model "$name" --json >"$WORK/$name.json" 2>>"$WORK/modelpipe.log"
  t1=$(now)
  unset MODELPIPE_MODELCAR__DESTINATION MODELPIPE_MODELCAR__REPOSITORY MODELPIPE_MODELCAR__MAXIMAGEBYTES
  BIG=$(secs "$t0" "$t1")
  row "ModelCar build + push, $(gib "$big_bytes") sparse model" "$BIG" \
    "$(per_gib "$BIG" "$big_bytes") s/GiB (1 GiB push: $(per_gib "$PUSH" "$BYTES") s/GiB)" "$(written "$WORK/$name.json")" "$(rss "$WORK/time-$name")"
  rm -rf "$WORK/reg-$name" "$WORK/world/artifacts/$name" "$WORK/world/models/$name"
done

echo
echo "ModelCar benchmark, $(date -u +%Y-%m-%d) (load average $(cut -d" " -f1-3 /proc/loadavg)), $BYTES bytes of random weights, $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo) RAM, $(. /etc/os-release; echo "$PRETTY_NAME")"
echo
echo "| measurement | seconds | ratio | blob bytes uploaded/written | peak RSS |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
