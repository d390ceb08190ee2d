"""Offline guarantee: a whole session makes no network attempt; network code is only on
the download path, and it runs only when the user clicks Download.

What is proved, and how:

1. `test_a_whole_session_makes_no_network_attempt` runs the real app (`bluelm_desktop.cli
   .main([])`, the `bluelm-desktop` entry point, offscreen) in a child process, twice, on a
   settings file and a history in a temporary folder. First run: the models page (the
   download catalog opened and closed, not used), the tiny synthetic pair added and
   chosen, the sample invoice dropped and asked about, invoice extraction and translation
   through the quick-action buttons. Second run ("restart"): the model loads from the
   settings, the conversation is reopened from the history, and one more question is
   asked. Every Python process of the session (the app, its first-load probe, its
   document worker) installs an audit hook (`sys.addaudithook`, from a `sitecustomize`
   put on PYTHONPATH) before anything else runs; it blocks and records socket creation
   other than AF_UNIX, connect, bind (other than AF_UNIX), sendto/sendmsg, name lookups
   and `urllib.Request`. The test fails on any record, even one whose exception the
   caller swallowed. It also fails if the session loaded the download stack
   (huggingface_hub, httpx2), if the session process holds any socket that is not AF_UNIX
   (read from /proc, so it sees sockets made by native code as well: Qt's networking
   bypasses Python's socket module, and the app loads `PySide6.QtNetwork` for its
   one-window local socket, which a static check below holds to QLocalServer and
   QLocalSocket), or if it starts a program that is not this Python (which would run
   without the hook).
   Positive controls, so that it cannot pass vacuously: after the session, in the same
   process, clicking Download is blocked and recorded (the app's own network code seen by
   the hook), and so are `socket.create_connection`, `socket.getaddrinfo`, a bare AF_INET
   socket and `urllib.request.urlopen`, a lookup in a multiprocessing child and in a
   subprocess, and a socket made by native code is found by the /proc check.
2. `test_with_a_server_only_its_address_is_contacted`: with a llama-server configured
   (`ask --server`, `batch --server`), the same hook is told that one HOST:PORT and lets
   through exactly its lookup and connections; everything else is blocked as above. It
   fails unless the hook saw the connections to the server, and a child of the session
   finds another port of that host and another host blocked.
3. `test_network_imports_only_on_the_download_path`: every `.py` of the app
   (bluelm_desktop/ and model_convert/, which the app imports) parsed with `ast`; network
   modules are imported only in core/models/download.py (and catalog.py, allowed but
   without any today) and the llama-server client, core/server/connection.py.
4. `test_importing_the_app_loads_no_network_client`: importing the window, the GUI
   entry and the CLI loads none of the network clients, and `ssl` only from
   core/models/download.py (why it is loaded at all: the comment above IMPORT_PROBE).

The session child is this file run as a script (`_child_main`), so its driver is checked
code like the tests; only the hook is a string, written out as `sitecustomize.py`.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.settings import InferenceSettings, Settings
from model_convert import constants as C

pytestmark = pytest.mark.slow

REPO: Final = Path(__file__).resolve().parents[2]
INVOICE: Final = REPO / "resources" / "samples" / "invoice.png"
CHILD_TIMEOUT_S: Final = 240
STEP_TIMEOUT_S: Final = 90.0  # one load, one answer, one failed download in a child
LOG_ENV: Final = "BLUELM_AUDIT_LOG"
PHASE_ENV: Final = "BLUELM_AUDIT_PHASE"
SESSION, CONTROL = "session", "control"
QUESTION: Final = "What is the total amount due?"
FOLLOW_UP: Final = "And who issued it?"
# Modules that are network clients (or Qt's network stack); none may be loaded by the
# session, nor by importing the app.
NETWORK_CLIENTS: Final = ("huggingface_hub", "hf_xet", "httpx", "httpx2", "httpcore",
                          "requests", "urllib3", "aiohttp", "http.client", "urllib.request",
                          "PySide6.QtNetwork")

# --- the audit hook ------------------------------------------------------------------------
# Written as `sitecustomize.py` into a folder put first on PYTHONPATH: `site` imports it
# before the main module in every Python process that inherits the environment, so the
# app, the load probe (`subprocess`, same environment) and the document worker
# (multiprocessing "spawn") are all audited from their first line. An audit hook cannot
# be removed; its exception can be caught by the code under test, so every hit is also
# appended to the log (one JSON line, O_APPEND) and written to stderr, and the test reads
# the log. Each process also logs a "start" record: were this `sitecustomize` shadowed by
# another one, the check that the app's processes logged one would fail.
AUDIT_HOOK: Final = textwrap.dedent('''\
    """Offline audit for tests/integration/test_offline.py (installed through PYTHONPATH)."""
    import json
    import os
    import sys

    import _socket

    PHASE = os.environ.get("BLUELM_AUDIT_PHASE", "session")  # the test sets "control"
    _LOG = os.environ.get("BLUELM_AUDIT_LOG", "")
    _AF_UNIX = getattr(_socket, "AF_UNIX", None)
    # "HOST:PORT" of the one llama-server a session may talk to (unset: none at all)
    _HOST, _, _PORT = os.environ.get("BLUELM_AUDIT_ALLOW", "").rpartition(":")
    _INET = {getattr(_socket, "AF_INET", None), getattr(_socket, "AF_INET6", None)}
    _BLOCKED = frozenset({
        "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
        "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.getnameinfo",
        "socket.sendto", "socket.sendmsg", "urllib.Request", "http.client.connect",
        "ftplib.connect", "smtplib.connect", "poplib.connect", "imaplib.open",
        "nntplib.connect", "telnetlib.Telnet.open",
    })
    _UNLESS_UNIX = frozenset({"socket.__new__", "socket.bind"})
    _PROCESSES = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                            "os.spawn"})
    _WATCHED = _BLOCKED | _UNLESS_UNIX | _PROCESSES


    class OfflineViolation(RuntimeError):
        """A network attempt in a session that must stay offline."""


    def _family(event, args):
        if event == "socket.__new__":  # (self, family, type, protocol): self is not set up
            return args[1]
        try:
            return args[0].family  # socket.bind: (self, address)
        except Exception:
            return None


    def _describe(event, args):
        if event.startswith("socket.") and args and isinstance(args[0], _socket.socket):
            args = args[1:]  # the socket itself has no useful repr (yet)
        try:
            return repr(args)[:500]
        except Exception:
            return "<unprintable>"


    def _program(event, args):
        """The program a process event starts (a shell command stays whole)."""
        try:
            if event == "subprocess.Popen":  # (executable, args, cwd, env)
                command = args[1]
                if args[0] is not None:
                    return os.fsdecode(args[0])
                return command if isinstance(command, str) else os.fsdecode(command[0])
            return os.fsdecode(args[1] if event == "os.spawn" else args[0])
        except Exception:
            return "?"


    def _record(kind, event, args, program=None):
        """One JSON line in the log; never raises (a failure here must not hide a hit)."""
        try:
            frames = []
            try:
                frame = sys._getframe(2)
            except ValueError:
                frame = None
            while frame is not None and len(frames) < 12:
                code = frame.f_code
                frames.append(f"{code.co_filename}:{frame.f_lineno} {code.co_name}")
                frame = frame.f_back
            shown = "" if program is not None else _describe(event, args)
            line = json.dumps({"pid": os.getpid(), "phase": PHASE, "kind": kind,
                               "event": event, "args": shown, "program": program,
                               "stack": frames, "argv": sys.orig_argv}) + "\\n"
            if _LOG:
                fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode())
                finally:
                    os.close(fd)
            if kind == "blocked":
                os.write(2, f"offline audit: BLOCKED {event}{shown}\\n".encode())
        except Exception:
            pass


    def _the_server(event, args):
        """Whether this is the configured server's address (and only that): a lookup of
        its host and port, a connection to it, or an Internet socket to make one."""
        if not _HOST:
            return False
        try:
            if event == "socket.getaddrinfo":  # (host, port, family, type, proto, flags)
                return args[0] == _HOST and str(args[1]) == _PORT
            if event == "socket.connect":  # (self, address)
                return tuple(args[1][:2]) == (_HOST, int(_PORT))
            if event == "socket.__new__":  # its address is checked at connect
                return _family(event, args) in _INET
        except Exception:
            return False
        return False


    def _hook(event, args):
        if event not in _WATCHED:
            return
        if event in _PROCESSES:
            _record("process", event, args, _program(event, args))
        elif event in _UNLESS_UNIX and _family(event, args) == _AF_UNIX:
            _record("allowed", event, args)
        elif _the_server(event, args):
            _record("server", event, args)
        else:
            _record("blocked", event, args)
            raise OfflineViolation(f"offline audit: {event} blocked")


    sys.addaudithook(_hook)
    _record("start", "sitecustomize", ())
    ''')


def _read_log(log: Path) -> list[dict[str, Any]]:
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _show(records: list[dict[str, Any]]) -> str:
    return "\n".join(f"  pid {r['pid']} {r['event']}{r['args'] or ' ' + r['program']}\n    " +
                     "\n    ".join(r["stack"][:8]) for r in records)


# --- the parent: run the session, read the log ---------------------------------------------


def _child_env(tmp_path: Path, log: Path) -> dict[str, str]:
    hook_dir = tmp_path / "audit-hook"
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           # the positive control expects the default hub, reached directly
           if not k.upper().endswith("_PROXY") and not k.startswith("HF_")}
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "BLUELM_DATA_DIR": str(tmp_path / "data"),
        "BLUELM_SETTINGS": str(tmp_path / "settings.toml"),
        "HF_HOME": str(tmp_path / "hf-home"),  # the control's huggingface_hub stays here
        "PYTHONPATH": os.pathsep.join(filter(None, [str(hook_dir), str(REPO),
                                                    os.environ.get("PYTHONPATH")])),
        LOG_ENV: str(log),
        PHASE_ENV: SESSION,
    })
    return env


def _run_child(phase: str, models: Any, tmp_path: Path, env: dict[str, str]
               ) -> dict[str, Any]:
    out = tmp_path / f"{phase}.json"
    args = [sys.executable, __file__, phase, str(models.llm), str(models.mmproj),
            str(INVOICE), str(out)]
    started = time.monotonic()
    try:
        done = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as e:  # killed; what it wrote says where it hung
        stderr = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        raise AssertionError(f"the {phase} child ran past {CHILD_TIMEOUT_S} s:\n"
                             f"{(stderr or '')[-6000:]}") from None
    result: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
    assert done.returncode == 0 and result and "error" not in result, (
        f"the {phase} child failed (exit status {done.returncode}):\n"
        f"{result.get('error', '')}\n--- stderr ---\n{done.stderr[-6000:]}")
    print(f"{phase} child: {time.monotonic() - started:.1f} s; steps: {result['timings']}")
    return result


def test_a_whole_session_makes_no_network_attempt(tiny_models: Callable[..., Any],
                                                  tmp_path: Path) -> None:
    pytest.importorskip("PySide6")  # the app's window (not in the headless run)
    assert INVOICE.is_file(), f"{INVOICE} is missing (resources/samples/make_samples.py)"
    models = tiny_models(C.LAYOUT_BLUELM)
    log = tmp_path / "audit.jsonl"
    env = _child_env(tmp_path, log)
    # The user's settings before a model is chosen: one thread (two spin-waiting ggml
    # threads crawl on a 2-core runner), short greedy answers, and a context that holds
    # the invoice three times over (~2,500 image tokens each) with the answers.
    settings_io.save(Settings(inference=InferenceSettings(
        threads=1, context=16384, max_tokens=32, temperature=0.0, repeat_penalty=1.0,
        seed=3)), tmp_path / "settings.toml")

    first = _run_child("session", models, tmp_path, env)
    again = _run_child("restart", models, tmp_path, env)
    records = _read_log(log)

    # 1. Nothing in the session tried the network, in any of its processes.
    hits = [r for r in records if r["phase"] == SESSION and r["kind"] == "blocked"]
    assert not hits, f"network attempts during the session:\n{_show(hits)}"
    for run in (first, again):
        assert run["network_modules"] == [], f"{run['phase']}: loaded {run['network_modules']}"
        assert run["foreign_sockets"] == [], f"{run['phase']}: holds {run['foreign_sockets']}"
    programs = [r for r in records if r["kind"] == "process" and r["phase"] == SESSION]
    unaudited = [r for r in programs if not _is_this_python(r["program"])]
    assert not unaudited, f"programs started that run without the hook:\n{_show(unaudited)}"
    # ... and the hook was in every process: the app (twice), the first-load probe and
    # the document worker.
    started = [r["argv"] for r in records if r["kind"] == "start" and r["phase"] == SESSION]
    assert {first["pid"], again["pid"]} <= {r["pid"] for r in records if r["kind"] == "start"}
    assert any("bluelm_desktop.core.engine.load_probe" in argv for argv in started), started
    assert any("--multiprocessing-fork" in argv for argv in started), started

    # 2. The session did what a user does, and the restart found it.
    assert [(t["action"], t["status"]) for t in first["turns"]] == [
        ("", "complete"), ("extract-invoice", "complete"), ("translate", "complete")]
    assert first["extraction_shown"], "the invoice fields were not shown"
    saved = first["history"]
    assert [(m[0], m[1]) for m in saved] == [("user", "complete"), ("assistant", "complete")] * 3
    assert saved[0][2] == QUESTION
    reopened = again["reopened"]
    assert reopened["conversation_id"] == first["conversation_id"]
    assert reopened["shown"] == [[m[0], m[2]] for m in saved]
    assert reopened["sidebar_rows"] == 1
    assert [(t["action"], t["status"]) for t in again["turns"]] == [("", "complete")]
    assert again["history"][-2][2] == FOLLOW_UP

    # 3. Positive controls: the same hook sees and blocks real attempts.
    control = [r for r in records if r["phase"] == CONTROL and r["kind"] == "blocked"]
    main = [r for r in control if r["pid"] == again["pid"]]
    others = [r for r in control if r["pid"] != again["pid"]]
    events = {r["event"] for r in main}
    assert {"socket.getaddrinfo", "socket.__new__", "urllib.Request"} <= events, events
    downloads = [r for r in main if r["event"] == "socket.getaddrinfo"
                 and "huggingface.co" in r["args"]]
    assert downloads, f"clicking Download was not seen by the hook:\n{_show(main)}"
    assert "offline audit" in again["control"]["download"], again["control"]
    assert any("example.org" in r["args"] for r in others), "no hit from the spawned child"
    assert any("example.net" in r["args"] for r in others), "no hit from the subprocess"
    assert all(outcome.startswith("OfflineViolation") for name, outcome
               in again["control"].items() if name.startswith("call:")), again["control"]
    if Path("/proc/self/fd").is_dir():
        assert again["control"]["native_socket_seen"], "the /proc socket check sees nothing"
    allowed = sorted({f"{r['event']}{r['args']}" for r in records if r["kind"] == "allowed"})
    print(f"audit: {len(records)} records; allowed (AF_UNIX): {allowed or 'none'}; "
          f"blocked in the controls: {len(control)}")


SERVER_CONTROL: Final = textwrap.dedent("""\
    import socket, sys
    host, port = sys.argv[1], int(sys.argv[2])
    for name, call in [("other_port", lambda: socket.create_connection((host, port + 1), 1)),
                       ("other_port_raw", lambda: socket.socket().connect((host, port + 1))),
                       ("other_host", lambda: socket.getaddrinfo("example.com", port))]:
        try:
            call()
        except Exception as e:
            print(name, type(e).__name__)
