"""llama.cpp's own `llama-server` as the engine: one machine's GPU box, or many servers.

Beside the in-process engine and behind the same client: `ServerEngine` has `Engine`'s
requests and events, `ServerClient` is an `EngineClient` over it, so `ask`, `batch` and
the window drive a server exactly as they drive the local model. The package:
`connection` (one server over HTTP: checks, errors, a streamed answer — the only network
code besides the model download), `request` (a page as chat content parts, sampling as
request fields), `engine` (the engine's shape), `pages` (how pages are planned for a
server), `keys` (where the window keeps a server's API key: its own 0600 file). No
home-made server: the other end is llama.cpp's (README, "Many machines").
"""

from __future__ import annotations

from bluelm_desktop.core.server.connection import (
    AnswerStream,
    ServerConfig,
    ServerConnection,
    ServerError,
    ServerInfo,
    ServerTokenCounter,
    ServerUnavailable,
    check_server,
    no_vision,
)
from bluelm_desktop.core.server.engine import ServerClient, ServerEngine, ServerLost
from bluelm_desktop.core.server.pages import server_tiling

__all__ = [
    "AnswerStream",
    "ServerClient",
    "ServerConfig",
    "ServerConnection",
    "ServerEngine",
    "ServerError",
    "ServerInfo",
    "ServerLost",
    "ServerTokenCounter",
    "ServerUnavailable",
    "check_server",
    "no_vision",
    "server_tiling",
]
