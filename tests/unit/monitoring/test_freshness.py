"""Data freshness: the newest landed batch (a real S3 endpoint) and the last scoring (both engines), as of a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dataops.datasets import load_dataset
from dataops.monitoring.freshness import Freshness, check_freshness, freshness_evaluations, last_landed
from dataops.quality.config import load_quality_config
from tests.unit.monitoring.features import write_scores


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def test_the_newest_partition_with_a_manifest_counts(s3, bucket):
    s3.create_bucket(Bucket=bucket)
    for day in ("2026-03-12", "2026-03-13"):
        s3.put_object(Bucket=bucket, Key=f"transactions/batch_date={day}/_manifest.json", Body=json.dumps({}))
    s3.put_object(Bucket=bucket, Key="transactions/batch_date=2026-03-14/part-00000.csv.gz", Body=b"")  # landing
    s3.put_object(Bucket=bucket, Key="chargebacks/batch_date=2026-03-20/_manifest.json", Body=b"{}")  # another feed
    day, at = last_landed(s3, bucket, "transactions", before=_now() + timedelta(minutes=1))
    assert day == "2026-03-13" and abs((_now() - at).total_seconds()) < 60
    assert last_landed(s3, bucket, "transactions", before=_now() - timedelta(hours=1)) == (None, None)
    assert last_landed(s3, bucket, "orders", before=_now()) == (None, None)


def test_hours_since_landing_and_scoring_as_of_the_check(s3, bucket, warehouse):
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="transactions/batch_date=2026-03-13/_manifest.json", Body=b"{}")
    write_scores(warehouse, "transactions", "2026-03-13", [0.2])
    warehouse.execute("UPDATE marts.predictions SET scored_at = CAST(? AS TIMESTAMP)",
                      [(_now() - timedelta(hours=5)).isoformat(sep=" ")])
    found = check_freshness(s3, bucket, warehouse, load_dataset("transactions"), datetime.now(UTC) + timedelta(hours=31))
    assert found.landed_batch == "2026-03-13"
    assert 30.9 < found.hours("hours_since_landed") < 31.1 and 35.9 < found.hours("hours_since_scored") < 36.1
    specs = load_quality_config("transactions").stage("freshness")
    evs = {e["metric"]: e for e in freshness_evaluations(specs, found, "2026-03-14")}
    assert evs["hours_since_landed"]["verdict"] == "warning" and evs["hours_since_scored"]["verdict"] == "warning"
    assert "check the upstream export" in evs["hours_since_landed"]["findings"][0]["description"]
    assert "Value Pipeline's latest runs" in evs["hours_since_scored"]["findings"][0]["description"]


def test_a_dataset_that_never_landed_is_new_not_late_and_freshness_goes_to_operations():
    cfg = load_quality_config("transactions")
    never = Freshness(_now(), None, None, None)
    assert freshness_evaluations(cfg.stage("freshness"), never, "2026-03-14") == []
    assert {m.notify for m in cfg.stage("freshness")} == {"operations"}
    assert cfg.metric("hours_since_landed").limits == (30.0, 54.0)


@pytest.mark.parametrize("entry", ["{kind: hours_since_landed, limits: {warning: 1}}",
                                   "{kind: row_count, stage: freshness}"])
def test_freshness_kinds_and_only_they_have_the_freshness_stage(tmp_path, entry):
    bad = tmp_path / "x.yaml"
    bad.write_text(f"dataset: x\nmetrics:\n  late: {entry}\n")
    with pytest.raises(ValueError, match="stage: freshness"):
        load_quality_config("x", bad)
