"""A local SMTP server that stores every message it receives as an ``.eml`` file.

Used by the embedded stack (``make up`` / ``make demo``) and by the tests, which read the files back to
assert what the analysts would have received.
"""

from __future__ import annotations

import argparse
import itertools
import signal
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class MaildirHandler:
    """aiosmtpd handler: write each DATA payload to ``<folder>/<timestamp>-<n>.eml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count()
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        with self._lock:
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{next(self._counter):05d}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on 127.0.0.1 that saves messages to a folder.

    :param folder: where ``.eml`` files are written.
    :param port: TCP port; 0 picks a free one (read it back from :attr:`port` after :meth:`start`).
    """

    def __init__(self, folder: str | Path, port: int = 0, host: str = "127.0.0.1") -> None:
        self.folder = Path(folder)
        self.host = host
        self._requested_port = port
        self._controller: Controller | None = None

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("MailSink is not started")
        return self._controller.server.sockets[0].getsockname()[1]

    def start(self) -> MailSink:
        # aiosmtpd probes its own port after starting, so port 0 must be resolved to a real free port first.
        port = self._requested_port or free_port(self.host)
        self._controller = Controller(MaildirHandler(self.folder), hostname=self.host, port=port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        """Parse every stored message, oldest first."""
        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(self.folder.glob("*.eml"))
        ]

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local SMTP sink that stores messages as .eml files")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", required=True, help="folder for the .eml files")
    args = parser.parse_args(argv)
    sink = MailSink(args.dir, port=args.port).start()
    print(f"SMTP sink on 127.0.0.1:{sink.port}, writing to {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    sink.stop()


if __name__ == "__main__":
    main()