""")


def test_with_a_server_only_its_address_is_contacted(tiny_models: Callable[..., Any],
                                                     tmp_path: Path) -> None:
    """With a llama-server configured, `ask --server` and `batch --server` (the window:
    tests/gui/test_server_window.py) contact that host and port and nothing else: the same
    audit hook, told the one address it may allow, blocks and records everything else. The
    server runs outside the audited processes (it is the far end). Positive controls: the
    hook saw the traffic to the server (so the allowance is used, not vacuous), and in a
    child of the same session another port of the same host and another host are blocked."""
    from tests.llama_servers import LlamaServer, server_binary

    models = tiny_models(C.LAYOUT_BLUELM)
    log = tmp_path / "audit.jsonl"
    env = _child_env(tmp_path, log)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "invoice.png").write_bytes(INVOICE.read_bytes())
    with LlamaServer(server_binary(), models.llm, models.mmproj, tmp_path / "server.log") \
            as server:
        env["BLUELM_AUDIT_ALLOW"] = f"127.0.0.1:{server.port}"
        base = [sys.executable, "-m", "bluelm_desktop.cli", "--data-dir", str(tmp_path / "d")]
        runs = {
            "ask": [*base, "ask", "--server", server.url, "--mmproj", str(models.mmproj),
                    str(INVOICE), QUESTION, "--max-tokens", "8"],
            "batch": [*base, "batch", str(docs), "--task", "extract-invoice", "--server",
                      server.url, "--mmproj", str(models.mmproj), "--max-grid", "2",
                      "--max-tokens", "16", "--out", str(tmp_path / "f.jsonl")],
        }
        for name, args in runs.items():
            done = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True,
                                  timeout=CHILD_TIMEOUT_S, check=False)
            assert done.returncode == 0, f"{name}: {done.stderr[-4000:]}"
        control = subprocess.run(
            [sys.executable, "-c", SERVER_CONTROL, "127.0.0.1", str(server.port)],
            env={**env, PHASE_ENV: CONTROL}, capture_output=True, text=True, timeout=60,
            check=False)
    records = _read_log(log)
    session = [r for r in records if r["phase"] == SESSION]
    hits = [r for r in session if r["kind"] == "blocked"]
    assert not hits, f"network attempts besides the server:\n{_show(hits)}"
    unaudited = [r for r in session if r["kind"] == "process"
                 and not _is_this_python(r["program"])]
    assert not unaudited, f"programs started that run without the hook:\n{_show(unaudited)}"
    to_server = [r for r in session if r["kind"] == "server" and r["event"] == "socket.connect"]
    assert to_server, "the hook saw no connection to the server: the check proves nothing"
    assert all(f"('127.0.0.1', {server.port})" in r["args"] for r in to_server), to_server
    blocked = [r for r in records if r["phase"] == CONTROL and r["kind"] == "blocked"]
    assert any(r["event"] == "socket.connect" and str(server.port + 1) in r["args"]
               for r in blocked), _show(blocked)
    assert any("example.com" in r["args"] for r in blocked), _show(blocked)
    assert control.stdout.split() == ["other_port", "OfflineViolation", "other_port_raw",
                                      "OfflineViolation", "other_host", "OfflineViolation"], \
        control


def _is_this_python(program: str) -> bool:
    """Whether a process record starts this interpreter (it then runs the hook too)."""
    return program == sys.executable or os.path.realpath(program) == os.path.realpath(
        sys.executable)


# --- the child: the app, driven as a user would ------------------------------------------

def _wait(condition: Callable[[], object], what: str, timeout_s: float = STEP_TIMEOUT_S
          ) -> None:
    """Run the event loop until `condition()` holds; fail on a timeout or a slot's error
    (the self-test's wait, so that both drive the window the same way)."""
    from bluelm_desktop.ui.self_test import wait_until

    wait_until(condition, timeout_s, what)


def _drop(window: Any, path: Path) -> None:
    """A drag-and-drop of one file on the window, as Qt delivers it (tests/gui do the same)."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    action = Qt.DropAction.CopyAction
    args = (QPointF(200, 200), action, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(*args)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        raise RuntimeError("the window refused the drag")
    QApplication.sendEvent(window, QDropEvent(*args))


def _type_and_enter(window: Any, text: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.keyClicks(window.composer.edit, text)
    QTest.keyClick(window.composer.edit, Qt.Key.Key_Return)


class _Session:
    """Drives one run of the app's window; what it saw goes into `result`."""

    def __init__(self, window: Any, invoice: Path, result: dict[str, Any]) -> None:
        self.window = window
        self.invoice = invoice
        self.result = result
        self.finished: list[tuple[str, str, str]] = []
        self.given_back: list[str] = []  # questions put back: their documents failed
        window.controller.answer_finished.connect(
            lambda status, action, text: self.finished.append((status, action, text)))
        window.controller.restore_question.connect(self.given_back.append)
        result["turns"] = []
        result["timings"] = {}
        self._t0 = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.result["timings"][name] = round(now - self._t0, 2)
        self._t0 = now

    def wait_loaded(self) -> None:
        failures: list[str] = []
        self.window.bridge.load_failed.connect(failures.append)
        _wait(lambda: self.window.loaded is not None or failures, "the model to load")
        if failures:
            raise RuntimeError(f"the model did not load: {failures[0]}")
        self.lap("load")

    def turn(self, ask: Callable[[], None], with_invoice: bool = True) -> None:
        """One question: drop the invoice (the question then waits for its pages), ask,
        wait for the whole answer."""
        count, back = len(self.finished), len(self.given_back)
        if with_invoice:
            _drop(self.window, self.invoice)
        ask()
        _wait(lambda: len(self.finished) > count or len(self.given_back) > back, "the answer")
        if len(self.given_back) > back:
            raise RuntimeError(f"the question was not answered: "
                               f"{self.window.activity_label.text()}")
        status, action, text = self.finished[count]
        self.result["turns"].append({"action": action, "status": status, "chars": len(text)})
        self.lap(action or "ask")

    def click_quick_action(self, action_id: str) -> None:
        from PySide6.QtWidgets import QPushButton

        from bluelm_desktop.core.tasks import quick_action
        from bluelm_desktop.ui.main_window import quick_action_label

        label = quick_action_label(quick_action(action_id))
        buttons = self.window.quick_actions.findChildren(QPushButton)
        next(b for b in buttons if b.text() == label).click()

    def record_history(self) -> None:
        window = self.window
        cid = window.controller.conversation_id
        self.result["conversation_id"] = cid
        self.result["history"] = [(m.role, m.status, m.text) for m in window.history.messages(cid)]

    def record_offline_state(self) -> None:
        """What this process holds right now: network modules and non-AF_UNIX sockets."""
        # Qt's network module is loaded for the one-window-per-data-folder local socket
        # (ui/single_instance.py, which may import only QLocalServer/QLocalSocket: see
        # LOCAL_SOCKETS_ONLY); that Qt opened no other socket is what foreign_sockets checks.
        self.result["network_modules"] = sorted(
            m for m in NETWORK_CLIENTS if m in sys.modules and m != "PySide6.QtNetwork")
        self.result["foreign_sockets"] = _foreign_sockets()


def _first_run(session: _Session, llm: Path, mmproj: Path) -> None:
    """No model yet: browse the download catalog (and leave), add the tiny pair, use it;
    ask about the invoice, extract its fields, translate it."""
    window = session.window
    if window.pages.currentWidget() is not window.model_page:
        raise RuntimeError("a first run should start on the models page")
    setup = window.model_setup
    setup.open_downloads()  # the catalog is shown; Download is not clicked
    _wait(lambda: setup.download_dialog.isVisible(), "the download dialog")
    setup.download_dialog.close()
    setup.add_files(llm, mmproj)  # what "Add GGUF files…" does after its file dialogs
    _wait(lambda: (pair := setup.selected_pair()) is not None
          and pair.llm_path.samefile(llm) and window.model_page.use_button.isEnabled(),
          "the added model to be listed and selected")
    window.model_page.use_button.click()
    session.wait_loaded()

    session.turn(lambda: _type_and_enter(window, QUESTION))
    session.turn(lambda: session.click_quick_action("extract-invoice"))
    extraction = window.extraction_panel
    session.result["extraction_shown"] = (
        extraction is not None and window.side_tabs.isVisible()
        and window.side_tabs.currentWidget().widget() is extraction)
    session.turn(lambda: session.click_quick_action("translate"))
    session.record_history()
    session.record_offline_state()


def _after_restart(session: _Session) -> None:
    """The model from the settings, the conversation from the history; one more question;
    then the positive controls."""
    window = session.window
    session.wait_loaded()
    session.result["reopened"] = {
        "conversation_id": window.controller.conversation_id,
        "shown": [(m.role, m.text) for m in window.chat_model],
        "sidebar_rows": window.sidebar.model.rowCount(),
    }
    session.turn(lambda: _type_and_enter(window, FOLLOW_UP), with_invoice=False)
    session.record_history()
    session.record_offline_state()  # before the controls import the download stack
    session.result["control"] = _positive_controls(window)
    session.lap("controls")


def _positive_controls(window: Any) -> dict[str, Any]:
    """Network attempts the hook must block and record, in this process and its children."""
    import ctypes
    import multiprocessing
    import socket
    import urllib.request

    import sitecustomize  # the audit hook's module (PYTHONPATH)

    sitecustomize.PHASE = CONTROL  # type: ignore[attr-defined]
    os.environ[PHASE_ENV] = CONTROL  # for the children started below
    seen: dict[str, Any] = {}

    # The app's own download path, asked for by the user: the catalog's first model.
    setup = window.model_setup
    failures: list[str] = []
    setup.downloads.failed.connect(lambda _entry, message: failures.append(message))
    setup.open_downloads()
    setup.download_dialog.download_button.click()
    _wait(lambda: failures, "the download to fail")
    setup.download_dialog.close()
    seen["download"] = failures[0]

    calls: dict[str, Callable[[], object]] = {
        "create_connection": lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
        "getaddrinfo": lambda: socket.getaddrinfo("example.com", 443),
        "inet_socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close(),
        "urlopen": lambda: urllib.request.urlopen("http://127.0.0.1:9/", timeout=1),
    }
    for name, call in calls.items():
        try:
            call()
            seen[f"call:{name}"] = "no error"
        except Exception as e:
            seen[f"call:{name}"] = f"{type(e).__name__}: {e}"

    spawned = multiprocessing.get_context("spawn").Process(
        target=socket.getaddrinfo, args=("example.org", 80))
    spawned.start()
    spawned.join(60)
    seen["spawned_exitcode"] = spawned.exitcode
    seen["subprocess_rc"] = subprocess.run(
        [sys.executable, "-c", "import socket; socket.gethostbyname('example.net')"],
        capture_output=True, timeout=60, check=False).returncode

    if Path("/proc/self/fd").is_dir():  # a socket made by native code: no audit event
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(socket.AF_INET, socket.SOCK_DGRAM, 0)
        try:
            seen["native_socket_seen"] = fd >= 0 and any(
                s["fd"] == fd for s in _foreign_sockets())
        finally:
            if fd >= 0:
                os.close(fd)
    return seen


def _foreign_sockets() -> list[dict[str, Any]]:
    """The sockets this process holds that are not AF_UNIX, from /proc (Linux): sockets
    opened by native code (llama.cpp, Qt, MuPDF) included, which no audit event reports."""
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return []

    def inodes(table: str, column: int) -> set[str]:
        try:
            lines = Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]
        except OSError:
            return set()
        return {line.split()[column] for line in lines if len(line.split()) > column}

    unix = inodes("unix", 6)
    found = []
    for entry in fd_dir.iterdir():
        try:
            target = os.readlink(entry)
        except OSError:  # closed since the listing
            continue
        if target.startswith("socket:[") and target[8:-1] not in unix:
            inode = target[8:-1]
            tables = [t for t in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6", "netlink")
                      if inode in inodes(t, 9)]
            found.append({"fd": int(entry.name), "inode": inode, "tables": tables})
    return found


