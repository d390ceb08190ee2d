"""The running app's accessibility tree, walked as the Orca screen reader sees it.

The real main window runs in a process of its own (tests/gui/atspi_app.py) on an Xvfb
screen, in a D-Bus session of its own with the AT-SPI bus started, Qt's AT-SPI bridge on
(QT_LINUX_ACCESSIBILITY_ALWAYS_ON: no screen reader has to be running). For each state
(the model setup page; the chat with a two-page PDF attached and a question answered; an
image attached, its tile grid drawn; the invoice and contract tables; the keyboard
shortcuts; each tab of the settings dialog), the system Python's pyatspi walks the tree
(tests/gui/atspi_walk.py): every control that is focusable and showing must have a name,
and every table cell a column or row header from the model to go with its text (an empty
cell is named by it: Orca says "Due date, blank"). Then the app is quit as Ctrl+Q quits
it.

Needs Debian's at-spi2-core, python3-pyatspi, dbus and xvfb (scripts/setup.sh --tests
installs them); skipped, saying which is missing, without them.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any, Final

import pytest

from model_convert import constants as C

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SYSTEM_PYTHON: Final = "/usr/bin/python3"
SAMPLES = ROOT / "resources" / "samples"
STATES: Final = ("models", "chat", "image", "invoice", "contract", "shortcuts",
                 "settings-0", "settings-1", "settings-2", "settings-3", "settings-4")
STATE_TIMEOUT_S: Final = 150.0
WALK_TIMEOUT_S: Final = 120.0

pytestmark = pytest.mark.slow


def missing_system_parts() -> list[str]:
    """What this test needs from the system and does not find (Debian package names)."""
    missing = [package for tool, package in (("Xvfb", "xvfb"), ("dbus-daemon", "dbus"))
               if shutil.which(tool) is None]
    if not Path(SYSTEM_PYTHON).is_file():
        missing.append("python3")
    else:
        found = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True,
                               check=False)
        if found.returncode != 0:
            missing.append("python3-pyatspi")
    if not any(Path(d, "at-spi-bus-launcher").is_file()
               for d in ("/usr/libexec", "/usr/lib/at-spi2-core", "/usr/lib/at-spi2")):
        missing.append("at-spi2-core")
    return missing


class Lines:
    """A child's output read line by line on a thread: waits take a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Wait for the end of the output (the child has ended) before it is closed."""
        self._thread.join(timeout=30)

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def next(self, timeout: float) -> str | None:
        """The next line; None at the end of the output. queue.Empty after `timeout`."""
        line = self._queue.get(timeout=timeout)
        if line is not None:
            self.seen.append(line)
        return line


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def started(args: list[str], **kwargs: Any) -> Iterator[subprocess.Popen[Any]]:
    """A child process, stopped and its pipes closed at the end."""
    with subprocess.Popen(args, **kwargs) as process:
        try:
            yield process
        finally:
            stop(process)


@contextmanager
def desktop_session() -> Iterator[dict[str, str]]:
    """An X screen and a D-Bus session with the AT-SPI bus and registry running; yields
    the environment for processes in it. Everything is stopped at the end."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS",
                        "AT_SPI_BUS_ADDRESS", "QT_QPA_PLATFORM")}
    with ExitStack() as stack:
        read_fd, write_fd = os.pipe()
        xvfb = stack.enter_context(started(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24",
             "-nolisten", "tcp"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        os.close(write_fd)
        with os.fdopen(read_fd) as displayfd:
            display = displayfd.readline().strip()
        assert display, f"Xvfb did not start (exit {xvfb.poll()})"
        env["DISPLAY"] = f":{display}"
        bus = stack.enter_context(started(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env))
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address, "dbus-daemon did not start"
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        # The AT-SPI bus and registry, started by D-Bus activation before the app: Qt's
        # bridge looks for the bus when the app starts.
        subprocess.run([SYSTEM_PYTHON, str(HERE / "atspi_walk.py"), "--bus"], env=env,
                       check=True, timeout=60, capture_output=True)
        yield env


class App:
    """tests/gui/atspi_app.py running in the session, driven through its states."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        assert process.stdout is not None
        self.lines = Lines(process.stdout)

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def enter(self, state: str) -> str:
        """Bring the app to `state`; returns what has the focus then."""
        self.send(state)
        try:
            line = self.lines.next(STATE_TIMEOUT_S)
        except queue.Empty:
            pytest.fail(f"the app did not reach {state!r} in {STATE_TIMEOUT_S:.0f} s")
        assert line is not None, f"the app ended before {state!r}: {self.lines.seen}"
        word, _, rest = line.partition(" ")
        assert word == "ready", line
        name, _, focus = rest.partition(" ")
        assert name == state, line
        return focus

    def quit(self) -> int:
        """Quit as Ctrl+Q does; the app's exit status."""
        self.send("quit")
        status = self.process.wait(timeout=STATE_TIMEOUT_S)
        self.lines.join()
        return status


