#!/usr/bin/env bash
# One entry point for a fresh machine: sets everything up, then launches the app or the tests.
#   ./dev.sh app    create .venv, install nnviz, open the app (built-in 2D data, no files)
#   ./dev.sh test   create .venv, install nnviz with test extras, run ruff and the whole suite
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
venv="$here/.venv"
python=${PYTHON:-python3}

install_qt_system_libraries() {
    # Qt's wheels need a few shared libraries that minimal Debian/Ubuntu images lack.
    # (the xcb ones are what Qt's window plugin loads on an X display)
    local needed=(libGL.so.1 libEGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3
                  libxkbcommon-x11.so.0 libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1
                  libxcb-shape.so.0 libxcb-xinerama.so.0 libxcb-randr.so.0
                  libxcb-render-util.so.0 libxcb-image.so.0)
    local missing=0 lib
    for lib in "${needed[@]}"; do
        ldconfig -p 2>/dev/null | grep -q "$lib" || missing=1
    done
    [ "$missing" = 0 ] && return 0
    if command -v apt-get >/dev/null 2>&1; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 \
            libfontconfig1 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
            libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0
    else
        echo "warning: Qt system libraries are missing and apt-get is not available;" \
             "install OpenGL/EGL, xkbcommon, fontconfig and dbus libraries with your package manager." >&2
    fi
}

setup() {
    local extras=$1
    install_qt_system_libraries
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    local log="$venv/install.log"
    if ! { "$venv/bin/python" -m pip install --upgrade pip \
           && "$venv/bin/python" -m pip install -e ".$extras"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "error: installing nnviz failed (full log above, also in $log)" >&2
        exit 1
    fi
}

case "${1:-app}" in
    app)
        setup ""
        shift || true
        exec "$venv/bin/nnviz" "$@"
        ;;
    test)
        setup "[test]"
        shift || true
        "$venv/bin/ruff" check nnviz tests benchmarks
        "$venv/bin/lint-imports" --no-cache
        exec "$venv/bin/python" -m pytest "$@"
        ;;
    *)
        echo "usage: ./dev.sh app|test [arguments]" >&2
        exit 2
        ;;
esac
