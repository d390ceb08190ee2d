"""`bluelm-desktop`: the app (no subcommand) and headless commands over the same core.

Qt is imported only when the GUI starts, so `--help` and the headless commands run on a
machine without a display (or without PySide6) and start fast. Every failure ends as one
line on stderr and exit status 2; a traceback is a bug (BLUELM_DEBUG=1 shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bluelm_desktop import __version__
from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import BlueLMError

PROG = "bluelm-desktop"
EXIT_OK = 0
EXIT_FAILED = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Offline assistant for documents and images. Without a command, "
        "opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help=f"keep models, settings and caches under DIR instead of the platform's "
        f"folders (also ${paths.ENV_DATA_DIR})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    models = commands.add_parser(
        "models",
        help="list the models the app can use",
        description="List the models in the library, one line each. Exit status 2 if any "
        "file cannot be used (the line says why).",
    )
    models.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.data_dir is not None:
            paths.set_base_dir(args.data_dir)
        if args.command == "models":
            return list_models(as_json=args.json)
        return start_gui()
    except BlueLMError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"{e.filename or ''}{': ' if e.filename else ''}{e.strerror or e}")
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # the last line of defence: one line, then the trace on request
        if os.environ.get("BLUELM_DEBUG"):
            raise
        return _fail(f"internal error ({type(e).__name__}: {e}); set BLUELM_DEBUG=1 for details")


def _fail(message: str) -> int:
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_FAILED


def start_gui() -> int:
    _check_display()
    from bluelm_desktop.ui.app import run  # Qt only from here on

    return run([sys.argv[0] if sys.argv else PROG])


def _check_display() -> None:
    """Fail with a sentence instead of Qt's abort when there is nowhere to show a window."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise BlueLMError(
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "run it in a desktop session, or use a headless command such as "
            f"`{PROG} models`"
        )


def list_models(as_json: bool) -> int:
    """Print the library: aligned columns for people, JSON lines for scripts."""
    from bluelm_desktop.core.model_library import ModelLibrary
    from model_convert.inspect_gguf import format_bytes

    library = ModelLibrary.from_paths()
    pairs = library.scan()
    if as_json:
        for pair in pairs:
            print(json.dumps(pair.to_json(), ensure_ascii=False))
    elif not pairs:
        print(
            f"no models in {library.models_dir}; start {PROG} and click “Create demo model” "
            "or “Add GGUF files…”",
            file=sys.stderr,
        )
    else:
        rows: list[list[str]] = []
        for pair in pairs:
            if pair.ok:
                ram = format_bytes(pair.ram_bytes) if pair.ram_bytes is not None else "unknown"
                note = "demo, random weights" if pair.is_demo else pair.source
                rows.append([pair.name, pair.kind, pair.layout or "other", pair.llm_type or "",
                             format_bytes(pair.size_bytes), f"RAM {ram}", note])
            else:
                rows.append([pair.name, f"error: {pair.error}"])
        # Align every column but the last of each row; an error row's message runs free.
        widths: dict[int, int] = {}
        for row in rows:
            for i, cell in enumerate(row[:-1]):
                widths[i] = max(widths.get(i, 0), len(cell))
        for row in rows:
            print("  ".join([c.ljust(widths[i]) for i, c in enumerate(row[:-1])] + row[-1:]))
    return EXIT_OK if all(p.ok for p in pairs) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
