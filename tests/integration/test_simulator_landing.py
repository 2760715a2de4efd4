"""The simulator lands into a real S3 API (moto server on 127.0.0.1) exactly as the contract says."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import uuid

import boto3
import pytest

from dataops.simulator import S3Sink, SimConfig, Simulator, land_day, main, make_fault, make_s3_client


@pytest.fixture
def bucket() -> str:
    return f"landing-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


class RecordingClient:
    """A boto3 client wrapper that records the order of object writes."""

    def __init__(self, client):
        self._client = client
        self.puts: list[str] = []

    def put_object(self, **kwargs):
        self.puts.append(kwargs["Key"])
        return self._client.put_object(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def _manifest(s3, bucket, dataset, day):
    body = s3.get_object(Bucket=bucket, Key=f"{dataset}/batch_date={day}/_manifest.json")["Body"].read()
    return json.loads(body)


def test_cli_lands_both_feeds_with_honest_manifests(s3_endpoint, s3, bucket, capsys):
    code = main([
        "land", "--start", "2026-03-01", "--days", "3", "--tx-per-day", "600", "--seed", "7",
        "--bucket", bucket, "--endpoint-url", s3_endpoint, "--rows-per-part", "250",
        "--fault", "2026-03-02:late_file", "--fault", "2026-03-03:duplicated_file",
    ])
    assert code == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3
    assert bucket in {b["Name"] for b in s3.list_buckets()["Buckets"]}, "bucket created when missing"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    for day in ("2026-03-01", "2026-03-03"):
        for dataset in ("transactions", "chargebacks"):
            m = _manifest(s3, bucket, dataset, day)
            assert m["dataset"] == dataset and m["batch_date"] == day
            for part in m["parts"]:
                data = s3.get_object(Bucket=bucket, Key=part["key"])["Body"].read()
                assert hashlib.sha256(data).hexdigest() == part["sha256"]
                assert part["rows"] == len(gzip.decompress(data).decode().splitlines()) - 1
            assert m["total_rows"] == sum(p["rows"] for p in m["parts"])
            assert {k for k in keys if k.startswith(f"{dataset}/batch_date={day}/")} == (
                {p["key"] for p in m["parts"]} | {f"{dataset}/batch_date={day}/_manifest.json"}
            )
    # late_file: the transactions of 2026-03-02 are withheld, its chargebacks land.
    assert not any(k.startswith("transactions/batch_date=2026-03-02/") for k in keys)
    assert "chargebacks/batch_date=2026-03-02/_manifest.json" in keys
    # duplicated_file: one part listed twice under two names, same bytes.
    dup = _manifest(s3, bucket, "transactions", "2026-03-03")["parts"]
    assert dup[-1]["sha256"] == dup[0]["sha256"] and dup[-1]["key"] != dup[0]["key"]

    # Delivering the late file later.
    assert main(["land", "--start", "2026-03-02", "--tx-per-day", "600", "--seed", "7", "--bucket", bucket,
                 "--endpoint-url", s3_endpoint, "--rows-per-part", "250", "--fault", "2026-03-02:late_file",
                 "--include-late"]) == 0
    assert _manifest(s3, bucket, "transactions", "2026-03-02")["total_rows"] > 500


def test_manifest_is_the_last_object_written(s3_endpoint, s3, bucket):
    client = RecordingClient(s3)
    sim = Simulator(SimConfig(seed=7, tx_per_day=800))
    land_day(sim, dt.date(2026, 3, 11), S3Sink(client, bucket), rows_per_part=200)
    for dataset in ("transactions", "chargebacks"):
        prefix = f"{dataset}/batch_date=2026-03-11/"
        puts = [k for k in client.puts if k.startswith(prefix)]
        assert len(puts) >= 2
        assert puts[-1] == prefix + "_manifest.json" and puts.count(puts[-1]) == 1
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
        stamp = {o["Key"]: o["LastModified"] for o in listed}
        assert all(stamp[prefix + "_manifest.json"] >= t for t in stamp.values())


def test_client_from_environment(s3_endpoint, s3, bucket, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("DATAOPS_S3_ENDPOINT_URL", s3_endpoint)
    sim = Simulator(SimConfig(seed=1, tx_per_day=300), [make_fault("2026-03-11", "late_file", {"dataset": "all"})])
    summary = land_day(sim, dt.date(2026, 3, 11), S3Sink(make_s3_client(), bucket))
    assert summary.withheld == ["transactions", "chargebacks"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0, "bucket created, nothing landed"
