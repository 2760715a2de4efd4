"""The reports store: the local folder (embedded stack) or an S3 bucket (production), on a real S3 endpoint."""

from __future__ import annotations

import os
import time

import pytest

from dataops.reports_store import (
    FolderReportsStore,
    S3ReportsStore,
    changed_files,
    open_reports_store,
    safe_relative,
)
from dataops.weblinks import ReportNotFound

PAGE = "data_docs/validations/transactions_spc/scheduled__2026-02-23/page.html"


@pytest.fixture
def folder(tmp_path):
    """A reports folder written by an earlier run (old files) and by this run (a page and the index)."""
    root = tmp_path / "reports"
    old = root / "data_docs" / "validations" / "transactions_spc" / "scheduled__2026-02-22" / "page.html"
    old.parent.mkdir(parents=True)
    old.write_text("<html>run of 02-22</html>")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    (root / PAGE).parent.mkdir(parents=True)
    (root / PAGE).write_text("<html>run of 02-23</html>")
    (root / "data_docs" / "index.html").write_text("<html>index</html>")
    (tmp_path / "secret.txt").write_text("top secret")
    (root / "data_docs" / "link.html").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.mark.parametrize("path", ["../secret.txt", "/etc/passwd", "data_docs/../../secret.txt", "%2e%2e/secret.txt",
                                  "data_docs/%2e%2e/%2e%2e/secret.txt", "a\\..\\b", "x\x00.html", ""])
def test_a_path_leaving_the_store_is_refused(path):
    with pytest.raises(ReportNotFound):
        safe_relative(path)


def test_the_folder_store_reads_inside_the_folder_only(folder):
    store = FolderReportsStore(folder)
    assert store.read(PAGE) == b"<html>run of 02-23</html>"
    for path in ("../secret.txt", "data_docs/link.html", "data_docs/missing.html"):
        with pytest.raises(ReportNotFound):
            store.read(path)


def test_changed_files_are_what_the_run_wrote_and_never_a_link_out(folder):
    since = time.time() - 60
    assert sorted(rel for _, rel in changed_files(folder, since)) == ["data_docs/index.html", PAGE]


def test_publish_uploads_the_run_s_files_and_the_bucket_store_serves_them(folder, s3_client, bucket):
    store = S3ReportsStore(s3_client, bucket)
    uploaded = store.publish(folder, since=time.time() - 60)  # creates the bucket on first use
    assert sorted(uploaded) == ["data_docs/index.html", PAGE]
    head = s3_client.head_object(Bucket=bucket, Key=f"reports/{PAGE}")
    assert head["ContentType"] == "text/html"
    assert store.read(PAGE) == b"<html>run of 02-23</html>"
    assert store.publish(folder, since=time.time() - 60) == uploaded  # a retry writes the same keys again
    listed = s3_client.list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(o["Key"] for o in listed) == [f"reports/{k}" for k in sorted(uploaded)]
    for path in ("data_docs/validations/transactions_spc/scheduled__2026-02-22/page.html", "../models/x"):
        with pytest.raises(ReportNotFound):  # not published, or not a path inside the store
            store.read(path)


def test_the_bucket_setting_picks_the_store(monkeypatch, s3_client, bucket):
    monkeypatch.delenv("DATAOPS_REPORTS_BUCKET", raising=False)
    assert isinstance(open_reports_store(lambda: pytest.fail("no S3 client without a bucket")), FolderReportsStore)
    monkeypatch.setenv("DATAOPS_REPORTS_BUCKET", bucket)
    store = open_reports_store(lambda: s3_client)
    assert isinstance(store, S3ReportsStore) and store.bucket == bucket
