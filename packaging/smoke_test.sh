#!/usr/bin/env bash
# Smoke test of a built bundle: `--version`, a headless `plan` of the sample invoices,
# and `--self-test` (the real window offscreen: demo model made by the bundled converter,
# sample invoice dropped, question answered), all in a temporary data directory.
#
#   packaging/smoke_test.sh [BUNDLE_DIR]     # default: dist/bluelm-desktop
#   BLUELM_SMOKE_CPU=Haswell packaging/smoke_test.sh   # the same as an older CPU would
#
# Exits non-zero on the first failure. BLUELM_SMOKE_TIMEOUT (seconds, default 300)
# bounds the self-test; the others get 60 s each (×5 emulated).
#
# BLUELM_SMOKE_CPU=MODEL runs the bundle under QEMU's user-mode emulation of that CPU model
# (`qemu-x86_64 -cpu MODEL`; `qemu-x86_64 -cpu help` lists them; Debian: qemu-user), so a
# bundle built on an AVX-512 machine is shown to run where there is only AVX2 (Haswell,
# EPYC-Rome). The self-test then must report the CPU variant ggml chose for that CPU.
# Child processes (the document worker, the first-load probe) are started by the kernel,
# not by QEMU, so they run on the real CPU; the model runs in the emulated main process.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE=${1:-$ROOT/dist/bluelm-desktop}
BUNDLE=$(cd "$BUNDLE" 2>/dev/null && pwd) || { echo "smoke_test: no folder ${1:-}" >&2; exit 1; }
SAMPLES="$ROOT/resources/samples"
cd "$ROOT"
EXE="$BUNDLE/bluelm-desktop"
[ -x "$EXE" ] || EXE="$BUNDLE/bluelm-desktop.exe"
[ -x "$EXE" ] || { echo "smoke_test: no bluelm-desktop executable in $BUNDLE" >&2; exit 1; }
TIMEOUT=${BLUELM_SMOKE_TIMEOUT:-300}
STEP_TIMEOUT=60
RUN=("$EXE")
if [ -n "${BLUELM_SMOKE_CPU:-}" ]; then
  command -v qemu-x86_64 >/dev/null || { echo "smoke_test: qemu-x86_64 not found (Debian: qemu-user)" >&2; exit 1; }
  # PyInstaller's bootloader sets LD_LIBRARY_PATH and starts itself again (its docs, "The
  # Bootstrap Process in Detail"); the kernel, not QEMU, would run that second process. With
  # the environment the restarted process gets, the emulated one runs the app itself.
  RUN=(env "_PYI_ARCHIVE_FILE=$EXE" "_PYI_PARENT_PROCESS_LEVEL=-1"
       "LD_LIBRARY_PATH=$BUNDLE/_internal${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
       qemu-x86_64 -cpu "$BLUELM_SMOKE_CPU" "$EXE")
  STEP_TIMEOUT=300
fi

DATA=$(mktemp -d "${TMPDIR:-/tmp}/bluelm-smoke-XXXXXX")
trap 'rm -rf "$DATA"' EXIT
if [ -n "${BLUELM_SMOKE_CPU:-}" ]; then
  # Emulated floating point is slow (a tile of the demo ViT takes about a minute): the
  # self-test reads the invoice as one tile, set the way a user would, in settings.toml.
  mkdir -p "$DATA/config"
  printf 'schema_version = 2\n\n[vision]\nmax_grid = 1\n' > "$DATA/config/settings.toml"
  TIMEOUT=${BLUELM_SMOKE_TIMEOUT:-900}
fi
export QT_QPA_PLATFORM=offscreen
# Nothing from the developer's environment: the bundle must stand on its own.
unset PYTHONPATH PYTHONHOME BLUELM_DATA_DIR QT_PLUGIN_PATH
start=$(date +%s)

step() { echo "smoke_test: $*"; }
fail() { echo "smoke_test: FAILED: $*" >&2; exit 1; }

step "--version"
version=$(timeout "$STEP_TIMEOUT" "${RUN[@]}" --version 2>/dev/null) || fail "--version exited $?"
case "$version" in bluelm-desktop\ *) ;; *) fail "--version printed '$version'" ;; esac
echo "  $version"

step "plan (headless, document worker process)"
plan=$(timeout "$STEP_TIMEOUT" "${RUN[@]}" --data-dir "$DATA" plan --json \
       "$SAMPLES/invoice.png" "$SAMPLES/invoice.pdf") || fail "plan exited $?"
echo "$plan" | sed 's/^/  /'
[ "$(echo "$plan" | grep -c '"ok": true')" -eq 2 ] || fail "plan did not plan both invoices"

step "--self-test (offscreen window, demo model, timeout ${TIMEOUT} s)"
report=$(timeout "$TIMEOUT" "${RUN[@]}" --data-dir "$DATA" --self-test) \
  || fail "--self-test exited $?"
echo "  $report"
echo "$report" | grep -q '"ok": true' || fail "--self-test did not report ok"

step "passed in $(($(date +%s) - start)) s"
