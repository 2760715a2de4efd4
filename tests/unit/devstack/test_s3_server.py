"""The embedded stack's S3 endpoint keeps every acknowledged change on disk, across restarts and kills."""

from __future__ import annotations

import hashlib
import io
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MB = 1024 * 1024


def _listing(s3, bucket, prefix=""):
    """Every object under ``prefix``, read page by page (2 keys a page)."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": 2})
    return {o["Key"]: (o["ETag"], o["Size"], o["LastModified"]) for page in pages for o in page.get("Contents", [])}


def _missing(s3, bucket, key):
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket=bucket, Key=key)
    return err.value.response["Error"]["Code"] == "404"


def test_puts_copies_deletes_and_metadata_survive_a_restart(s3_process):
    s3 = s3_process.client()
    s3.create_bucket(Bucket="landing")
    for day in range(1, 6):
        s3.put_object(Bucket="landing", Key=f"transactions/batch_date=2026-02-0{day}/part-0.csv",
                      Body=f"id,amount\n{day},1.5\n".encode(), ContentType="text/csv",
                      Metadata={"rows": str(day), "source_system": "simulator"})
    s3.put_object(Bucket="landing", Key="chargebacks/batch_date=2026-02-01/part-0.csv", Body=b"id\n")
    # The ingest moves a rejected file to quarantine/: copy, then delete the original.
    bad = "transactions/batch_date=2026-02-05/part-0.csv"
    s3.copy_object(Bucket="landing", Key=f"quarantine/{bad}", CopySource={"Bucket": "landing", "Key": bad})
    s3.delete_object(Bucket="landing", Key=bad)
    before = _listing(s3, "landing")
    assert len(before) == 6 and len(_listing(s3, "landing", "transactions/")) == 4

    assert s3_process.stop(signal.SIGTERM) == 0
    s3 = s3_process.start().client()

    assert _listing(s3, "landing") == before
    assert set(_listing(s3, "landing", "transactions/")) == {
        f"transactions/batch_date=2026-02-0{d}/part-0.csv" for d in range(1, 5)}
    head = s3.head_object(Bucket="landing", Key="transactions/batch_date=2026-02-03/part-0.csv")
    assert head["ContentType"] == "text/csv"
    assert head["Metadata"] == {"rows": "3", "source_system": "simulator"}
    moved = s3.get_object(Bucket="landing", Key=f"quarantine/{bad}")
    assert moved["Body"].read() == b"id,amount\n5,1.5\n" and moved["Metadata"]["rows"] == "5"
    assert _missing(s3, "landing", bad)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["landing"]


def test_multipart_uploads_multi_deletes_and_parallel_writes_survive_a_kill(s3_process):
    s3 = s3_process.client()
    s3.create_bucket(Bucket="models")
    s3.create_bucket(Bucket="scratch")
    big = os.urandom(11 * MB)
    transfer = TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB, max_concurrency=3)
    s3.upload_fileobj(io.BytesIO(big), "models", "big/model.bin", Config=transfer,
                      ExtraArgs={"ContentType": "application/octet-stream", "Metadata": {"sha256": "x"}})
    etag = s3.head_object(Bucket="models", Key="big/model.bin")["ETag"]
    assert etag.endswith('-3"')  # three parts
    for i in range(4):
        s3.put_object(Bucket="models", Key=f"old/{i}.txt", Body=b"old")
    s3.delete_objects(Bucket="models", Delete={"Objects": [{"Key": f"old/{i}.txt"} for i in range(3)]})
    s3.delete_bucket(Bucket="scratch")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: s3.put_object(Bucket="models", Key=f"many/{i:03d}", Body=str(i).encode() * i),
                      range(40)))

    s3_process.stop(signal.SIGKILL)  # no chance to flush anything: what was acknowledged must be on disk
    s3 = s3_process.start().client()

    got = io.BytesIO()
    s3.download_fileobj("models", "big/model.bin", got)
    assert hashlib.sha256(got.getvalue()).digest() == hashlib.sha256(big).digest()
    head = s3.head_object(Bucket="models", Key="big/model.bin")
    assert (head["ETag"], head["Metadata"]) == (etag, {"sha256": "x"})
    assert set(_listing(s3, "models", "old/")) == {"old/3.txt"}
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["models"]
    many = _listing(s3, "models", "many/")
    assert len(many) == 40
    assert all(s3.get_object(Bucket="models", Key=f"many/{i:03d}")["Body"].read() == str(i).encode() * i
               for i in (0, 7, 39))


def test_keys_that_look_like_paths_are_stored_inside_the_bucket_folder(s3_process, tmp_path):
    s3 = s3_process.client()
    s3.create_bucket(Bucket="landing")
    keys = ["../../escape.txt", "x/..", "/etc/passwd", "a//b", "./x", "dir/", "%2E%2E", "back\\slash", "tab\tkey"]
    for key in keys:
        s3.put_object(Bucket="landing", Key=key, Body=f"body of {key}".encode())

    s3_process.restart()
    s3 = s3_process.client()

    assert set(_listing(s3, "landing")) == set(keys)
    for key in keys:
        assert s3.get_object(Bucket="landing", Key=key)["Body"].read() == f"body of {key}".encode()
    folder = (tmp_path / "s3").resolve()
    written = [p.resolve() for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".log"]
    assert written and all(folder in p.parents for p in written)
    assert not (tmp_path.parent / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()
    assert (folder / "objects/landing/%2E%2E/%2E%2E/escape.txt").read_bytes() == b"body of ../../escape.txt"


def test_a_key_cannot_be_an_object_and_a_folder_at_once(s3_process):
    s3 = s3_process.client()
    s3.create_bucket(Bucket="landing")
    s3.put_object(Bucket="landing", Key="a", Body=b"1")
    s3.put_object(Bucket="landing", Key="c/d", Body=b"2")
    for key in ("a/b", "c"):
        with pytest.raises(ClientError) as err:
            s3.put_object(Bucket="landing", Key=key, Body=b"3")
        assert err.value.response["Error"]["Code"] == "KeyNotStorableLocally"
        assert _missing(s3, "landing", key)  # refused before moto stored it
    s3.delete_object(Bucket="landing", Key="c/d")
    s3.put_object(Bucket="landing", Key="c", Body=b"4")  # the empty folder went with its last key
    assert s3.get_object(Bucket="landing", Key="c")["Body"].read() == b"4"


def test_restore_trusts_committed_records_and_the_newest_bytes(s3_process, tmp_path):
    s3 = s3_process.client()
    s3.create_bucket(Bucket="landing")
    s3.put_object(Bucket="landing", Key="f.csv", Body=b"old bytes", ContentType="text/csv")
    s3_process.stop()
    folder = tmp_path / "s3"
    # A crash after the bytes were replaced and before the record was: the bytes are the newer truth.
    (folder / "objects/landing/f.csv").write_bytes(b"newer bytes")
    # A crash before a new object's record was written: never acknowledged, so not restored.
    (folder / "objects/landing/uncommitted.csv").write_bytes(b"half")
    (folder / "tmp/tmp123").write_bytes(b"partial")

    s3 = s3_process.start().client()

    assert set(_listing(s3, "landing")) == {"f.csv"}
    got = s3.get_object(Bucket="landing", Key="f.csv")
    assert got["Body"].read() == b"newer bytes" and got["ContentType"] == "text/csv"
    assert got["ETag"] == f'"{hashlib.md5(b"newer bytes").hexdigest()}"'
    assert not any((folder / "tmp").iterdir())
