#!/usr/bin/env bash
# Builds a local stand-in for node:20-bookworm-slim when no container registry can be reached:
# Debian bookworm (minbase) from this machine's apt mirror + this machine's own Node 20 and npm
# + its CA bundle (npm inside the build must trust the same authorities as the host).
# The image stays on this machine (it carries the host's CA bundle); it is never published.
# Usage: scripts/local-node-base.sh [image]   (prints the image name; cached across runs)
set -euo pipefail

node_bin=$(readlink -f "$(command -v node)")
node_version=$("$node_bin" -p 'process.versions.node')
image=${1:-localhost/chatchat-node-base:$node_version}
podman=(podman --runtime runc)

if "${podman[@]}" image exists "$image"; then
  echo "$image"
  exit 0
fi

# The first bookworm mirror apt is configured with (deb822 .sources or one-line sources.list).
mirror=$(
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri) { print uri; exit } }'
    grep -hE '^deb +[^ ]+ +bookworm( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{ print $2 }' || true
  } | head -n 1
)
if [ -z "$mirror" ]; then
  echo "no bookworm mirror configured in /etc/apt/sources.list(.d)" >&2
  exit 1
fi

node_prefix_check=$(dirname "$(dirname "$node_bin")")/include/node/node.h
[ -f "$node_prefix_check" ] || { echo "no Node headers at $node_prefix_check" >&2; exit 1; }
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
ca_bundle=/etc/ssl/certs/ca-certificates.crt
root=$(mktemp -d /tmp/chatchat-node-base.XXXXXX)
trap 'rm -rf "$root"' EXIT

echo "debootstrap bookworm from $mirror into $root" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" >&2

install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# Headers for native modules (node-gyp cannot download them here); same place as the official image.
node_prefix=$(dirname "$(dirname "$node_bin")")
mkdir -p "$root/usr/local/include"
cp -a "$node_prefix/include/node" "$root/usr/local/include/node"
install -D -m 0644 "$ca_bundle" "$root/usr/local/share/chatchat/host-ca.crt"
# Smaller image, same behaviour: apt lists and caches are rebuilt by any apt-get update.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb

tar -C "$root" -c . | "${podman[@]}" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/chatchat/host-ca.crt' \
  --change 'CMD ["node"]' \
  - "$image" >&2
echo "$image"
