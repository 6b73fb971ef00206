#!/usr/bin/env bash
# Makes sure podman can build and run the production image for infra/test/image.test.ts:
# no Docker engine runs on these machines, Debian's podman does (with runc: crun fails on
# this cgroup setup), and debootstrap makes the local Node base image (scripts/local-node-base.sh).
set -euo pipefail

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "[ensure-podman] installing ${missing[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "[ensure-podman] $(podman --version) with $(runc --version | head -n 1)"
