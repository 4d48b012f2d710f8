# The Linux-only tests (fork, /proc, PID namespaces) in a container, for a Mac, a Windows machine or a CI that
# wants a clean PID namespace. ./build.sh DockerTest builds and runs it; by hand:
#   docker build -t forkserver-tests .                                         (official .NET 10 SDK image)
#   docker build --build-arg BASE_IMAGE=forkserver-base:local -t forkserver-tests .  (scripts/make-base-image.sh)
#   docker run --rm --init --cap-add SYS_ADMIN --security-opt seccomp=unconfined forkserver-tests
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
FROM ${BASE_IMAGE}

# The NativeAOT link needs a C toolchain and zlib, and the tests use nc, socat and ps as independent peers and
# probes; the official SDK image has none of them, the local base image has them all.
RUN if ! command -v gcc >/dev/null || ! command -v socat >/dev/null; then \
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        gcc libc6-dev zlib1g-dev netcat-openbsd socat procps >/dev/null && rm -rf /var/lib/apt/lists/*; \
    fi

WORKDIR /src
# Packages first, in a layer of their own that only a project file change makes again.
COPY ForkServer.sln Directory.Build.props ./
COPY src/Shared/Shared.csproj src/Shared/
COPY src/ForkServer/ForkServer.csproj src/ForkServer/
COPY src/Clients/Clients.csproj src/Clients/
COPY tests/ForkServer.Tests/ForkServer.Tests.csproj tests/ForkServer.Tests/
COPY tests/ForkServer.UnitTests/ForkServer.UnitTests.csproj tests/ForkServer.UnitTests/
RUN dotnet restore ForkServer.sln && dotnet restore src/ForkServer -r linux-x64 -p:PublishAot=true

COPY . .
# Both builds the tests run: the JIT one, and the NativeAOT one where tests/ForkServer.Tests/Support/Binaries.cs
# looks for it (published after the sources were copied, so the tests take it as fresh).
RUN dotnet build tests/ForkServer.Tests -c Release \
 && dotnet publish src/ForkServer -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot/linux-x64 --nologo -v quiet

ENTRYPOINT ["dotnet", "test", "tests/ForkServer.Tests", "-c", "Release", "--no-build", "--filter", "Category=Linux"]
