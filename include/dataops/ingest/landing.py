"""The landing bucket as the upstream system fills it: date partitions, part files, a manifest written last."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from dataops.ingest.errors import BatchNotLanded, ManifestInvalid
from dataops.ingest.s3_retry import read_object, with_s3_retries

QUARANTINE_PREFIX = "quarantine"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=-]")


def local_name(key: str) -> str:
    """The file name a part is downloaded to: the key's safe characters (``/`` as ``__``, at most 100, so an
    operator and the chaos tests recognise the part) and a hash of the whole key (never a path made of it)."""
    readable = _UNSAFE.sub("_", key.replace("/", "__"))[:100]
    return f"{readable}__{hashlib.sha256(key.encode()).hexdigest()[:16]}.csv.gz"


def partition_prefix(prefix: str, batch_date: str) -> str:
    return f"{prefix}/batch_date={batch_date}"


def manifest_key(prefix: str, batch_date: str) -> str:
    return f"{partition_prefix(prefix, batch_date)}/_manifest.json"


@dataclass(frozen=True)
class Part:
    key: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """The upstream system's manifest of one batch."""

    key: str
    parts: tuple[Part, ...]

    @property
    def fingerprint(self) -> str:
        """A checksum of the whole delivery: the same files with the same content give the same value."""
        text = "\n".join(sorted(f"{p.key}:{p.sha256}" for p in self.parts))
        return hashlib.sha256(text.encode()).hexdigest()


class ManifestOutsidePartition(ManifestInvalid):
    """A manifest lists a part outside the batch's own date partition (another date, another prefix, ``..``).

    The loader only ever reads ``<prefix>/batch_date=<date>/<file>``: a manifest cannot point it elsewhere.
    """


def check_part_key(key: str, prefix: str, batch_date: str) -> None:
    """Raise :class:`ManifestOutsidePartition` unless ``key`` names a file inside the batch's partition.

    :param key: a part key as listed in the manifest.
    :param prefix: the source's prefix in the landing bucket.
    :param batch_date: ``YYYY-MM-DD``.
    """
    partition = partition_prefix(prefix, batch_date) + "/"
    name = key[len(partition):] if isinstance(key, str) and key.startswith(partition) else ""
    clean = bool(name) and "\\" not in key and not _CONTROL.search(key) and posixpath.normpath(key) == key
    if not clean or ".." in name.split("/") or name == "_manifest.json":
        raise ManifestOutsidePartition(
            f"manifest {manifest_key(prefix, batch_date)} lists part {key!r} outside its own partition: "
            f"every part must be a file under {partition} (no other date, prefix, '..', absolute key or control "
            "character); "
            "nothing of this batch was loaded")


def batch_landed(s3, bucket: str, prefix: str, batch_date: str) -> bool:
    """True once the batch's manifest exists (the sensor pokes this).

    :raises ServiceUnreachable: the endpoint did not answer (:func:`~dataops.ingest.s3_retry.with_s3_retries`).
    """
    try:
        with_s3_retries(s3).head_object(Bucket=bucket, Key=manifest_key(prefix, batch_date))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def read_manifest(s3, bucket: str, prefix: str, batch_date: str) -> Manifest:
    """The batch's manifest, every part checked to lie inside the batch's own date partition.

    :raises BatchNotLanded: no manifest yet.
    :raises ManifestInvalid: the manifest is malformed (see :func:`parse_manifest`).
    :raises ManifestOutsidePartition: a part key points outside ``<prefix>/batch_date=<date>/``.
    """
    key = manifest_key(prefix, batch_date)
    try:
        raw = read_object(s3, bucket=bucket, key=key)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise BatchNotLanded(f"s3://{bucket}/{key} does not exist: the batch has not landed (yet)") from err
        raise
    return parse_manifest(raw, key, prefix, batch_date)


def _part(entry: object, number: int, key: str) -> Part:
    """One manifest entry, checked: ``key`` a string, ``rows`` a count, ``sha256`` 64 lowercase hex digits."""
    fields = entry if isinstance(entry, dict) else {}
    rows, sha = fields.get("rows"), fields.get("sha256")
    if not isinstance(fields.get("key"), str) or not isinstance(rows, int) or isinstance(rows, bool) or rows < 0 \
            or not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise ManifestInvalid(f"manifest {key}: part {number} is not {{key: text, rows: count, sha256: 64 hex "
                              f"digits}}: {str(entry)[:200]!r}; nothing of this batch was loaded")
    return Part(key=fields["key"], rows=rows, sha256=sha)


def parse_manifest(body: bytes, key: str, prefix: str, batch_date: str) -> Manifest:
    """The manifest in ``body``, every entry checked, every part inside the batch's partition and listed once.

    :param body: the manifest's bytes.
    :param key: its key (named in the errors).
    :param prefix: the source's prefix in the landing bucket.
    :param batch_date: ``YYYY-MM-DD``.
    :raises ManifestInvalid: not a JSON object with a list ``parts``, a malformed entry, a part listed twice.
    :raises ManifestOutsidePartition: a part key points outside ``<prefix>/batch_date=<date>/``.
    """
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ManifestInvalid(f"manifest {key} is not valid JSON ({err}); nothing of this batch was loaded") from err
    entries = raw.get("parts") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ManifestInvalid(f"manifest {key} has no list of parts; nothing of this batch was loaded")
    parts = tuple(_part(entry, number, key) for number, entry in enumerate(entries, start=1))
    seen: set[str] = set()
    for part in parts:
        check_part_key(part.key, prefix, batch_date)
        if part.key in seen:
            raise ManifestInvalid(f"manifest {key} lists part {part.key} twice; nothing of this batch was loaded")
        seen.add(part.key)
    return Manifest(key=key, parts=parts)


def download(s3, bucket: str, key: str, folder: Path) -> tuple[Path, str]:
    """Fetch ``key`` (from landing, or from the quarantine prefix if an earlier run moved it there).

    :returns: the local path and the SHA-256 of its bytes.
    """
    local = folder / local_name(key)
    for candidate in (key, f"{QUARANTINE_PREFIX}/{key}"):
        try:
            s3.download_file(bucket, candidate, str(local))
            break
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
    else:
        raise ManifestInvalid(f"s3://{bucket}/{key} is listed in the manifest but is not in the bucket; nothing of "
                              "this batch was loaded")
    digest = hashlib.sha256()
    with open(local, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return local, digest.hexdigest()


def move_to_quarantine(s3, bucket: str, key: str) -> str:
    """Move a rejected file under ``quarantine/`` (copy, then delete the original); never deletes data."""
    target = f"{QUARANTINE_PREFIX}/{key}"
    try:
        s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return target  # already moved by an earlier run
        raise
    s3.delete_object(Bucket=bucket, Key=key)
    return target
