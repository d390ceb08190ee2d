"""Walk an application's accessibility tree on the AT-SPI bus, as a screen reader (Orca)
sees it, and report the controls a user can reach that have no name.

Run by tests/gui/test_atspi.py with the system's Python, which has python3-pyatspi (a
Debian package, not on PyPI); it imports nothing of the project.

    /usr/bin/python3 atspi_walk.py --bus        # start the AT-SPI bus and registry; exit
    /usr/bin/python3 atspi_walk.py PID [--dump]  # one JSON object on stdout

The JSON object: `focusable`, the number of controls that are focusable and showing;
`unnamed`, those of them with no name (each with its role, its path of roles and names
from the window, and its description); `cells`, how the table cells among them are named:
by their text, by their column or row header (an empty cell: a screen reader says the
header), not at all, and how many have no header to go with their text; `windows`, the
titles of the windows walked. A node counts as showing when it and every node above it up
to its window say STATE_SHOWING: Qt marks the cells of a table on a hidden tab as
showing, though no one can see or reach them.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pyatspi  # type: ignore[import-not-found]  # the system's python3-pyatspi

FIND_APP_S = 30.0
MAX_DEPTH = 60


def find_app(pid: int) -> Any:
    """The application with process id `pid` on the bus (it registers when it starts)."""
    deadline = time.monotonic() + FIND_APP_S
    while True:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.get_process_id() == pid:
                return app
        if time.monotonic() > deadline:
            raise SystemExit(f"no application with pid {pid} on the AT-SPI bus")
        time.sleep(0.2)


def label(node: Any) -> str:
    return f"{node.getRoleName()} {node.name!r}" if node.name else node.getRoleName()


def header_names(cell: Any) -> list[str]:
    """The names of a table cell's column and row headers, as the table gives them."""
    table_node = cell.parent
    try:
        table = table_node.queryTable()
    except NotImplementedError:
        return []
    index = cell.getIndexInParent()
    row, column = table.getRowAtIndex(index), table.getColumnAtIndex(index)
    names = []
    for header in (table.getColumnHeader(column) if column >= 0 else None,
                   table.getRowHeader(row) if row >= 0 else None):
        if header is not None and header.name:
            names.append(header.name)
    return names


def walk(app: Any, dump: bool) -> dict[str, Any]:
    focusable = 0
    unnamed: list[dict[str, str]] = []
    cells = {"named": 0, "by_header": 0, "unnamed": 0, "headerless": 0}
    windows: list[str] = []

    def visit(node: Any, path: list[str], depth: int) -> None:
        nonlocal focusable
        states = node.getState()
        showing = states.contains(pyatspi.STATE_SHOWING)
        focus = states.contains(pyatspi.STATE_FOCUSABLE)
        role = node.getRole()
        if dump:
            print("  " * depth + label(node) + (" F" if focus else "") + (" S" if showing else ""),
                  file=sys.stderr)
        if not showing or depth > MAX_DEPTH:
            return  # nothing under it can be seen either
        here = [*path, label(node)]
        if focus:
            focusable += 1
            headers = header_names(node) if role == pyatspi.ROLE_TABLE_CELL else []
            if role == pyatspi.ROLE_TABLE_CELL:
                cells["named" if node.name else "by_header" if headers else "unnamed"] += 1
                if not headers:  # a screen reader says its text without saying what it is
                    cells["headerless"] += 1
            if not node.name and not headers:
                unnamed.append({"role": node.getRoleName(), "path": " / ".join(here),
                                "description": node.description or ""})
        for i in range(node.childCount):
            child = node.getChildAtIndex(i)
            if child is not None:
                visit(child, here, depth + 1)

    for i in range(app.childCount):
        window = app.getChildAtIndex(i)
        if window is None:
            continue
        windows.append(window.name)
        visit(window, [], 0)
    return {"focusable": focusable, "unnamed": unnamed, "cells": cells, "windows": windows}


def main(argv: list[str]) -> int:
    if argv[1:] == ["--bus"]:
        pyatspi.Registry.getDesktop(0)  # activates the bus and the registry
        return 0
    report = walk(find_app(int(argv[1])), "--dump" in argv)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
