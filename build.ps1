#!/usr/bin/env pwsh
# Bootstrap: restore the pinned local tools, then run the Cake target graph (the same as build.sh).
#   ./build.ps1                 list the targets
#   ./build.ps1 Publish         run a target (and what it depends on)
#   ./build.ps1 Train --model iris --dryrun   any further options go to Cake and the target
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    [Console]::Error.WriteLine("error: 'dotnet' was not found on PATH. Install the .NET SDK 10 (https://dot.net) and run this again.")
    exit 2
}

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
# Restore Cake.Tool only when the pinned version is not in the NuGet package folder yet (a process start saved).
$cakeVersion = (Get-Content .config/dotnet-tools.json -Raw | ConvertFrom-Json).tools.'cake.tool'.version
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
if (-not (Test-Path (Join-Path $packages "cake.tool/$cakeVersion/cake.tool.$cakeVersion.nupkg"))) {
    dotnet tool restore | Out-Null
    if ($LASTEXITCODE -ne 0) {
        [Console]::Error.WriteLine("error: 'dotnet tool restore' failed (see above); NuGet must be reachable for Cake.Tool.")
        exit 1
    }
}
# Cake compiles build.cake once and reuses the compiled script while it is unchanged (Cake's script cache).
if (-not $env:CAKE_SETTINGS_ENABLESCRIPTCACHE) { $env:CAKE_SETTINGS_ENABLESCRIPTCACHE = 'true' }
if (-not $env:CAKE_PATHS_CACHE) { $env:CAKE_PATHS_CACHE = Join-Path $PWD '.pipeline/cache/cake' }

if ($args.Count -eq 0) {
    Write-Host "usage: ./build.ps1 <Target> [--model NAME]... [--dryrun] [--tree] [--description]"
    Write-Host ""
    dotnet cake build/build.cake --description
    exit $LASTEXITCODE
}

# Cake reserves --version (it prints Cake's own version): a model version (Promote) travels as --model-version.
$forward = @()
for ($i = 0; $i -lt $args.Count; $i++) {
    if ($args[$i] -eq '--version') {
        if ($i + 1 -ge $args.Count) {
            [Console]::Error.WriteLine("error: --version needs a number (./build.ps1 Promote --model NAME --version N)")
            exit 2
        }
        $forward += "--model-version=$($args[$i + 1])"; $i++
    }
    elseif ($args[$i] -like '--version=*') { $forward += "--model-version=$($args[$i].Substring(10))" }
    else { $forward += $args[$i] }
}

if ($forward[0].StartsWith('-')) {
    dotnet cake build/build.cake @forward
} else {
    $rest = @($forward | Select-Object -Skip 1)
    dotnet cake build/build.cake "--target=$($forward[0])" @rest
}
exit $LASTEXITCODE
