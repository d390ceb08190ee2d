"""Stands in for an uninstalled shiboken6 in the headless test run (scripts/headless-tests.sh puts
this folder first on PYTHONPATH, for pytest and every process it starts): importing it
fails exactly as it does where shiboken6 is not installed."""

raise ModuleNotFoundError(
    "No module named 'shiboken6' (the headless run: the core must not need Qt)", name="shiboken6")
