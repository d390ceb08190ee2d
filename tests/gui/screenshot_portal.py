"""A stand-in for xdg-desktop-portal's Screenshot interface, for tests on a private bus.

    /usr/bin/python3 tests/gui/screenshot_portal.py ADDRESS PNG MODE

Runs with the system Python (dbus-python and GLib, not in the venv). Owns
`org.freedesktop.portal.Desktop` on the bus at ADDRESS and serves
`org.freedesktop.portal.Screenshot.Screenshot(s parent_window, a{sv} options) -> o` as
the real portal does: it returns the request object's path, built from the caller's
unique name and the `handle_token` option, and later emits `Response(u, a{sv})` on that
object: MODE "ok" answers 0 with `uri` = file://PNG, "cancel" answers 1 (the user said
no), "silent" never answers. Prints "ready" once the name is owned; each call is logged
to stderr as one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS_NAME = "org.freedesktop.portal.Desktop"
OBJECT_PATH = "/org/freedesktop/portal/desktop"
SCREENSHOT = "org.freedesktop.portal.Screenshot"
REQUEST = "org.freedesktop.portal.Request"


class Request(dbus.service.Object):
    @dbus.service.signal(REQUEST, signature="ua{sv}")
    def Response(self, response: int, results: dict) -> None:
        pass


class Portal(dbus.service.Object):
    def __init__(self, bus: dbus.Bus, png: Path, mode: str) -> None:
        super().__init__(bus, OBJECT_PATH)
        self._bus, self._png, self._mode = bus, png, mode
        self._requests: list[Request] = []

    @dbus.service.method(SCREENSHOT, in_signature="sa{sv}", out_signature="o",
                         sender_keyword="sender")
    def Screenshot(self, parent_window: str, options: dict,
                   sender: str) -> str:
        token = str(options.get("handle_token", "t"))
        path = f"{OBJECT_PATH}/request/{sender[1:].replace('.', '_')}/{token}"
        print(json.dumps({"parent_window": str(parent_window), "token": token,
                          "interactive": bool(options.get("interactive", False)),
                          "path": path}), file=sys.stderr, flush=True)
        request = Request(self._bus, path)
        self._requests.append(request)
        if self._mode != "silent":
            GLib.timeout_add(50, self._answer, request)
        return path

    def _answer(self, request: Request) -> bool:
        if self._mode == "ok":
            request.Response(dbus.UInt32(0), {"uri": dbus.String(self._png.as_uri())})
        else:
            request.Response(dbus.UInt32(1), dbus.Dictionary({}, signature="sv"))
        return False


def main() -> None:
    address, png, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName(BUS_NAME, bus)
    portal = Portal(bus, png, mode)
    print("ready", flush=True)
    try:
        GLib.MainLoop().run()
    finally:
        del portal, name


if __name__ == "__main__":
    main()