def _child_main(argv: list[str]) -> int:
    """`test_offline.py PHASE LLM MMPROJ INVOICE RESULT.json`: run the app and drive it."""
    import faulthandler

    phase, llm, mmproj, invoice, result_path = argv
    faulthandler.dump_traceback_later(CHILD_TIMEOUT_S - 20, exit=True)  # a hang: stacks
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bluelm_desktop import cli
    from bluelm_desktop.ui.app import application
    from bluelm_desktop.ui.main_window import MainWindow
    from bluelm_desktop.ui.self_test import record_slot_error, slot_errors

    sys.excepthook = record_slot_error  # Qt prints a slot's exception and carries on
    app = application([sys.argv[0]])  # the one `cli.main` → `ui.app.run` uses
    result: dict[str, Any] = {"phase": phase, "pid": os.getpid()}

    def drive() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:  # `run` has not shown it yet
            QTimer.singleShot(50, drive)
            return
        window = windows[0]
        try:
            session = _Session(window, Path(invoice), result)
            if phase == SESSION:
                _first_run(session, Path(llm), Path(mmproj))
            else:
                _after_restart(session)
        except BaseException:
            result["error"] = traceback.format_exc()
        finally:
            window.close()  # as the user does; `run` then shuts everything down
            app.quit()

    QTimer.singleShot(0, drive)
    result["exit_status"] = cli.main([])
    if slot_errors:
        result.setdefault("error", f"errors in slots: {slot_errors}")
    Path(result_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0 if result["exit_status"] == 0 and "error" not in result else 1


# --- static check: where network modules are imported ------------------------------------

# Network modules, by import name: the stdlib's clients and servers, the hub's stack
# (huggingface_hub on httpx2, which the installed 2.x uses instead of httpx), other
# HTTP clients, and Qt's network modules.
NETWORK_MODULES: Final = frozenset({
    "socket", "ssl", "http.client", "http.server", "urllib.request", "socketserver",
    "ftplib", "smtplib", "poplib", "imaplib", "nntplib", "telnetlib", "xmlrpc",
    "webbrowser", "huggingface_hub", "hf_xet", "httpx", "httpx2", "httpcore", "requests",
    "urllib3", "aiohttp", "websocket", "websockets", "PySide6.QtNetwork",
    "PySide6.QtWebSockets", "PySide6.QtWebEngineCore",
})
SCANNED: Final = ("bluelm_desktop", "model_convert")  # the app, and the converter it imports
# The download path. ui/model_download.py (the Download dialog and its thread) is on it
# too, but imports only `bluelm_desktop.core.models`, no network module, so it needs no
# entry here; that its code runs only when Download is clicked is what the session test
# checks.
NETWORK_ALLOWED: Final = frozenset({"bluelm_desktop/core/models/download.py",
                                    "bluelm_desktop/core/models/catalog.py",
                                    # the llama-server client, used only when one is set
                                    "bluelm_desktop/core/server/connection.py"})


# One window per data folder: a second start hands its files to the first over a local
# socket (a Unix domain socket, a named pipe on Windows). That file may import Qt's local
# socket classes and nothing else of Qt's network module.
LOCAL_SOCKETS_FILE: Final = "bluelm_desktop/ui/single_instance.py"
LOCAL_SOCKETS_ONLY: Final = frozenset({"PySide6.QtNetwork", "PySide6.QtNetwork.QLocalServer",
                                       "PySide6.QtNetwork.QLocalSocket"})


def _is_network(name: str) -> bool:
    return any(name == m or name.startswith(f"{m}.") for m in NETWORK_MODULES)


def _imported_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) for every import, `from X import Y` as X and X.Y, and for
    `importlib.import_module("...")` / `__import__("...")` with a literal name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id == "__import__")
                   or (isinstance(node.func, ast.Attribute)
                       and node.func.attr == "import_module"))):
            yield node.lineno, node.args[0].value


