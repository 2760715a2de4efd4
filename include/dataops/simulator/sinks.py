"""Where batches land: an S3 bucket (boto3 client passed in) or a local directory with the same layout."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol


class Sink(Protocol):
    """Minimal object store: put, delete and list keys."""

    def put(self, key: str, data: bytes) -> None: ...

    def delete(self, key: str) -> None: ...

    def list_keys(self, prefix: str) -> list[str]: ...

    def describe(self) -> str: ...


def resolve_endpoint(endpoint_url: str | None = None) -> str | None:
    """The S3 endpoint: the argument, else ``AWS_ENDPOINT_URL``, else ``DATAOPS_S3_ENDPOINT_URL``, else AWS."""
    if endpoint_url:
        return endpoint_url
    from dataops import settings

    return os.environ.get("AWS_ENDPOINT_URL") or settings.get("DATAOPS_S3_ENDPOINT_URL")


def make_s3_client(endpoint_url: str | None = None) -> Any:
    """A boto3 S3 client for the resolved endpoint; credentials come from the standard AWS variables.

    :param endpoint_url: explicit endpoint (overrides the environment).
    """
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client("s3", endpoint_url=resolve_endpoint(endpoint_url), region_name=region)


class S3Sink:
    """Objects in an S3 bucket, created on first use when missing.

    :param client: boto3 S3 client.
    :param bucket: bucket name.
    :param create_bucket: create the bucket if it does not exist.
    """

    def __init__(self, client: Any, bucket: str, create_bucket: bool = True) -> None:
        self.client = client
        self.bucket = bucket
        if create_bucket:
            self.ensure_bucket()

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code not in {"404", "NoSuchBucket", "NotFound"}:
                raise
        region = self.client.meta.region_name
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if region and region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.client.create_bucket(**kwargs)

    def put(self, key: str, data: bytes) -> None:
        content_type = "application/json" if key.endswith(".json") else "application/gzip"
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def describe(self) -> str:
        return f"s3://{self.bucket}"


class LocalDirSink:
    """Files under a local directory, keys as relative paths (writes are atomic renames).

    :param root: directory (created when missing).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        folder = base if prefix.endswith("/") else base.parent
        if not folder.is_dir():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix))

    def describe(self) -> str:
        return str(self.root)
