#!/usr/bin/env bash
# Fetch the JavaScript and CSS of the explorer's pages from the npm registry at pinned
# versions and copy their minified dist files, with their licences, into
# visual/web/static/vendor/. Writes SHA256SUMS (one line per vendored file) and
# PACKAGES.txt (package, version, tarball integrity as published by the registry).
#
# Run by hand when a version changes (needs npm and the registry); `make demo` and the
# tests only read the committed files, never the network.
#
#   tools/vendor-js.sh          # re-vendor everything
#   tools/vendor-js.sh --check  # verify the committed files against SHA256SUMS
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/visual/web/static/vendor"

if [[ "${1:-}" == "--check" ]]; then
  cd "$VENDOR" && sha256sum --quiet -c SHA256SUMS && echo "vendor: OK"
  exit 0
fi

# package@version  destination  files to copy (paths inside the tarball's package/)
# sigma stays on 3.x: 4.0.4 draws every node as a fill of the whole canvas under
# software WebGL (headless Chromium's SwiftShader), where 3.0.2 draws the graph.
PACKAGES=(
  "sigma@3.0.2|sigma|dist/sigma.min.js LICENSE.txt"
  "graphology@0.26.0|graphology|dist/graphology.umd.min.js LICENSE.txt"
  "graphology-library@0.8.0|graphology-library|dist/graphology-library.min.js LICENSE.txt"
  "cytoscape@3.35.0|cytoscape|dist/cytoscape.min.js LICENSE"
  "leaflet@1.9.4|leaflet|dist/leaflet.js dist/leaflet.css dist/images/layers.png dist/images/layers-2x.png dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png LICENSE"
  "leaflet.markercluster@1.5.3|leaflet.markercluster|dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css MIT-LICENCE.txt"
  "d3@7.9.2|d3|dist/d3.min.js LICENSE"
  "@observablehq/plot@0.6.17|plot|dist/plot.umd.min.js LICENSE"
)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -rf "$VENDOR"
mkdir -p "$VENDOR"
: > "$VENDOR/PACKAGES.txt"

for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r spec dest files <<< "$entry"
  (cd "$WORK" && npm pack "$spec" --json --silent > "pack.json")
  tarball="$(cd "$WORK" && node -e 'console.log(require("./pack.json")[0].filename)')"
  integrity="$(cd "$WORK" && node -e 'console.log(require("./pack.json")[0].integrity)')"
  rm -rf "$WORK/package" && tar xzf "$WORK/$tarball" -C "$WORK"
  mkdir -p "$VENDOR/$dest"
  for f in $files; do
    mkdir -p "$VENDOR/$dest/$(dirname "${f#dist/}")"
    cp "$WORK/package/$f" "$VENDOR/$dest/${f#dist/}"
  done
  license="$(node -e 'console.log(require(process.argv[1]).license)' "$WORK/package/package.json")"
  if ! ls "$VENDOR/$dest" | grep -qiE '^(LICEN[CS]E|MIT-LICENCE)'; then
    # a tarball without a licence file: record what its package.json declares.
    node -e '
      const p = require(process.argv[1]);
      const who = (p.contributors || []).map(c => c.name || c).join(", ");
      console.log(`${p.name} ${p.version}: the npm package ships no licence file; its package.json declares "${p.license}".\n`);
      console.log(`MIT License\n\nCopyright (c) ${who} and the ${p.name} contributors\n`);
      console.log("Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the \"Software\"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.");
    ' "$WORK/package/package.json" > "$VENDOR/$dest/LICENSE.txt"
  fi
  echo "$spec $license $integrity" >> "$VENDOR/PACKAGES.txt"
  rm -f "$WORK/$tarball"
done

cd "$VENDOR" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
echo "vendored $(wc -l < PACKAGES.txt) packages, $(du -sh . | cut -f1) in $VENDOR"
