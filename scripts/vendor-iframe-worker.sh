#!/usr/bin/env bash
# Re-vendor the iframe-worker shim from the npm registry into docs/assets/iframe-worker (run by
# hand when upgrading). Material's offline plugin needs it for search from file:// (a Worker
# cannot start from a file: URL) and would load it from unpkg.com; hooks/offline.py points the
# offline build at this copy instead, so the offline copy makes no request to another host.
set -euo pipefail
version="${1:-1.0.4}"
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack --silent "iframe-worker@$version" >/dev/null && tar xzf iframe-worker-*.tgz)
dest=docs/assets/iframe-worker
rm -rf "$dest" && mkdir -p "$dest"
cp "$tmp/package/shim/index.js" "$dest/shim.js"
cp "$tmp/package/LICENSE" "$dest/"
echo "$version" >"$dest/VERSION"
rm -rf "$tmp"
echo "iframe-worker $version vendored into $dest ($(du -sh "$dest" | cut -f1))"
