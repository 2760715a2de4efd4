"""The quality gate in the Value Pipeline, end to end with dag.test(): simulated history, injected faults.

Budget: the clean history (22 days) is ingested and judged with the core functions directly (fast); every
fault kind is judged the same way on both engines; one clean day and one faulty day run the whole DAG (ingest,
dbt, gate, scoring) with dag.test(). The real scheduler runs five of these fault kinds in tests/e2e.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

pytestmark = pytest.mark.slow

START = date(2026, 1, 5)  # a Monday
HISTORY_DAYS = 22
FAULTS = {  # day offset -> (fault, metric expected critical, rule)
    23: ("volume_drop:share=0.7", "row_count", "nelson_1"),
    24: ("null_column:column=mcc,share=0.4", "null_rate.mcc", "nelson_1"),
    25: ("amount_shift:factor=1.8", "amount_log_mean", "nelson_1"),
    26: ("new_category:column=mcc,value=7995,share=0.08", "mcc_share.other", "nelson_1"),
    27: ("schema_change:renamed", "contract.rejected_files", "file_contract"),
    # a never-seen channel is the gate's finding (dbt keeps structural tests only): it must reach the gate
    28: ("new_category:column=channel,value=moto,share=0.08", "channel_share.other", "nelson_1"),
}
NEW_CHANNEL_DAY = 28
CLEAN_DAG_DAY = 22


def _day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


def _history(con, metric: str, day: str):
    return con.execute("SELECT verdict, status, rules FROM quality.metric_history WHERE dataset = 'transactions' "
                       "AND metric = ? AND batch_date = CAST(? AS DATE)", [metric, day]).fetchone()


@pytest.fixture
def landed(airflow_db, stack_connections, monkeypatch, tmp_path):
    from dataops.simulator.cli import main

    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", json.dumps({"min_baseline_points": 14}))
    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(tmp_path / "reports"))
    faults = []
    for offset, (fault, _, _) in FAULTS.items():
        faults += ["--fault", f"{_day(offset)}:{fault}"]
    assert main(["land", "--start", _day(0), "--days", str(max(FAULTS) + 1), "--tx-per-day", "800", "--seed", "5",
                 "--endpoint-url", stack_connections["s3_endpoint"], "--bucket", "landing", *faults]) == 0
    return stack_connections


def _core_history(stack, location=None) -> None:
    """Ingest and judge the clean history with the core functions (what the DAG would do, minus dbt).

    :param location: the warehouse (default: the stack's DuckDB file).
    """
    import boto3

    from dataops.datasets import load_dataset
    from dataops.ingest import ingest_batch
    from dataops.quality.gate import run_gate
    from dataops.warehouse import WarehouseLocation

    s3 = boto3.client("s3", endpoint_url=stack["s3_endpoint"], region_name="us-east-1")
    location = location or WarehouseLocation.duckdb(stack["warehouse"])
    cfg = load_dataset("transactions")
    for offset in range(HISTORY_DAYS):
        for source in ("transactions", "chargebacks"):
            ingest_batch(s3, "landing", cfg, source, _day(offset), location)
        result = run_gate(location, "transactions", _day(offset), run_id="history", run_gx=False)
        assert not result.critical, result.failure_message()


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder="dags/value_pipeline.py")
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("value_pipeline_transactions")


def test_each_fault_is_critical_on_its_day_with_its_rule(landed, warehouse_location):
    """Every fault kind through the core steps the gate task runs (ingest, gate), on both warehouse engines."""
    import boto3

    from dataops.datasets import load_dataset
    from dataops.ingest import ingest_batch
    from dataops.quality.gate import run_gate
    from dataops.warehouse import open_warehouse

    _core_history(landed, warehouse_location)
    s3 = boto3.client("s3", endpoint_url=landed["s3_endpoint"], region_name="us-east-1")
    cfg = load_dataset("transactions")
    for offset in [CLEAN_DAG_DAY, *FAULTS]:
        for source in ("transactions", "chargebacks"):
            ingest_batch(s3, "landing", cfg, source, _day(offset), warehouse_location)
        result = run_gate(warehouse_location, "transactions", _day(offset), run_id="faults", run_gx=False)
        assert bool(result.critical) == (offset in FAULTS), (offset, result.failure_message())
    warehouse = open_warehouse(warehouse_location)
    for offset, (fault, metric, rule) in FAULTS.items():
        row = warehouse.fetchone("SELECT verdict, status, rules FROM quality.metric_history WHERE dataset = "
                                 "'transactions' AND metric = ? AND batch_date = CAST(? AS DATE)",
                                 [metric, _day(offset)])
        assert row is not None, (fault, metric)
        verdict, status, rules = row
        assert verdict == "critical" and status == "out_of_control" and rule in json.loads(rules), (fault, row)


def test_the_dag_blocks_scoring_on_a_fault_day_and_alerts(landed):
    """A clean day and the new-channel day through the whole DAG: dbt lets the value through, the gate stops
    it, scoring does not run, the analysts get an e-mail. (tests/e2e runs five fault kinds through the real
    scheduler, scoring blocked on each; here dag.test() covers the transform's LOCAL mode.)"""
    _core_history(landed)
    dag = _dag()
    states = {}
    for offset in (CLEAN_DAG_DAY, NEW_CHANNEL_DAY):
        run = dag.test(logical_date=datetime.fromisoformat(_day(offset)).replace(tzinfo=UTC))
        states[offset] = (run.state, {ti.task_id: ti.state for ti in run.get_task_instances()})

    run_state, tis = states[CLEAN_DAG_DAY]
    assert tis["quality.spc_gate"] == "success", tis
    assert tis["score.score_champion"] in ("success", "skipped")  # scoring ran (skips without a champion)
    run_state, tis = states[NEW_CHANNEL_DAY]
    assert run_state == "failed" and tis["quality.spc_gate"] == "failed", tis
    assert tis["score.score_champion"] == "upstream_failed", tis
    transform = {k: v for k, v in tis.items() if k.startswith("transform.")}
    assert set(transform.values()) == {"success"}, transform  # dbt does not stop a new channel value
    with duckdb.connect(str(landed["warehouse"])) as con:
        verdict = _history(con, "channel_share.other", _day(NEW_CHANNEL_DAY))
    assert verdict and verdict[0] == "critical", verdict
    docs = list((landed["warehouse"].parent / "reports" / "data_docs").rglob("*.html"))
    assert docs, "Data Docs were not built into DATAOPS_REPORTS_DIR"
    mails = list(landed["mail_sink"].folder.rglob("*.eml"))
    assert _analyst_mails(mails, _day(NEW_CHANNEL_DAY), "channel_share.other"), \
        "no critical analyst e-mail about the new channel value"


def _analyst_mails(paths, day: str, metric: str) -> list[str]:
    """Subjects of the critical analyst e-mails about ``day`` whose text names ``metric``."""
    from email import policy
    from email.parser import BytesParser

    found = []
    for path in paths:
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        subject = str(msg["Subject"] or "")
        body = msg.get_body(("plain",))
        if day in subject and "[CRITICAL]" in subject and body is not None and metric in body.get_content():
            found.append(subject)
    return found


def test_false_positive_label_puts_the_point_back_in_the_baseline(landed, warehouse_location):
    """Core functions only, so it runs on both warehouse engines (``warehouse_location``)."""
    from dataops.quality.gate import run_gate
    from dataops.quality.labels import apply_label
    from dataops.warehouse import open_warehouse

    location = warehouse_location
    _core_history(landed, location)
    import boto3

    from dataops.datasets import load_dataset
    from dataops.ingest import ingest_batch

    s3 = boto3.client("s3", endpoint_url=landed["s3_endpoint"], region_name="us-east-1")
    for offset in (22, 23):
        ingest_batch(s3, "landing", load_dataset("transactions"), "transactions", _day(offset), location)
    assert not run_gate(location, "transactions", _day(22), run_gx=False).critical
    blocked = run_gate(location, "transactions", _day(23), run_gx=False)
    assert "row_count" in {f["metric"] for f in blocked.critical}
    out = apply_label(location, "transactions", _day(23), "false_positive", comment="planned outage",
                      labelled_by="analyst", metrics=["row_count"])
    assert out["acknowledged"] == ["row_count"]
    ingest_batch(s3, "landing", load_dataset("transactions"), "transactions", _day(24), location)
    after = run_gate(location, "transactions", _day(24), run_gx=False)
    status = open_warehouse(location).fetchone("SELECT status FROM quality.metric_history WHERE metric = 'row_count' "
                                               "AND batch_date = CAST(? AS DATE)", [_day(23)])[0]
    assert status == "false_positive" and after.metrics["row_count"]["verdict"] != "learning"
