"""A real S3 API (moto's server, in this process) on 127.0.0.1 that can be stopped and started again on the
same port: the outage of the S3 endpoint the outage cases and tests need.

moto keeps its buckets in the process, not in the server thread: a restarted server serves the objects landed
before the outage (what a real S3 endpoint coming back does; nothing is landed again).
"""

from __future__ import annotations

import logging
from typing import Any

from dataops.devstack.smtp_sink import free_port


class RestartableS3:
    """moto's S3 server on ``127.0.0.1:<port>``; :meth:`stop` and :meth:`start` keep the port and the objects.

    :param port: the TCP port (0: a free one, kept for every restart).
    """

    def __init__(self, *, port: int = 0) -> None:
        self.port = port or free_port()
        self._server: Any = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> RestartableS3:
        """Start serving (again); a no-op while running."""
        from moto.server import ThreadedMotoServer

        if self._server is None:
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
            self._server.start()
            self.starts += 1
        return self

    def stop(self) -> None:
        """Stop serving: connections to the port are refused until :meth:`start`."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self) -> Any:
        """A boto3 S3 client of this endpoint, botocore's own retries off (the ingest's retries count alone)."""
        import boto3

        from dataops.ingest.s3_retry import single_attempt_config

        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="outage",
                            aws_secret_access_key="outage", config=single_attempt_config())

    def __enter__(self) -> RestartableS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
