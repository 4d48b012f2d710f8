#!/usr/bin/env bash
# Makes the local base image for the Linux tests in Docker, for machines that cannot pull any registry image:
# a Debian root file system from Debian's packages (debootstrap), with this machine's .NET SDK copied in, turned
# into an image with `docker import`. The Dockerfile builds on it with `--build-arg BASE_IMAGE=forkserver-base:local`
# (what `./build.sh DockerTest --base-image local` passes).
#
#   scripts/make-base-image.sh            makes the image unless it exists already
#   scripts/make-base-image.sh --force    makes it again (after an SDK upgrade, say)
set -euo pipefail

image=forkserver-base:local
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the tests and the build need inside: TLS roots and ICU for the SDK and NuGet, gcc and the C headers for the
# NativeAOT link, and the peers and probes the tests use (nc, socat, ps; setpriv and unshare come with util-linux).
packages=ca-certificates,libicu72,libssl3,zlib1g,zlib1g-dev,gcc,libc6-dev,netcat-openbsd,socat,procps

if [ "${1:-}" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image exists already (scripts/make-base-image.sh --force makes it again)"
  exit 0
fi
for tool in docker debootstrap dotnet; do
  command -v "$tool" >/dev/null || { echo "make-base-image: $tool not found (apt-get install docker.io debootstrap; the .NET 10 SDK)" >&2; exit 1; }
done
sdk=$(dirname "$(readlink -f "$(command -v dotnet)")")

root=$(mktemp -d /tmp/forkserver-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite ($mirror) into $root"
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -n 20 "$root.log" >&2; echo "make-base-image: debootstrap failed (log: $root.log)" >&2; exit 1; }
rm -f "$root.log"
echo "copying the .NET SDK from $sdk"
mkdir -p "$root/usr/share/dotnet"
cp -a "$sdk/." "$root/usr/share/dotnet/"
ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
# This machine's trusted roots, so that NuGet inside trusts what the host trusts (a local proxy's CA included).
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"

# The same environment the official SDK image sets, so the Dockerfile works unchanged on either base.
tar -C "$root" -c . | docker import \
  --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
  --change 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  - "$image" >/dev/null
echo "made $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1000000}'))"
