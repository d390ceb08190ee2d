"""The app's one channel for messages and its crash hook (qutebrowser's `message` bridge and
crash handler are the model, much reduced).

Any code, on any thread, reports a one-line message with `messages.error(text)` or
`messages.info(text)`; the main window shows it in its status bar (errors stay longer).
`install_crash_hook` makes an exception nobody caught — in a Qt slot, where Qt would print
it and carry on, or on a worker thread — a logged traceback in `crash.log` under the
cache folder and one line in the status bar, instead of a silent failure. The app keeps
running: conversations are saved as they go, so nothing the user made is lost.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType
from typing import Final

from PySide6.QtCore import QCoreApplication, QObject, Signal

from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import line_of
from bluelm_desktop.ui.i18n import tr_line

CRASH_LOG: Final = "crash.log"
log = logging.getLogger(__name__)


class MessageBridge(QObject):
    """Emits each message on the thread the bridge lives on (the GUI's): connections from
    other threads are queued by Qt."""

    shown = Signal(str, bool)  # text, is_error


_bridge: MessageBridge | None = None


def bridge() -> MessageBridge:
    """The app's bridge, made on first use (call it first on the GUI thread)."""
    global _bridge
    if _bridge is None:
        _bridge = MessageBridge()
    return _bridge


def error(text: str) -> None:
    log.warning("%s", text)
    bridge().shown.emit(text, True)


def info(text: str) -> None:
    bridge().shown.emit(text, False)


def error_line(e: BaseException) -> str:
    """The one line the interface shows for `e`, in the interface's language: a core
    error's `Line`; anything else an "internal error" (a bug: the type is kept as a clue)."""
    return tr_line(line_of(e))


def crash_log_path() -> str:
    return str(paths.cache_dir() / CRASH_LOG)


def report_crash(kind: type[BaseException], value: BaseException,
                 tb: TracebackType | None, where: str = "") -> None:
    """Log an uncaught exception with its traceback, and say so in one line."""
    text = "".join(traceback.format_exception(kind, value, tb))
    path = crash_log_path()
    try:
        paths.cache_dir().mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {where or 'uncaught'}\n{text}\n")
    except OSError:
        path = "stderr"
    print(text, file=sys.stderr)
    error(QCoreApplication.translate("EngineBridge", "{error} (details in {path})").format(
        error=error_line(value), path=path))


def install_crash_hook() -> None:
    """Route uncaught exceptions of the GUI thread and of every thread to `report_crash`."""
    bridge()

    def on_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            name = args.thread.name if args.thread is not None else "a thread"
            report_crash(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    sys.excepthook = report_crash
    threading.excepthook = on_thread
