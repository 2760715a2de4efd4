"""The on-disk form of the embedded S3 endpoint's buckets and objects (written by ``s3_server``).

Layout under the state folder (``.local/s3``)::

    buckets/<bucket>.json          one record per bucket (name, account, region, creation date)
    objects/<bucket>/<key>         the object's bytes; a ``/`` in the key is a folder
    meta/<bucket>/<key>            a JSON record: the exact key, ETag, MD5, size, last-modified,
                                   Content-Type and user metadata (same relative path as the bytes)
    tmp/                           files being written; each is moved into place with ``os.replace``

Key segments are stored as they are, except that ``%``, ``\\`` and control characters are percent-escaped
and the segments ``""``, ``.`` and ``..`` become ``%``, ``%2E`` and ``%2E%2E``: no key can name a path
outside its bucket folder (``../x``, ``/x``, ``a//b`` are stored inside it). The meta record holds the
real key, so nothing is decoded from file names.

A write replaces the bytes first and the meta record last; a delete removes the meta record first. The meta
record is the commit: an object exists on disk when its meta record does.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_SEGMENT_BYTES = 255
_SPECIAL_SEGMENTS = {"": "%", ".": "%2E", "..": "%2E%2E"}


def encode_segment(segment: str) -> str:
    """A file-system-safe, reversible name for one ``/``-separated piece of a key or a bucket name."""
    if segment in _SPECIAL_SEGMENTS:
        return _SPECIAL_SEGMENTS[segment]
    return "".join(_escape(ch) for ch in segment)


def _escape(ch: str) -> str:
    if ch in "%\\" or ord(ch) < 32 or ord(ch) == 127:
        return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8"))
    return ch


class KeyNotStorable(ValueError):
    """The key cannot be stored as a file next to the objects already on disk."""


class DiskStore:
    """Atomic reads and writes of bucket and object records under ``root``.

    :param root: the state folder (created if missing).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        for sub in ("buckets", "objects", "meta", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for leftover in (self.root / "tmp").iterdir():  # an interrupted write: never committed
            leftover.unlink()

    # -- paths -----------------------------------------------------------------------------------------------
    def _bucket_record(self, bucket: str) -> Path:
        return self.root / "buckets" / f"{encode_segment(bucket)}.json"

    def _relative(self, bucket: str, key: str) -> Path:
        parts = [encode_segment(bucket)] + [encode_segment(s) for s in key.split("/")]
        too_long = [p for p in parts if len(p.encode("utf-8")) > MAX_SEGMENT_BYTES]
        if too_long:
            raise KeyNotStorable(f"key {key!r}: a '/'-separated part longer than {MAX_SEGMENT_BYTES} bytes "
                                 "cannot be stored as a file name")
        return Path(*parts)

    def object_paths(self, bucket: str, key: str) -> tuple[Path, Path]:
        """(bytes file, meta record) of an object."""
        rel = self._relative(bucket, key)
        return self.root / "objects" / rel, self.root / "meta" / rel

    def check_storable(self, bucket: str, key: str) -> None:
        """Raise :class:`KeyNotStorable` if writing ``key`` would clash with what is on disk.

        A key cannot be both an object and a folder (``a`` and ``a/b``), and on a case-insensitive file system
        ``A`` and ``a`` would share a file: such writes are refused before they are acknowledged.
        """
        data, meta = self.object_paths(bucket, key)
        bucket_dir = self.root / "objects" / encode_segment(bucket)
        for parent in data.parents:
            if parent == bucket_dir:
                break
            if parent.exists() and not parent.is_dir():
                raise KeyNotStorable(f"key {key!r}: {parent.relative_to(bucket_dir)} is an object here, so it "
                                     "cannot also be a folder (the local S3 endpoint stores keys as files)")
        if data.is_dir():
            raise KeyNotStorable(f"key {key!r} is a folder of other keys here, so it cannot also be an object "
                                 "(the local S3 endpoint stores keys as files)")
        if meta.is_file() and json.loads(meta.read_text())["key"] != key:
            raise KeyNotStorable(f"key {key!r} shares a file with another key on this (case-insensitive?) "
                                 "file system")

    # -- writes ----------------------------------------------------------------------------------------------
    def _atomic_write(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_bucket(self, record: dict[str, Any]) -> None:
        """Record a bucket (``record["name"]`` names it)."""
        (self.root / "objects" / encode_segment(record["name"])).mkdir(exist_ok=True)
        self._atomic_write(self._bucket_record(record["name"]), json.dumps(record, indent=1).encode())

    def remove_bucket(self, bucket: str) -> None:
        """Forget a bucket and everything under it."""
        self._bucket_record(bucket).unlink(missing_ok=True)
        for tree in ("meta", "objects"):
            shutil.rmtree(self.root / tree / encode_segment(bucket), ignore_errors=True)

    def write_object(self, bucket: str, key: str, data: bytes, record: dict[str, Any]) -> None:
        """Store an object's bytes, then its meta record (``record["key"]`` must be ``key``)."""
        data_path, meta_path = self.object_paths(bucket, key)
        self._atomic_write(data_path, data)
        self._atomic_write(meta_path, json.dumps(record, indent=1, sort_keys=True).encode())

    def remove_object(self, bucket: str, key: str) -> None:
        """Delete an object's meta record, then its bytes, then folders left empty."""
        try:
            data_path, meta_path = self.object_paths(bucket, key)
        except KeyNotStorable:
            return  # never stored
        for tree, path in (("meta", meta_path), ("objects", data_path)):
            if path.is_file():
                path.unlink()
            self._prune(path.parent, self.root / tree / encode_segment(bucket))

    @staticmethod
    def _prune(folder: Path, stop: Path) -> None:
        while folder != stop and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

    # -- reads -----------------------------------------------------------------------------------------------
    def buckets(self) -> list[dict[str, Any]]:
        """Every bucket record."""
        return [json.loads(p.read_text()) for p in sorted((self.root / "buckets").glob("*.json"))]

    def objects(self, bucket: str) -> Iterator[tuple[dict[str, Any], Path]]:
        """(meta record, bytes file) of every committed object of ``bucket``."""
        meta_root = self.root / "meta" / encode_segment(bucket)
        data_root = self.root / "objects" / encode_segment(bucket)
        for meta_path in sorted(p for p in meta_root.rglob("*") if p.is_file()):
            data_path = data_root / meta_path.relative_to(meta_root)
            if data_path.is_file():
                yield json.loads(meta_path.read_text()), data_path
