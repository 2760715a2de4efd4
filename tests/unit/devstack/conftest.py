"""Fixtures for the embedded stack's durable S3 endpoint."""

from __future__ import annotations

import signal

import pytest

from tests.unit.devstack.s3_process import S3Process


@pytest.fixture
def s3_process(tmp_path):
    """A started ``dataops.devstack.s3_server`` keeping its objects in ``<tmp_path>/s3``."""
    server = S3Process(tmp_path / "s3").start()
    yield server
    if server.proc is not None:
        server.stop(signal.SIGKILL)
