"""The REST client waits out an API server that restarts (the end-to-end tests crash the embedded stack)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from dataops.devstack.airflow_api import AirflowApi


class _Api(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self._answer({"access_token": "token"})

    def do_GET(self) -> None:  # noqa: N802
        self._answer({"status": "healthy", "auth": self.headers.get("Authorization")})

    def _answer(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_call_made_while_the_server_is_down_is_answered_once_it_is_back():
    port = _free_port()
    servers: list[ThreadingHTTPServer] = []

    def come_back() -> None:  # nothing listens on the port until then: connection refused
        servers.append(ThreadingHTTPServer(("127.0.0.1", port), _Api))
        servers[0].serve_forever()

    threading.Timer(1.5, come_back).start()
    api = AirflowApi(f"http://127.0.0.1:{port}", "admin", "pw", timeout=5, unavailable_for=30)
    t0 = time.monotonic()
    try:
        answer = api.health()
    finally:
        api.close()
        for server in servers:
            server.shutdown()
            server.server_close()
    assert answer == {"status": "healthy", "auth": "Bearer token"}
    assert time.monotonic() - t0 >= 1.4  # it was refused first, then waited


def test_a_server_that_stays_down_fails_with_the_connection_error_after_the_wait():
    api = AirflowApi(f"http://127.0.0.1:{_free_port()}", "admin", "pw", timeout=2, unavailable_for=1.0)
    t0 = time.monotonic()
    with pytest.raises(httpx.ConnectError):
        api.health()
    api.close()
    assert 1.0 <= time.monotonic() - t0 < 10
