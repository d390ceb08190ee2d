#!/usr/bin/env bash
# Build the one-folder desktop bundle: dist/bluelm-desktop/bluelm-desktop.
#
#   packaging/build_bundle.sh            # set-up if needed, PyInstaller, build, size + time
#
# Idempotent: scripts/setup.sh only does what is missing, PyInstaller is installed once
# (pinned below), and every run rebuilds dist/bluelm-desktop/ from scratch (--noconfirm
# --clean), with PyInstaller's work files under build/pyinstaller/. Both folders are
# git-ignored. CMAKE_ARGS (e.g. -DGGML_CUDA=on) is passed on to the set-up, which builds
# llama-cpp-python with it when it installs it; see packaging/README.md for GPU bundles.
set -euo pipefail
cd "$(dirname "$0")/.."

PYINSTALLER_VERSION=6.22.3
HOOKS_CONTRIB_VERSION=2026.10
DIST=dist
WORK=build/pyinstaller
NAME=bluelm-desktop

start=$(date +%s)
scripts/setup.sh

if ! .venv/bin/python - "$PYINSTALLER_VERSION" "$HOOKS_CONTRIB_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(version("pyinstaller") != sys.argv[1]
         or version("pyinstaller-hooks-contrib") != sys.argv[2])
EOF
then
  echo "build_bundle: installing PyInstaller $PYINSTALLER_VERSION into .venv"
  .venv/bin/python -m pip install -q "pyinstaller==$PYINSTALLER_VERSION" \
    "pyinstaller-hooks-contrib==$HOOKS_CONTRIB_VERSION"
fi

echo "build_bundle: running PyInstaller (about a minute)"
built=$(date +%s)
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/bluelm-desktop.spec
end=$(date +%s)

exe="$DIST/$NAME/$NAME"
[ -x "$exe" ] || exe="$DIST/$NAME/$NAME.exe"
[ -x "$exe" ] || { echo "build_bundle: no executable in $DIST/$NAME" >&2; exit 1; }
size=$(du -sh "$DIST/$NAME" | cut -f1)
echo "build_bundle: $exe"
echo "build_bundle: bundle $size, PyInstaller $((end - built)) s, total $((end - start)) s"
