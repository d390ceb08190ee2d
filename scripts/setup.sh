#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: system libraries Qt and the
# llama.cpp build need, a virtual environment in .venv, llama-cpp-python built for every
# x86-64 CPU, and the project with its dev extras. Safe to run again; it only does what is
# missing. Used by run-app.sh and run-tests.sh.
#
#   scripts/setup.sh                  # what is missing
#   scripts/setup.sh --tests          # and what only the tests need (run-tests.sh)
#   scripts/setup.sh --rebuild-llama  # build llama-cpp-python again (or BLUELM_REBUILD_LLAMA=1)
#
# llama.cpp is built with its release layout: GGML_NATIVE=OFF, GGML_BACKEND_DL=ON,
# GGML_CPU_ALL_VARIANTS=ON — one CPU backend module per CPU generation (x86-64, SSE4.2,
# AVX, AVX2, AVX-512 …), of which ggml loads the best this processor runs — minus the
# AMX variant, whose kernels Debian 12's GCC 12 miscompiles (SIGILL; README, "Supported
# CPUs").
# The modules are installed beside libllama (GGML_BACKEND_DIR, typed STRING: CMake makes an
# untyped relative PATH absolute inside its temporary build folder) and loaded from there
# by bluelm_desktop.core.engine.native.
# So a venv or bundle built here runs on any x86-64 CPU, and measured as fast here as a
# -march=native build (tests/benchmarks/reports/cpu_builds.md). Your own CMAKE_ARGS (GPU
# builds, e.g. -DGGML_CUDA=on) are added to these options and kept for later runs.
#
# The wheel is built once per (version, options, compiler) and kept in
# ${XDG_CACHE_HOME:-~/.cache}/bluelm-desktop/llama-wheels/, never in pip's own cache,
# which keys wheels by source alone and would hand a build made with other options back.
set -euo pipefail
cd "$(dirname "$0")/.."

REBUILD_LLAMA=${BLUELM_REBUILD_LLAMA:-0}
TESTS=0
for arg in "$@"; do
  case "$arg" in
    --rebuild-llama) REBUILD_LLAMA=1 ;;
    --tests) TESTS=1 ;;
    *) echo "setup: unknown option $arg (known: --tests, --rebuild-llama)" >&2; exit 2 ;;
  esac
done

PY=${PYTHON:-python3}
LLAMA_CPP_VERSION=0.3.36  # the bindings (ctypes signatures) the engine is written against
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)
    LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_BACKEND_DIR:STRING=llama_cpp/lib"
    LLAMA_DROP=(libggml-cpu-sapphirerapids.so) ;;  # the AMX variant (see above)
  *)  # elsewhere llama.cpp's own defaults (Metal on macOS; ggml has no variants there)
    LLAMA_CMAKE_ARGS=""
    LLAMA_DROP=() ;;
esac
APT_PACKAGES=(
  # building llama-cpp-python from source
  build-essential cmake git python3-venv python3-dev
  # Qt 6 (PySide6) at run time: GL/EGL, fonts, keyboard, D-Bus, and the xcb platform
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0
  libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1
)
TEST_PACKAGES=(
  # running the venv's llama.cpp as an older CPU would (qemu-x86_64 -cpu Haswell)
  qemu-user
  # the app's accessibility tree walked as the Orca screen reader sees it
  # (tests/gui/test_atspi.py): an X screen, a D-Bus session, the AT-SPI bus and registry,
  # and pyatspi for the system's Python
  at-spi2-core python3-pyatspi dbus-x11 xvfb
)
((TESTS)) && APT_PACKAGES+=("${TEST_PACKAGES[@]}")

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

# --- llama-cpp-python -------------------------------------------------------------------
# The user's own CMAKE_ARGS are remembered in the venv, so that a later run without them
# keeps (say) the CUDA build; CMAKE_ARGS= (set but empty) goes back to the CPU build.
user_args_file=.venv/.bluelm-llama-cmake-args
if [ -n "${CMAKE_ARGS+set}" ]; then
  user_args=$CMAKE_ARGS
  printf '%s\n' "$user_args" > "$user_args_file"
else
  user_args=$(cat "$user_args_file" 2>/dev/null || true)
fi
args="$LLAMA_CMAKE_ARGS${user_args:+ $user_args}"
args="${args# }"
compiler=$( (c++ --version 2>/dev/null || echo none) | head -n 1)
sha256() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi; }
key=$(printf '%s\n' "$LLAMA_CPP_VERSION" "$args" "$compiler" "$(uname -sm)" | sha256 | cut -c1-16)
wheels="${XDG_CACHE_HOME:-$HOME/.cache}/bluelm-desktop/llama-wheels/$key"
installed=$(cat .venv/.bluelm-llama-build 2>/dev/null || true)
if [ "$REBUILD_LLAMA" = 1 ]; then
  rm -rf "$wheels"
  installed=""
fi
# Found, not imported: its dependencies (typing-extensions, …) come with the project below.
find_llama='import importlib.util as u, pathlib as p; s = u.find_spec("llama_cpp"); print(p.Path(s.origin).parent / "lib")'
if [ "$installed" != "$key" ] || ! .venv/bin/python -c "$find_llama" >/dev/null 2>&1; then
  if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "setup: building llama-cpp-python $LLAMA_CPP_VERSION (once per set of options; ~10 min on 2 cores)"
    echo "setup:   CMAKE_ARGS=$args"
    .venv/bin/python -m pip install -q --upgrade pip wheel
    rm -rf "$wheels.partial"
    mkdir -p "$wheels.partial"
    start=$(date +%s)
    CMAKE_ARGS="$args" .venv/bin/python -m pip wheel -q --no-deps --no-cache-dir \
      --no-binary llama-cpp-python -w "$wheels.partial" "llama-cpp-python==$LLAMA_CPP_VERSION"
    rm -rf "$wheels"
    mv "$wheels.partial" "$wheels"
    echo "setup: built in $(( ($(date +%s) - start) / 60 )) min"
  fi
  .venv/bin/python -m pip install -q --no-deps --force-reinstall --no-cache-dir "$wheels"/llama_cpp_python-*.whl
  lib=$(.venv/bin/python -c "$find_llama")
  for name in "${LLAMA_DROP[@]+"${LLAMA_DROP[@]}"}"; do rm -f "$lib/$name"; done
  echo "$key" > .venv/.bluelm-llama-build
fi

stamp=.venv/.bluelm-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip wheel
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
