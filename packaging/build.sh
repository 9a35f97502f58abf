#!/usr/bin/env bash
# Build the frozen one-folder app in dist/nnviz/ with PyInstaller, from a clean virtual
# environment (build/freeze-venv) holding only nnviz, its dependencies and PyInstaller.
# Then run packaging/smoke.sh to check it. Build outputs (build/, dist/) are not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv build/freeze-venv
build/freeze-venv/bin/pip install -q --disable-pip-version-check . pyinstaller
build/freeze-venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/nnviz.spec
echo "built dist/nnviz ($(du -sh dist/nnviz | cut -f1)); check it with packaging/smoke.sh"
