#!/usr/bin/env bash
# Re-vendor KaTeX from the npm registry into docs/assets/katex (run by hand when upgrading).
# katex.min.js is run at build time by hooks/formulas.py (no page loads it); the pages load the
# CSS, the fonts and contrib/copy-tex.min.js (copying a formula copies its TeX).
# Keeps the minified JS/CSS and the woff2 fonts only (every browser the site supports reads
# woff2), and drops the woff/ttf fallbacks from the CSS so no request points at a missing file.
set -euo pipefail
version="${1:-0.16.47}"
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack --silent "katex@$version" >/dev/null && tar xzf katex-*.tgz)
dest=docs/assets/katex
rm -rf "$dest" && mkdir -p "$dest/fonts"
cp "$tmp/package/dist/katex.min.js" "$tmp/package/dist/contrib/copy-tex.min.js" \
  "$tmp/package/LICENSE" "$dest/"
cp "$tmp/package/dist/fonts/"*.woff2 "$dest/fonts/"
sed -E 's/,url\(fonts\/[^)]*\.woff\) format\("woff"\),url\(fonts\/[^)]*\.ttf\) format\("truetype"\)//g' \
  "$tmp/package/dist/katex.min.css" >"$dest/katex.min.css"
if grep -qE '\.(woff|ttf)\)' "$dest/katex.min.css"; then
  echo "vendor-katex: the CSS still names woff/ttf files; update the sed expression" >&2
  exit 1
fi
echo "$version" >"$dest/VERSION"
rm -rf "$tmp"
echo "KaTeX $version vendored into $dest ($(du -sh "$dest" | cut -f1))"
