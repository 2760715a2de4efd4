"""Where the plugin app reads the reports that gate runs write: the local folder, or an S3 bucket.

A gate run writes its Data Docs pages and its gate result into the local reports folder
(``DATAOPS_REPORTS_DIR``) of the worker that ran it. On the embedded stack every component shares that folder,
so the app serves it directly (:class:`FolderReportsStore`). In production the tasks run on several workers and
the API server runs elsewhere: with ``DATAOPS_REPORTS_BUCKET`` set, each gate run publishes the files it wrote
to that bucket (:meth:`S3ReportsStore.publish`) and the app reads them from there, so any worker's report is
reachable. Both stores take the same relative path (what follows ``/dataops/reports/``) and refuse one that
would leave the store.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import unquote

from dataops import settings
from dataops.weblinks import ReportNotFound, reports_dir, resolve_report_file

#: The key prefix of the reports in their bucket (the bucket may hold other things).
S3_PREFIX = "reports/"


class ReportsStore(Protocol):
    """Reads one report file by its path relative to the reports root."""

    def read(self, relative: str) -> bytes:
        """The file's bytes; :class:`~dataops.weblinks.ReportNotFound` when absent or not allowed."""
        ...


def safe_relative(relative: str) -> str:
    """``relative`` as a clean POSIX path inside the store, or :class:`ReportNotFound`.

    :param relative: the path after ``/dataops/reports/`` (decoded once more, so ``%252e%252e`` is judged too).
    """
    text = unquote(relative)
    parts = PurePosixPath(text).parts
    if not text or "\x00" in text or "\\" in text or text.startswith("/") or ".." in parts:
        raise ReportNotFound(f"not a path inside the reports store: {relative!r}")
    return PurePosixPath(*parts).as_posix()


class FolderReportsStore:
    """The reports folder itself (the embedded stack: one machine, one folder).

    :param folder: the reports folder (default ``DATAOPS_REPORTS_DIR`` at each read).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    def read(self, relative: str) -> bytes:
        return resolve_report_file(relative, self.folder or reports_dir()).read_bytes()


class S3ReportsStore:
    """Reports published to ``s3://<bucket>/reports/`` (production: any worker's report, one place).

    :param s3_client: a boto3 S3 client (endpoint and credentials are the caller's business).
    :param bucket: the reports bucket (``DATAOPS_REPORTS_BUCKET``).
    """

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self.s3 = s3_client
        self.bucket = bucket

    def key(self, relative: str) -> str:
        """The object key of a report file."""
        return S3_PREFIX + safe_relative(relative)

    def read(self, relative: str) -> bytes:
        from botocore.exceptions import ClientError

        key = self.key(relative)
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise ReportNotFound(f"no report file {relative!r}") from exc
            raise

    def publish(self, folder: Path, since: float) -> list[str]:
        """Upload the files of ``folder`` written at or after ``since`` (what one gate run wrote).

        A retry of the run writes and uploads the same keys again: publishing is idempotent.

        :param folder: the local reports folder the run wrote into.
        :param since: the run's start (``time.time()``); files older than that are already published.
        :returns: the relative paths uploaded.
        """
        from dataops.registry.artifacts import ArtifactStore  # not at import: the app must load without numpy

        ArtifactStore(self.s3, self.bucket).ensure_bucket()
        uploaded = []
        for path, relative in changed_files(folder, since):
            self.s3.put_object(Bucket=self.bucket, Key=self.key(relative), Body=path.read_bytes(),
                               ContentType=media_type(relative))
            uploaded.append(relative)
        return uploaded


def media_type(relative: str) -> str:
    """The Content-Type a report file is served with (``application/octet-stream`` when unknown)."""
    return mimetypes.guess_type(relative)[0] or "application/octet-stream"


def changed_files(folder: Path, since: float) -> Iterator[tuple[Path, str]]:
    """Regular files under ``folder`` modified at or after ``since``, with their relative POSIX paths
    (symbolic links are not followed: nothing outside the folder is published)."""
    root = folder.resolve()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if not path.is_symlink() and path.stat().st_mtime >= since:
                yield path, path.relative_to(root).as_posix()


def reports_bucket() -> str | None:
    """``DATAOPS_REPORTS_BUCKET``: the bucket reports are published to; None on the embedded stack."""
    return settings.get("DATAOPS_REPORTS_BUCKET") or None


def open_reports_store(s3_client_factory: Any) -> ReportsStore:
    """The store the app reads from: the bucket when ``DATAOPS_REPORTS_BUCKET`` is set, else the folder.

    :param s3_client_factory: called with no argument for a boto3 S3 client (only when a bucket is set).
    """
    bucket = reports_bucket()
    return S3ReportsStore(s3_client_factory(), bucket) if bucket else FolderReportsStore()
