#!/usr/bin/env bash
# Re-vendor ts-fsrs (the FSRS scheduler of the Drill page) from the npm registry into
# docs/assets/ts-fsrs (run by hand when upgrading). Keeps the browser (UMD) build, which defines
# the global FSRS, and the licence; drops the source-map comment (the map is not vendored, so
# nothing points at a missing file).
set -euo pipefail
version="${1:-5.4.2}"
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack --silent "ts-fsrs@$version" >/dev/null && tar xzf ts-fsrs-*.tgz)
dest=docs/assets/ts-fsrs
rm -rf "$dest" && mkdir -p "$dest"
grep -v '^//# sourceMappingURL=' "$tmp/package/dist/index.umd.js" >"$dest/ts-fsrs.umd.js"
cp "$tmp/package/LICENSE" "$dest/"
echo "$version" >"$dest/VERSION"
rm -rf "$tmp"
echo "ts-fsrs $version vendored into $dest ($(wc -c <"$dest/ts-fsrs.umd.js") bytes of JavaScript)"
