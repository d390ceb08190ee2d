#!/usr/bin/env bash
# Smoke test of a built bundle: `--version`, a headless `plan` of the sample invoices,
# and `--self-test` (the real window offscreen: demo model made by the bundled converter,
# sample invoice dropped, question answered), all in a temporary data directory.
#
#   packaging/smoke_test.sh [BUNDLE_DIR]     # default: dist/bluelm-desktop
#
# Exits non-zero on the first failure. BLUELM_SMOKE_TIMEOUT (seconds, default 300)
# bounds the self-test; the others get 60 s each.
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

DATA=$(mktemp -d "${TMPDIR:-/tmp}/bluelm-smoke-XXXXXX")
trap 'rm -rf "$DATA"' EXIT
export QT_QPA_PLATFORM=offscreen
# Nothing from the developer's environment: the bundle must stand on its own.
unset PYTHONPATH PYTHONHOME BLUELM_DATA_DIR QT_PLUGIN_PATH
start=$(date +%s)

step() { echo "smoke_test: $*"; }
fail() { echo "smoke_test: FAILED: $*" >&2; exit 1; }

step "--version"
version=$(timeout 60 "$EXE" --version) || fail "--version exited $?"
case "$version" in bluelm-desktop\ *) ;; *) fail "--version printed '$version'" ;; esac
echo "  $version"

step "plan (headless, document worker process)"
plan=$(timeout 60 "$EXE" --data-dir "$DATA" plan --json \
       "$SAMPLES/invoice.png" "$SAMPLES/invoice.pdf") || fail "plan exited $?"
echo "$plan" | sed 's/^/  /'
[ "$(echo "$plan" | grep -c '"ok": true')" -eq 2 ] || fail "plan did not plan both invoices"

step "--self-test (offscreen window, demo model, timeout ${TIMEOUT} s)"
report=$(timeout "$TIMEOUT" "$EXE" --data-dir "$DATA" --self-test) \
  || fail "--self-test exited $?"
echo "  $report"
echo "$report" | grep -q '"ok": true' || fail "--self-test did not report ok"

step "passed in $(($(date +%s) - start)) s"
