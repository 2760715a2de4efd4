"""Run ``python -m dataops.devstack.s3_server`` as a real process on a free port (test helper)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
from botocore.config import Config

from dataops.devstack import processes
from dataops.devstack.smtp_sink import free_port

REPO = Path(__file__).resolve().parents[3]


def client(endpoint: str):
    """A boto3 client configured like the project's (endpoint URL, any key pair)."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local-access-key",
                        aws_secret_access_key="local-secret-key", config=Config(retries={"max_attempts": 1}))


class S3Process:
    """The durable S3 endpoint serving ``folder``; the same port across restarts.

    :param folder: the server's ``--dir``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.log = folder.parent / f"{folder.name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> S3Process:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "include"), os.environ.get("PYTHONPATH", "")])}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dataops.devstack.s3_server", "--port", str(self.port), "--dir", str(self.folder)],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        try:
            processes.wait_for_port(self.port, 30, "s3_server", self.log)
        except TimeoutError:
            self.stop(signal.SIGKILL)
            raise
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the process to end; return its exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=20)
        self.proc = None
        return code

    def restart(self, sig: int = signal.SIGTERM) -> S3Process:
        self.stop(sig)
        return self.start()

    def client(self):
        return client(self.endpoint)
