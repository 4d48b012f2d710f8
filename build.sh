#!/usr/bin/env bash
# ./build.sh [Target] [--option value ...]: runs build/build.cake with the Cake version pinned in
# .config/dotnet-tools.json. ./build.sh alone runs Default (Test); build/build.cake lists the targets.
set -euo pipefail
cd "$(dirname "$0")"
target=Default
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  target=$1
  shift
fi
dotnet tool restore >/dev/null
exec dotnet cake build/build.cake --target="$target" "$@"
