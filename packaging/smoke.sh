#!/usr/bin/env bash
# Start the frozen app offscreen, train STEPS steps through the real window and worker,
# exit 0; print the folder's size and the time to a first trained window.
set -euo pipefail
cd "$(dirname "$0")/.."
app=dist/nnviz/nnviz
steps=${1:-50}
[ -x "$app" ] || { echo "no $app: run packaging/build.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s%N)
# from another folder, with its own settings: the app must find its resources by itself
(cd "$work" && HOME="$work" QT_QPA_PLATFORM=offscreen "$OLDPWD/$app" --smoke-test "$steps")
end=$(date +%s%N)
echo "size: $(du -sh dist/nnviz | cut -f1), start + $steps steps + close: $(( (end - start) / 1000000 )) ms"
"$app" --help > /dev/null
echo "smoke test passed"
