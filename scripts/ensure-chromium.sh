#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the SDK's browser test.
# playwright's own browser download cannot work here: only Debian's package can.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

echo "[ensure-chromium] installing chromium from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "[ensure-chromium] chromium was installed but /usr/bin/chromium is missing" >&2
  exit 1
fi
echo "[ensure-chromium] $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
