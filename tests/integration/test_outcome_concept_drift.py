"""The simulator's concept drift caught from the champion's outcomes, with the delay in days.

A champion is trained on the first 35 simulated days (before the drift); it then scores every day out of time.
On each scoring day the outcome stage of the gate (``stage="outcome"``: precision at the alert budget, recall at
1 % FPR, average precision on the day's matured labels) is judged by SPC against the earlier scoring days, as the
Value Pipeline's ``monitor.outcome_quality`` task does on run day ``scoring day + label_maturity_days``. From
DRIFT on, the simulator's new fraud pattern (small bursts at a merchant category the champion learned as safe)
appears and the older ones shrink. The test finds the first scoring day the outcome SPC flags (and the
outcome-drift signal that starts the Innovation Pipeline), checks every earlier day stayed quiet, and writes the
delay to ``test-artifacts/monitoring/concept-drift-delay.txt``.

The chargebacks of this world arrive within 7 days (``--label-delay-cap-days 7``) so that 94 days suffice; the
labels a matured day is judged on are the same as with the dataset's 40-day maturity (all of them).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

START = date(2026, 1, 5)
TRAIN_END = START + timedelta(days=35)  # the champion's windows (train, valid, holdout) end here
DRIFT = START + timedelta(days=56)  # 20 scoring days of baseline before it
LAST_SCORED = DRIFT + timedelta(days=30)
LABEL_CAP_DAYS = 7
TX_PER_DAY = 5000  # the simulator's default day
DAYS = (LAST_SCORED - START).days + LABEL_CAP_DAYS + 1
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "monitoring" / "concept-drift-delay.txt"


def _days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def world(tmp_path_factory, s3_endpoint):
    """Land, ingest and transform the simulated days once; train the champion before the drift."""
    import boto3
    from sqlalchemy import create_engine

    from dataops.backfill import dbt_build_all, ingest_history
    from dataops.datasets import load_dataset
    from dataops.registry import ModelRegistry
    from dataops.simulator.cli import main as simulate
    from dataops.training.pipeline import train_and_register
    from dataops.warehouse import WarehouseLocation

    root = tmp_path_factory.mktemp("concept-drift")
    bucket = "landing-concept-drift"
    assert simulate(["land", "--start", START.isoformat(), "--days", str(DAYS), "--tx-per-day", str(TX_PER_DAY),
                     "--seed", "11", "--epoch", START.isoformat(), "--label-delay-cap-days", str(LABEL_CAP_DAYS),
                     "--label-delay-median-days", "3", "--endpoint-url", s3_endpoint, "--bucket", bucket,
                     "--fault", f"{DRIFT.isoformat()}:concept_drift"]) == 0
    location = WarehouseLocation.duckdb(root / "warehouse.duckdb")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    cfg = load_dataset("transactions")
    ingest_history(s3, bucket, cfg, _days(START, START + timedelta(days=DAYS - 1)), location)
    dbt_build_all(Path(__file__).resolve().parents[2] / "dbt_project", location, target_path=root / "dbt-target")
    if "models-drift" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket="models-drift")
    registry = ModelRegistry(create_engine(f"sqlite:///{root / 'registry.sqlite'}"), s3, model_name="transactions",
                             bucket="models-drift")
    run = train_and_register(location.engine(), registry, cfg, created_by="test", train_days=21, valid_days=7,
                             holdout_days=7, cutoff=TRAIN_END + timedelta(days=cfg.label_maturity_days))
    registry.promote(run.version, actor="test", reason="trained before the drift")
    return {"root": root, "location": location, "model": registry.load("champion"), "cfg": cfg}


def test_concept_drift_is_caught_from_outcomes_within_days_and_clean_days_stay_quiet(world):
    from dataops.quality.drift import outcome_drift
    from dataops.quality.gate import run_gate
    from dataops.scoring import score_batch

    flagged: dict[str, list[str]] = {}  # scoring day -> the outcome metrics that signalled drift
    for day in _days(TRAIN_END, LAST_SCORED):
        score_batch(world["location"], world["cfg"], day, world["model"])
        result = run_gate(world["location"], "transactions", day, stage="outcome",
                          docs_dir=world["root"] / "docs")
        assert not result.blocking, (day, result.findings)  # an outcome drop warns: it never stops a batch
        if signal := outcome_drift(world["location"], "transactions", day):
            assert {f["metric"] for f in result.findings} >= set(signal), (day, result.findings)
            assert {f["severity"] for f in result.findings} == {"warning"}, (day, result.findings)
            flagged[day] = signal
    early = {d: s for d, s in flagged.items() if d < DRIFT.isoformat()}
    assert not early, f"outcome drift signalled before the concept drift: {early}"
    assert flagged, "the concept drift was never caught from the champion's outcomes"
    first = min(flagged)
    delay = (date.fromisoformat(first) - DRIFT).days
    by_metric = {m: (date.fromisoformat(min(d for d, s in flagged.items() if m in s)) - DRIFT).days
                 for m in sorted({m for s in flagged.values() for m in s})}
    maturity = world["cfg"].label_maturity_days
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        f"concept drift from {DRIFT} (simulator seed 11, {TX_PER_DAY:,} transactions a day, champion trained on "
        f"the 35 days to {TRAIN_END}, scored out of time from then on)\n"
        f"first scoring day flagged by outcome SPC: {first}, {delay} scoring days after the drift began "
        f"({', '.join(flagged[first])})\n"
        f"known on run day {date.fromisoformat(first) + timedelta(days=maturity)} with the dataset's "
        f"{maturity}-day label maturity: {delay + maturity} days after the drift began\n"
        f"first flag per metric, scoring days after the drift: "
        f"{', '.join(f'{m} {d}' for m, d in by_metric.items())}\n"
        f"scoring days flagged after the drift: {len(flagged)} of {(LAST_SCORED - DRIFT).days + 1}; "
        f"before it: 0 of {(DRIFT - TRAIN_END).days}\n")
    print(REPORT.read_text())
    assert delay <= 6, f"caught only {delay} days after the drift (on {first})"
