"""A dataset is configuration: a second, small dataset runs next to ``transactions`` with no Python change.

The README's "Add a dataset" checklist, step by step, on copies of the configuration and the dbt project: the
``payments`` files under ``tests/fixtures/datasets/payments`` (dataset YAML, metrics file, dbt models) are copied
in, its GX suites are generated with ``python -m dataops.quality.gx_project``, the dbt manifest is refreshed with
``dbt parse``, the DAGs are parsed (the Value Pipelines of both datasets appear), a ``payments`` champion is
registered under the model name ``payments``, and both Value Pipelines run for the same days.

Asserted: raw tables, metric history, predictions (with each dataset's own ids) and alerts stay separate; a
fault in ``payments`` only (a renamed column on the last day) alerts the payments recipients, names
``payments`` and leaves ``transactions`` untouched.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.integration.landing_helpers import land
from tests.integration.test_value_pipeline import _register_champion

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "datasets" / "payments"
DAYS = ["2026-01-01", "2026-01-02", "2026-01-03"]
HEADER = "pay_id,pay_ts,merchant_id,value"
BROKEN_HEADER = "pay_id,pay_ts,merchant_id,amount_eur"  # the fault: a renamed column on the last day


def _copy_configuration(root: Path) -> dict[str, Path]:
    """Copies of the datasets folder, expectations/ and the dbt project, with the fixture dataset added
    exactly where the README's checklist puts each file."""
    datasets, expectations, dbt = root / "datasets", root / "expectations", root / "dbt_project"
    shutil.copytree(REPO / "include" / "dataops" / "datasets", datasets, ignore=shutil.ignore_patterns("*.py",
                                                                                                        "__pycache__"))
    shutil.copytree(REPO / "expectations", expectations, ignore=shutil.ignore_patterns("uncommitted"))
    shutil.copytree(REPO / "dbt_project", dbt, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    shutil.copy(FIXTURE / "datasets" / "payments.yaml", datasets)                       # 1. the dataset YAML
    shutil.copytree(FIXTURE / "dbt" / "models", dbt / "models", dirs_exist_ok=True)     # 2. its dbt models
    shutil.copy(FIXTURE / "metrics" / "payments.yaml", expectations / "metrics")        # 3. its metrics file
    return {"DATAOPS_DATASETS_DIR": datasets, "DATAOPS_EXPECTATIONS_DIR": expectations,
            "DATAOPS_DBT_PROJECT_DIR": dbt}


def _generate(env: dict[str, str], dbt: Path) -> None:
    """4. the GX suites (the project's generator), 5. the dbt manifest (what ``make`` runs)."""
    subprocess.run([sys.executable, "-m", "dataops.quality.gx_project", "--dataset", "payments"], env=env,
                   check=True, capture_output=True, cwd=REPO)
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--profiles-dir", ".", "--quiet"],
                   env=env, check=True, capture_output=True, cwd=dbt)


@pytest.fixture
def second_dataset(tmp_path, monkeypatch):
    import os

    import dataops_airflow.dbt_group as dbt_group

    paths = _copy_configuration(tmp_path / "conf")
    for key, value in paths.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.delenv("DATAOPS_GX_PROJECT_DIR", raising=False)
    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(tmp_path / "reports"))
    _generate(dict(os.environ), paths["DATAOPS_DBT_PROJECT_DIR"])
    importlib.reload(dbt_group)  # cosmos reads the project folder when the module is imported
    yield paths
    monkeypatch.undo()
    importlib.reload(dbt_group)


def _payment_lines(day: str, n: int, offset: int) -> list[str]:
    rng = np.random.default_rng(offset)
    compact = day.replace("-", "")[2:]
    return [f"P{compact}{offset + i:02d},{day} {i % 24:02d}:{i % 60:02d}:00,M{i % 9:04d},"
            f"{round(float(rng.lognormal(3.0, 0.8)), 2)}" for i in range(n)]


def _land_payments(s3) -> dict[str, set[str]]:
    ids = {}
    for k, day in enumerate(DAYS):
        lines = _payment_lines(day, 40, 10 * k)
        land(s3, "landing", day, {"part-00000.csv.gz": lines}, prefix="payments",
             header=BROKEN_HEADER if day == DAYS[-1] else HEADER)
        ids[day] = {line.split(",")[0] for line in lines}
    return ids


