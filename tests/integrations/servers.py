"""Run an app under its real server on 127.0.0.1, in a thread, bounded in time.

``uvicorn_server(app)`` (ASGI) and ``werkzeug_server(app)`` (WSGI) are context
managers that yield the base URL once the server accepts connections, and
stop the server when the block ends (uvicorn runs the lifespan shutdown).
Every wait has a timeout, so a test can fail but never hang.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

START_TIMEOUT = 10.0
STOP_TIMEOUT = 15.0


def _wait_for(ready: Any, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if time.monotonic() > deadline:
            msg = f"{what} did not start within {START_TIMEOUT} s"
            raise TimeoutError(msg)
        time.sleep(0.01)


@contextmanager
def uvicorn_server(app: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn (lifespan on) on a free local port."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    # log_config=None: uvicorn's records reach the root logger (and caplog).
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    try:
        _wait_for(lambda: server.started or not thread.is_alive(), "uvicorn")
        assert thread.is_alive(), "uvicorn stopped while starting"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


@contextmanager
def werkzeug_server(app: Any) -> Iterator[str]:
    """Serve the WSGI ``app`` with werkzeug's threaded server on a free local port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_TIMEOUT)
    assert not thread.is_alive(), "werkzeug's server did not stop"
