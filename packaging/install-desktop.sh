#!/usr/bin/env bash
# Register nnviz with the desktop for the current user: the launcher (nnviz.desktop), the
# icon, the .nnviz file type (opens with nnviz) and the AppStream metadata. The `nnviz`
# command must be on PATH (pip install, or the frozen dist/nnviz folder linked into PATH).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
install -Dm644 "$here/nnviz.desktop" "$data/applications/nnviz.desktop"
install -Dm644 "$here/../nnviz/resources/icons/nnviz.svg" \
    "$data/icons/hicolor/scalable/apps/nnviz.svg"
install -Dm644 "$here/nnviz-mime.xml" "$data/mime/packages/nnviz.xml"
install -Dm644 "$here/io.github.nnviz.nnviz.metainfo.xml" \
    "$data/metainfo/io.github.nnviz.nnviz.metainfo.xml"
update-mime-database "$data/mime" 2>/dev/null || true
update-desktop-database "$data/applications" 2>/dev/null || true
echo "installed the nnviz launcher, icon and .nnviz file type under $data"