def _register_payments_champion(s3_endpoint: str, registry_path: Path) -> str:
    """A small LightGBM model on the payments features, registered and promoted under the model ``payments``."""
    import boto3
    from sqlalchemy import create_engine

    from dataops.datasets import load_dataset
    from dataops.registry import ModelRegistry
    from dataops.training.trainer import train_model

    cfg = load_dataset("payments")
    rng = np.random.default_rng(5)
    value = rng.lognormal(3.0, 0.8, 2000)
    frame = pd.DataFrame({"value": value, "log_value": np.log(value), "pay_hour": rng.integers(0, 24, 2000)})
    frame["label"] = (rng.random(2000) < 0.05 + 0.4 * (frame["value"] > 60)).astype("int64")
    trained = train_model(frame.iloc[:1500], frame.iloc[1500:], cfg, {"num_leaves": 7},
                          {"num_boost_round": 20, "early_stopping_rounds": 5})
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    registry = ModelRegistry(create_engine(f"sqlite:///{registry_path}"), s3, model_name=cfg.model_name,
                             bucket="models")
    version = registry.register({"model.txt": trained.model_text.encode(),
                                 "features.json": json.dumps(trained.encoder.to_dict()).encode()}, created_by="test")
    registry.promote(version, actor="test", reason="first payments champion")
    return version


def _dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    assert {"value_pipeline_payments", "innovation_pipeline_payments"} <= set(bag.dags)
    dags = {name: bag.dags[f"value_pipeline_{name}"] for name in ("transactions", "payments")}
    for dag in dags.values():
        for t in dag.tasks:  # dag.test() really waits out retry delays
            t.retries = 0
    return dags


def _run(dag, day: str) -> dict[str, str]:
    run = dag.test(logical_date=datetime.fromisoformat(day).replace(tzinfo=UTC))
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def _recipients(msg) -> str:
    return str(msg["To"])


def test_a_second_dataset_runs_next_to_transactions(airflow_db, second_dataset, stack_connections, s3_client,
                                                    tmp_path):
    from dataops.simulator.cli import main as simulator

    endpoint, wh = stack_connections["s3_endpoint"], str(stack_connections["warehouse"])
    assert simulator(["land", "--start", DAYS[0], "--days", str(len(DAYS)), "--tx-per-day", "300", "--seed", "5",
                      "--epoch", DAYS[0], "--endpoint-url", endpoint, "--bucket", "landing"]) == 0
    payment_ids = _land_payments(s3_client)
    _register_champion(tmp_path, endpoint, tmp_path / "registry.sqlite")
    pay_version = _register_payments_champion(endpoint, tmp_path / "registry.sqlite")
    dags = _dags()

    states = {(name, day): _run(dag, day) for day in DAYS for name, dag in dags.items()}
    for day in DAYS:
        assert states[("transactions", day)]["score.score_champion"] == "success", states[("transactions", day)]
    for day in DAYS[:-1]:
        assert states[("payments", day)]["score.score_champion"] == "success", states[("payments", day)]
        assert states[("payments", day)]["transform.fct_payment_features_model_build"] == "success"
    broken = states[("payments", DAYS[-1])]
    assert broken["quality.spc_gate"] == "failed" and broken["score.score_champion"] != "success", broken

    with duckdb.connect(wh) as con:
        _assert_raw_tables_separate(con, payment_ids)
        _assert_metric_history_keyed_by_dataset(con)
        _assert_predictions_keyed_by_dataset(con, payment_ids, pay_version)
    _assert_alert_names_only_payments(stack_connections["mail_sink"].messages())


