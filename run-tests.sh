#!/usr/bin/env bash
# Install everything that is missing, then run the whole test suite (Qt offscreen).
# Arguments go to pytest, e.g. ./run-tests.sh -k convert
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --tests
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check bluelm_desktop model_convert tests
.venv/bin/lint-imports  # the import contracts in pyproject.toml
exec .venv/bin/python -m pytest "$@"
