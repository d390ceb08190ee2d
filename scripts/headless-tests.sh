#!/usr/bin/env bash
# The non-GUI tests with PySide6 absent: proves the core and the converter (and the CLI's
# headless commands) import and run without Qt. tests/headless/ first on PYTHONPATH makes
# every `import PySide6` (in pytest and in every child process) fail as on a machine
# without it; pytest-qt is not loaded. The tests that need Qt skip themselves. Run after
# ./run-tests.sh (which sets up .venv); .ci/run does. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/tests/headless${PYTHONPATH:+:$PYTHONPATH}"
unset QT_QPA_PLATFORM
if .venv/bin/python -c "import PySide6" 2>/dev/null; then
    echo "headless-tests: PySide6 is still importable" >&2
    exit 1
fi
exec .venv/bin/python -m pytest -p no:pytest-qt -p no:cacheprovider tests/unit tests/integration "$@"
