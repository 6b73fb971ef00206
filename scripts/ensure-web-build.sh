#!/usr/bin/env bash
# Builds apps/web into apps/web/dist when it is missing or older than its sources, so
# `npm start` and `npm test` serve the current app without a separate build step.
set -euo pipefail
cd "$(dirname "$0")/.."

dist=apps/web/dist/index.html
if [ -f "$dist" ]; then
  newer=$(find apps/web/src apps/web/public apps/web/index.html apps/web/vite.config.ts packages/client/src packages/protocol/src \
    -newer "$dist" -type f -print -quit 2>/dev/null || true)
  if [ -z "$newer" ]; then
    exit 0
  fi
fi
echo "[ensure-web-build] building apps/web"
# Always the production build: a caller's NODE_ENV (vitest sets "test") would make Vite bundle
# React's development build, and that dist is what `npm start` serves next.
NODE_ENV=production npm run build --silent -w apps/web >/dev/null
