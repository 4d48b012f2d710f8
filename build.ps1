# ./build.ps1 [Target] [--option value ...]: runs build/build.cake with the Cake version pinned in
# .config/dotnet-tools.json. ./build.ps1 alone runs Default (Test); build/build.cake lists the targets.
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$target = 'Default'
if ($args.Count -gt 0 -and -not "$($args[0])".StartsWith('-')) {
    $target = $args[0]
    $args = $args[1..($args.Count - 1)]
}
dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet cake build/build.cake --target=$target @args
exit $LASTEXITCODE