def test_network_imports_only_on_the_download_path() -> None:
    files = sorted(p for folder in SCANNED for p in (REPO / folder).rglob("*.py"))
    assert len(files) > 50, "the sources were not found"
    found: dict[str, list[str]] = {}
    for path in files:
        relative = path.relative_to(REPO).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        for line, name in _imported_names(tree):
            if _is_network(name):
                found.setdefault(relative, []).append(f"line {line}: {name}")
    local = found.pop(LOCAL_SOCKETS_FILE, [])
    assert {n.split(": ", 1)[1] for n in local} <= LOCAL_SOCKETS_ONLY, local
    outside = {f: names for f, names in found.items() if f not in NETWORK_ALLOWED}
    assert not outside, f"network modules imported outside the download path: {outside}"
    # The download code itself is found (a renamed file must not make this pass emptily).
    assert "bluelm_desktop/core/models/download.py" in found, found


# --- importing the app loads no network client ---------------------------------------------

# Run in a fresh interpreter: every `import X` statement is traced to the module that ran
# it. `ssl` IS loaded, by one chain only: every engine import goes through
# core/gguf/pairs.py → core/gguf/check.py, whose package `core/models/__init__.py`
# imports core/models/download.py eagerly, and download.py does `import ssl` at its top
# (for `isinstance` checks on TLS errors; no context is made, nothing is connected).
# Decision: loaded is not used — ssl is allowed, but only when download.py is the module
# that imports it, so any other importer (a new dependency, an HTTP client pulling it in)
# fails here; that nothing is *used* is what the audited session proves. The network
# clients themselves must not be loaded at all. (`socket` is loaded by the stdlib's
# multiprocessing, for passing file descriptors; it is the audited session's business.)
IMPORT_PROBE: Final = textwrap.dedent("""\
    import builtins, json, sys
    watched = set(json.loads(sys.argv[1])) | {"ssl"}
    importers = {}
    real_import = builtins.__import__
    def traced(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            for full in [name, *(f"{name}.{f}" for f in fromlist or ())]:
                if any(full == w or full.startswith(f"{w}.") for w in watched):
                    importer = (globals or {}).get("__name__", "?")
                    importers.setdefault(full, set()).add(importer)
        return real_import(name, globals, locals, fromlist, level)
    builtins.__import__ = traced
    import bluelm_desktop.cli, bluelm_desktop.ui.app, bluelm_desktop.ui.main_window
    print(json.dumps({"loaded": sorted(m for m in watched if m in sys.modules),
                      "importers": {k: sorted(v) for k, v in importers.items()}}))
""")
SSL_IMPORTERS: Final = {"bluelm_desktop.core.models.download"}


def test_importing_the_app_loads_no_network_client(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")  # the app's window (not in the headless run)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "BLUELM_DATA_DIR": str(tmp_path / "data"),
           "BLUELM_SETTINGS": str(tmp_path / "settings.toml")}
    done = subprocess.run([sys.executable, "-c", IMPORT_PROBE, json.dumps(NETWORK_CLIENTS)],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    clients = [m for m in report["loaded"] if m != "ssl"]
    assert clients == [], f"importing the app loads {clients}: {report['importers']}"
    ssl_importers = set(report["importers"].get("ssl", []))
    assert ssl_importers <= SSL_IMPORTERS, f"ssl imported by {ssl_importers - SSL_IMPORTERS}"


if __name__ == "__main__":  # the session child (see _child_main)
    sys.exit(_child_main(sys.argv[1:]))