def _assert_raw_tables_separate(con, payment_ids: dict[str, set[str]]) -> None:
    for day in DAYS[:-1]:
        loaded = {r[0] for r in con.execute("SELECT pay_id FROM raw.payments WHERE batch_date = ?", [day]).fetchall()}
        assert loaded == payment_ids[day], day
    assert con.execute("SELECT count(*) FROM raw.payments WHERE batch_date = ?", [DAYS[-1]]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM raw.transactions WHERE tx_id LIKE 'P%'").fetchone()[0] == 0
    per_source = dict(con.execute("SELECT source, count(DISTINCT batch_date) FROM raw.ingest_files "
                                  "GROUP BY source").fetchall())
    assert per_source["payments"] == per_source["transactions"] == len(DAYS), per_source
    rejected = con.execute("SELECT source, batch_date FROM raw.ingest_files WHERE status = 'rejected'").fetchall()
    assert [(s, str(d)) for s, d in rejected] == [("payments", DAYS[-1])]


def _assert_metric_history_keyed_by_dataset(con) -> None:
    metrics = {}
    for dataset, metric in con.execute("SELECT DISTINCT dataset, metric FROM quality.metric_history").fetchall():
        metrics.setdefault(dataset, set()).add(metric)
    assert set(metrics) == {"transactions", "payments"}
    assert {"value_log_mean", "null_rate.pay_id", "score_mean"} <= metrics["payments"]
    assert not {m for m in metrics["payments"] if "amount" in m or m.startswith(("channel", "mcc", "chargebacks"))}
    assert "value_log_mean" not in metrics["transactions"] and "amount_log_mean" in metrics["transactions"]
    days = dict(con.execute("SELECT dataset, count(DISTINCT batch_date) FROM quality.metric_history "
                            "WHERE metric NOT LIKE 'outcome_%' GROUP BY dataset").fetchall())
    assert days == {"transactions": len(DAYS), "payments": len(DAYS)}
    # the outcome of a scoring day is recorded on that day, label_maturity_days before the run (payments has none)
    from dataops.datasets import load_dataset

    maturity = load_dataset("transactions").label_maturity_days
    outcome_days = {str(d) for (d,) in con.execute("SELECT DISTINCT batch_date FROM quality.metric_history "
                                                    "WHERE metric LIKE 'outcome_%'").fetchall()}
    assert outcome_days == {(date.fromisoformat(d) - timedelta(days=maturity)).isoformat() for d in DAYS}


def _assert_predictions_keyed_by_dataset(con, payment_ids: dict[str, set[str]], pay_version: str) -> None:
    for day in DAYS[:-1]:
        ids = {r[0] for r in con.execute("SELECT id FROM marts.predictions WHERE dataset = 'payments' "
                                         "AND role = 'champion' AND batch_date = ?", [day]).fetchall()}
        assert ids == payment_ids[day], day
    versions = con.execute("SELECT DISTINCT model_version FROM marts.predictions WHERE dataset = 'payments'")
    assert [r[0] for r in versions.fetchall()] == [pay_version]
    for day in DAYS:
        tx = {r[0] for r in con.execute("SELECT tx_id FROM marts.fct_transaction_features WHERE batch_date = ?",
                                        [day]).fetchall()}
        scored = {r[0] for r in con.execute("SELECT id FROM marts.predictions WHERE dataset = 'transactions' "
                                            "AND role = 'champion' AND batch_date = ?", [day]).fetchall()}
        assert tx and scored == tx, day
    assert con.execute("SELECT count(*) FROM marts.predictions WHERE dataset = 'payments' "
                       "AND batch_date = ?", [DAYS[-1]]).fetchone()[0] == 0


def _assert_alert_names_only_payments(messages) -> None:
    to_payments = [m for m in messages if "payments-team@example.com" in _recipients(m)]
    assert to_payments, [(m["To"], m["Subject"]) for m in messages]
    for msg in to_payments:
        assert "fraud-analysts@example.com" not in _recipients(msg)
        assert "payments" in msg["Subject"] and "transactions" not in msg["Subject"], msg["Subject"]
    assert any(DAYS[-1] in m["Subject"] and "[CRITICAL]" in m["Subject"] for m in to_payments)
    failures = [m for m in messages if m["Subject"].startswith("[AIRFLOW FAILURE]")]
    # a gate stopped by its data is the analysts' (mailed above), not a technical failure for operations
    assert failures == [], [m["Subject"] for m in failures]
    for msg in (m for m in messages if m not in failures):
        if "payments" in msg["Subject"]:
            assert _recipients(msg) == "payments-team@example.com", (msg["To"], msg["Subject"])
        if "fraud-analysts@example.com" in _recipients(msg):
            assert "payments" not in msg["Subject"], msg["Subject"]
