"""Model artifacts in S3: version-scoped keys, SHA-256 on write, verification on read."""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

from dataops import settings
from dataops.identifiers import checked_name
from dataops.registry.errors import ArtifactIntegrityError
from dataops.textsafe import printable

DEFAULT_BUCKET = "models"

CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
}


def artifact_bucket(bucket: str | None = None) -> str:
    """The artifact bucket: the argument, else env ``DATAOPS_ARTIFACT_BUCKET``, else ``models``."""
    return settings.artifact_bucket(bucket)


def version_prefix(model_name: str, version: str) -> str:
    """The S3 key prefix of one model version: ``models/<model_name>/<version>/`` (both plain names)."""
    return f"models/{checked_name(model_name, 'model')}/{checked_version(version)}/"


def checked_version(version: str) -> str:
    """A version as the registry allocates it (``v<N>``), else ValueError naming it."""
    if not isinstance(version, str) or not re.fullmatch(r"v[0-9]{1,9}", version):
        raise ValueError(f"model version {printable(version, 40)!r} is not v<number>")
    return version


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def content_type(name: str) -> str:
    """A Content-Type for an artifact file name (``application/octet-stream`` if unknown)."""
    return CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


class ArtifactStore:
    """Thin wrapper over a boto3 S3 client for one bucket.

    :param s3_client: a boto3 S3 client (endpoint and credentials are the caller's business).
    :param bucket: bucket name; see :func:`artifact_bucket`.
    """

    def __init__(self, s3_client: Any, bucket: str | None = None) -> None:
        self.s3 = s3_client
        self.bucket = artifact_bucket(bucket)

    def uri(self, key: str) -> str:
        """``s3://bucket/key``."""
        return f"s3://{self.bucket}/{key}"

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist."""
        from botocore.exceptions import ClientError

        try:
            self.s3.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            self.s3.create_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes) -> tuple[str, int]:
        """Write ``data`` under ``key``; return its SHA-256 and size.

        :param key: object key.
        :param data: object content.
        """
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type(key))
        return sha256_hex(data), len(data)

    def get(self, key: str) -> bytes:
        """Read an object.

        :raises ArtifactIntegrityError: the object does not exist.
        """
        from botocore.exceptions import ClientError

        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise ArtifactIntegrityError(f"artifact {self.uri(key)} is missing from object storage") from exc
            raise

    def get_verified(self, key: str, name: str, expected_sha256: str, expected_size: int | None = None) -> bytes:
        """Read an object and check it against the SHA-256 recorded in the registry.

        :param key: object key.
        :param name: artifact file name, used in the error message.
        :param expected_sha256: the hash recorded at registration.
        :param expected_size: the size recorded at registration (reported on mismatch).
        :raises ArtifactIntegrityError: missing, tampered or truncated object (names the file and both hashes).
        """
        data = self.get(key)
        actual = sha256_hex(data)
        if actual != expected_sha256:
            size_note = ""
            if expected_size is not None:
                size_note = f"; size recorded {expected_size} bytes, found {len(data)} bytes"
            raise ArtifactIntegrityError(
                f"artifact {name!r} ({self.uri(key)}) failed integrity check: registry sha256={expected_sha256}, "
                f"object sha256={actual}{size_note}. Refusing to load a tampered or truncated artifact."
            )
        return data