def walk(env: dict[str, str], pid: int) -> dict[str, Any]:
    done = subprocess.run([SYSTEM_PYTHON, str(HERE / "atspi_walk.py"), str(pid)], env=env,
                          capture_output=True, text=True, timeout=WALK_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture
def atspi_system() -> None:
    """Skips, naming the packages, where the system lacks what the walk needs."""
    missing = missing_system_parts()
    if missing:
        pytest.skip(f"AT-SPI test needs the system packages {', '.join(missing)} "
                    "(scripts/setup.sh --tests installs them)")


@pytest.fixture
def app_config(atspi_system: None, tiny_models: Callable[..., Any], tmp_path: Path) -> Path:
    pdf, image = SAMPLES / "invoice.pdf", SAMPLES / "invoice.png"
    if not (pdf.is_file() and image.is_file()):
        pytest.skip("resources/samples/invoice.pdf or .png is missing (run make_samples.py)")
    models = tiny_models(C.LAYOUT_BLUELM)
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "app.json"
    config.write_text(json.dumps({"llm": str(models.llm), "mmproj": str(models.mmproj),
                                  "document": str(pdf), "image": str(image),
                                  "data_dir": str(data)}),
                      encoding="utf-8")
    return config


def test_every_control_a_screen_reader_reaches_has_a_name(app_config: Path,
                                                          tmp_path: Path) -> None:
    unnamed: list[str] = []
    found: dict[str, int] = {}
    cells = {"named": 0, "by_header": 0, "unnamed": 0, "headerless": 0}
    with desktop_session() as env:
        env = {**env, "QT_QPA_PLATFORM": "xcb", "QT_ACCESSIBILITY": "1",
               "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
               "BLUELM_DATA_DIR": str(tmp_path / "data"),
               "BLUELM_SETTINGS": str(tmp_path / "settings.toml")}
        with (open(tmp_path / "app.log", "w", encoding="utf-8") as log,
              started([sys.executable, str(HERE / "atspi_app.py"), str(app_config)],
                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                      env=env, cwd=ROOT) as process):
            app = App(process)
            for state in STATES:
                focus = app.enter(state)
                report = walk(env, process.pid)
                found[state] = report["focusable"]
                for key in cells:
                    cells[key] += report["cells"][key]
                unnamed += [f"{state} (focus on {focus}): {u['path']}"
                            for u in report["unnamed"]]
            status = app.quit()
        errors = (tmp_path / "app.log").read_text(encoding="utf-8", errors="replace")
    print(f"\nfocusable and showing, per state: {found}; table cells: {cells}")
    assert not unnamed, "controls a screen reader reaches without a name:\n" + "\n".join(
        unnamed)
    assert all(found.values()), f"a state with nothing to focus: {found}"
    assert found["chat"] > 20 and cells["named"] > 0 and cells["by_header"] > 0, cells
    assert cells["headerless"] == 0, f"table cells with no header to say: {cells}"
    assert status == 0, f"the app did not quit cleanly (exit {status}):\n{errors[-3000:]}"
