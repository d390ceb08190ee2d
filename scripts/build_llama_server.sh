#!/usr/bin/env bash
# Build llama.cpp's own `llama-server` from the llama-cpp-python sdist the project pins,
# with the CPU options the set-up builds the Python wheel with, and keep it in the cache.
# Used by the tests (tests/integration/servers.py starts two on 127.0.0.1) and by anyone
# who wants the same server the app talks to (README, "Many machines: llama.cpp servers").
#
#   scripts/build_llama_server.sh            # build if missing; prints the binary's path
#   scripts/build_llama_server.sh --rebuild  # build again (or BLUELM_REBUILD_LLAMA=1)
#   BLUELM_LLAMA_SDIST=llama_cpp_python-0.3.36.tar.gz scripts/build_llama_server.sh
#
# The source: the sdist given by BLUELM_LLAMA_SDIST, else `pip download` of the pinned
# version into the cache (pip's own HTTP cache usually has it from the wheel's build).
# The options: llama.cpp's release layout as in scripts/setup.sh — GGML_NATIVE=OFF,
# GGML_BACKEND_DL=ON, GGML_CPU_ALL_VARIANTS=ON, one CPU module per processor generation,
# the AMX module removed (Debian 12's GCC 12 miscompiles it: SIGILL; README, "Supported
# CPUs") — plus the venv's remembered CMAKE_ARGS (a CUDA venv gets a CUDA server). The
# modules sit beside the binary, where ggml looks first, so GGML_BACKEND_DIR is not set.
# Nothing is fetched at build time: no prebuilt web UI (LLAMA_USE_PREBUILT_UI=OFF would
# otherwise download it), no curl, no OpenSSL (the server listens on plain HTTP; put a
# TLS proxy in front of it).
#
# The result is kept in ${XDG_CACHE_HOME:-~/.cache}/bluelm-desktop/llama-server/KEY/,
# KEY = the sdist's SHA-256, the options, the compiler and the system, so a second run
# (CI on the same machine, every later test session) costs a hash of the sdist. Builds
# are serialised by a lock file: two test runs starting at once build once.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_VERSION=0.3.36  # as scripts/setup.sh
REBUILD=${BLUELM_REBUILD_LLAMA:-0}
for arg in "$@"; do
  case "$arg" in
    --rebuild) REBUILD=1 ;;
    *) echo "build_llama_server: unknown option $arg (known: --rebuild)" >&2; exit 2 ;;
  esac
done

# Keep in step with LLAMA_CMAKE_ARGS / LLAMA_DROP in scripts/setup.sh (a test compares them).
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)
    CPU_ARGS="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON"
    DROP=(libggml-cpu-sapphirerapids.so) ;;
  *)
    CPU_ARGS=""
    DROP=() ;;
esac
SERVER_ARGS="-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_RPATH_USE_ORIGIN=ON \
-DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF \
-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
-DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF"
user_args=$(cat .venv/.bluelm-llama-cmake-args 2>/dev/null || true)
args="$CPU_ARGS${user_args:+ $user_args}"
args="${args# }"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/bluelm-desktop/llama-server"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # one build at a time; a second caller waits, then finds it built

sha256() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi; }
sdist=${BLUELM_LLAMA_SDIST:-}
if [ -z "$sdist" ]; then
  sdist="$cache/sdist/llama_cpp_python-$LLAMA_CPP_VERSION.tar.gz"
  if [ ! -f "$sdist" ]; then
    echo "build_llama_server: fetching the llama-cpp-python $LLAMA_CPP_VERSION sdist with pip" >&2
    py=.venv/bin/python
    [ -x "$py" ] || py=${PYTHON:-python3}
    "$py" -m pip download -q --no-deps --no-binary :all: -d "$cache/sdist" \
      "llama-cpp-python==$LLAMA_CPP_VERSION" >&2
  fi
fi
[ -f "$sdist" ] || { echo "build_llama_server: $sdist: no such file" >&2; exit 2; }
source_sha=$(sha256 < "$sdist" | cut -c1-64)
compiler=$( (c++ --version 2>/dev/null || echo none) | head -n 1)
key=$(printf '%s\n' "$source_sha" "$args" "$SERVER_ARGS" "${DROP[*]-}" "$compiler" "$(uname -sm)" \
      | sha256 | cut -c1-16)
out="$cache/$key"
[ "$REBUILD" = 1 ] && rm -rf "$out"

if [ ! -x "$out/llama-server" ]; then
  work=$(mktemp -d "$cache/build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "build_llama_server: building llama-server (once per source and options; ~20 min on 2 cores)" >&2
  echo "build_llama_server:   $args" >&2
  start=$(date +%s)
  tar -xzf "$sdist" -C "$work"
  src=$(echo "$work"/llama_cpp_python-*/vendor/llama.cpp)
  # shellcheck disable=SC2086  # the options are words
  cmake -S "$src" -B "$work/build" $SERVER_ARGS $args >"$work/configure.log" 2>&1 \
    || { tail -n 40 "$work/configure.log" >&2; exit 1; }
  cmake --build "$work/build" --target llama-server -j "$(nproc 2>/dev/null || echo 2)" \
    >"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log" >&2; exit 1; }
  rm -rf "$out.partial"
  mkdir -p "$out.partial"
  # The binary, its libraries and the CPU modules (RPATH $ORIGIN: found beside it).
  cp -P "$work/build/bin/llama-server" "$work/build/bin/"*.so* "$out.partial/"
  for name in "${DROP[@]+"${DROP[@]}"}"; do rm -f "$out.partial/$name"; done
  took=$(( $(date +%s) - start ))
  printf 'source sha256 %s\noptions %s %s\ncompiler %s\nbuild seconds %s\n' \
    "$source_sha" "$SERVER_ARGS" "$args" "$compiler" "$took" > "$out.partial/BUILD-INFO"
  mv "$out.partial" "$out"
  echo "build_llama_server: built in ${took} s" >&2
fi
echo "$out/llama-server"
