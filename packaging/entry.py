"""Entry point of the PyInstaller bundle (`packaging/bluelm-desktop.spec`).

The bundle's executable is this script frozen; it must do, before anything else, what a
frozen app needs that `python -m bluelm_desktop.cli` does not:

- `multiprocessing.freeze_support()` first: the document worker is started with the
  "spawn" method, which re-runs this executable with multiprocessing's own arguments;
  freeze_support turns that run into the worker and exits, instead of opening a second
  app.
- `--load-probe LLM [MMPROJ]` (the child of a first model load, see
  `bluelm_desktop.core.engine.load_probe.child_command`) is handled by `cli.main`
  itself, before argparse and Qt, so nothing else is needed here.

Everything else is the ordinary `bluelm-desktop` command line.
"""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    from bluelm_desktop.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
