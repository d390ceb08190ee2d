#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: system libraries Qt and the
# llama.cpp build need, a virtual environment in .venv, and the project with its dev
# extras. Safe to run again; it only does what is missing. Used by run-app.sh and
# run-tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
APT_PACKAGES=(
  # building llama-cpp-python from source (its wheel is cached by pip afterwards)
  build-essential cmake git python3-venv python3-dev
  # Qt 6 (PySide6) at run time: GL/EGL, fonts, keyboard, D-Bus, and the xcb platform
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0
  libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.bluelm-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the project into .venv (first time: llama-cpp-python compiles, ~5 min)"
  .venv/bin/python -m pip install -q --upgrade pip wheel
  # CMAKE_ARGS from the environment selects a GPU build of llama.cpp (see README).
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
