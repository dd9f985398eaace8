#!/bin/bash
# Installs every Debian package that building Berth, its tests and the demo need.
# Idempotent and quiet: installs only what is missing. Run as root on Debian 12.
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap bazel-rules-proto build-essential gcc g++ libc6-dev
  protobuf-compiler protobuf-compiler-grpc libgrpc++-dev libprotobuf-dev libabsl-dev
  libgtest-dev libgmock-dev libcurl4-openssl-dev rapidjson-dev libseccomp-dev
  libarchive-dev libisal-dev libzstd-dev zlib1g-dev libssl-dev libsqlite3-dev libcli11-dev
  libboost-dev
  # tests and demo
  docker-registry docker.io skopeo umoci apache2-utils python3 python3-grpcio python3-grpc-tools
  python3-docker
  zstd openssl jq curl ca-certificates busybox-static
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Debian's docker-registry package starts a registry service on :5000 with
# htpasswd auth; the tests and the demo run their own registries on free ports,
# so it is left alone.
# Likewise docker.io may start the system's dockerd; e2e/docker_interop_test.py
# runs a private one with its own data root and socket.
