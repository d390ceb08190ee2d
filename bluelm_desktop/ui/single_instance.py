"""One window per data folder: a second start hands its files to the window already open.

The first start listens on a local socket (`QLocalServer`: a Unix domain socket in the
temporary folder, a named pipe on Windows) whose name is derived from the user and the
data folder, so two data folders (or two users) never meet. A later start with the same
data folder connects, sends the absolute paths of its files as one JSON line, waits for
the "ok" that says the running window took them, and exits 0; the running window raises
itself and attaches the files as if they had been dropped on it.

Local sockets only: nothing here opens a network connection. The check and the listen
run under a lock file, so two starts at the same moment cannot both become the first.
A crash leaves the socket file behind; nobody answers on it, so `claim` removes it
(`QLocalServer.removeServer`) and listens afresh.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from PySide6.QtCore import QDir, QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from bluelm_desktop.core.errors import BlueLMError

NAME_PREFIX: Final = "bluelm-desktop"
PROTOCOL: Final = 1
REPLY_OK: Final = b"ok\n"
CONNECT_TIMEOUT_MS: Final = 2_000
REPLY_TIMEOUT_MS: Final = 10_000  # the running window may be busy painting a large page
LOCK_TIMEOUT_MS: Final = 10_000
MAX_MESSAGE_BYTES: Final = 1 << 20  # far above any command line; a runaway client is cut


def server_name(data_dir: Path) -> str:
    """The local socket's name for this user and data folder (same folder, same name)."""
    if hasattr(os, "getuid"):  # POSIX: the user id, whatever $USER says
        user = str(os.getuid())
    else:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "user"  # the pipe is made for this user only all the same
    folder = os.path.normcase(str(Path(data_dir).resolve()))
    digest = hashlib.sha256(f"{user}\0{folder}".encode()).hexdigest()[:20]
    return f"{NAME_PREFIX}-{digest}"


class InstanceServer(QObject):
    """The running app's end: emits `files_received` for every later start."""

    files_received = Signal(list)  # list[Path]: absolute paths, possibly empty

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        # Only this user may connect (the socket file is made 0700 on Unix).
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._buffers: dict[QLocalSocket, bytearray] = {}

    def listen(self) -> None:
        """Listen on `name`. A socket file that nobody answers on (left by a crashed run:
        `claim` tried it first) is removed, and the listen tried once more."""
        if self._server.listen(self.name):
            return
        if self._server.serverError() == QLocalSocket.LocalSocketError.AddressInUseError:
            QLocalServer.removeServer(self.name)
            if self._server.listen(self.name):
                return
        raise BlueLMError(f"cannot listen on the local socket {self.name}: "
                          f"{self._server.errorString()}")

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        """Stop listening and remove the socket; idempotent."""
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        self._server.close()

    @Slot()
    def _on_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._on_ready_read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += socket.readAll().data()
        if b"\n" not in buffer:
            if len(buffer) > MAX_MESSAGE_BYTES:
                socket.abort()
            return
        line = bytes(buffer.split(b"\n", 1)[0])
        buffer.clear()
        files = _parse(line)
        if files is None:  # not ours, or garbled: no answer, so the sender says so
            socket.abort()
            return
        socket.write(REPLY_OK)
        socket.flush()
        socket.disconnectFromServer()
        self.files_received.emit(files)


def _parse(line: bytes) -> list[Path] | None:
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(message, dict) or message.get("protocol") != PROTOCOL:
        return None
    files = message.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return [Path(f) for f in files]


def send_files(name: str, files: Sequence[Path]) -> bool:
    """Hand `files` to the app listening on `name`; False if none listens there.

    Raises `BlueLMError` when one is there but does not take them (hung, or another
    version speaking another protocol)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False  # no socket, or one left by a crash that nobody listens on
    message = {"protocol": PROTOCOL, "files": [str(Path(f).absolute()) for f in files]}
    socket.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
    reply = bytearray()
    ok = socket.waitForBytesWritten(REPLY_TIMEOUT_MS)
    while ok and b"\n" not in reply:
        if socket.bytesAvailable() == 0 and not socket.waitForReadyRead(REPLY_TIMEOUT_MS):
            break
        reply += socket.readAll().data()
    socket.abort()
    if bytes(reply) != REPLY_OK:
        raise BlueLMError(
            "BlueLM Desktop is already running with this data folder but did not take the "
            "files; close it (or end it) and start again"
        )
    return True


def claim(data_dir: Path, files: Sequence[Path] = ()) -> InstanceServer | None:
    """Become the app for `data_dir`, or hand `files` to the one already running.

    Returns the listening server (keep it, and close it at exit), or None when a running
    app took the files (this process should exit 0). Raises `BlueLMError` when the app is
    running but does not answer, or when the socket cannot be made.
    """
    name = server_name(data_dir)
    lock = QLockFile(QDir(QDir.tempPath()).filePath(f"{name}.lock"))
    if not lock.tryLock(LOCK_TIMEOUT_MS):
        raise BlueLMError(f"another start of BlueLM Desktop holds {lock.fileName()}; "
                          "try again in a moment")
    try:
        if send_files(name, files):
            return None
        server = InstanceServer(name)
        server.listen()
        return server
    finally:
        lock.unlock()
