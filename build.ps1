#!/usr/bin/env pwsh
# Bootstrap: restore the pinned local tools, then run the Cake target graph.
#   ./build.ps1                 list the targets
#   ./build.ps1 Publish         run a target (and what it depends on)
#   ./build.ps1 Train --model iris --dryrun
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Write-Error "'dotnet' was not found on PATH. Install the .NET SDK 10 (https://dot.net) and run this again."
    exit 2
}

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { Write-Error "'dotnet tool restore' failed; NuGet must be reachable for Cake.Tool."; exit 1 }

if ($args.Count -eq 0) {
    Write-Host "usage: ./build.ps1 <Target> [--model NAME]... [--dryrun] [--tree] [--description]"
    dotnet cake build/build.cake --description
    exit $LASTEXITCODE
}
# Cake reserves --version (it prints Cake's own version): a model version (Promote) travels as --model-version.
$forward = @()
for ($i = 0; $i -lt $args.Count; $i++) {
    if ($args[$i] -eq '--version' -and $i + 1 -lt $args.Count) { $forward += "--model-version=$($args[$i + 1])"; $i++ }
    elseif ($args[$i] -like '--version=*') { $forward += "--model-version=$($args[$i].Substring(10))" }
    else { $forward += $args[$i] }
}
$args = $forward
if ($args[0].StartsWith('-')) {
    dotnet cake build/build.cake @args
} else {
    $target = $args[0]
    $rest = @($args | Select-Object -Skip 1)
    dotnet cake build/build.cake "--target=$target" @rest
}
exit $LASTEXITCODE
