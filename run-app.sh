#!/usr/bin/env bash
# Install everything that is missing, then start BlueLM Desktop. Arguments go to the app.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/bluelm-desktop "$@"
