"""The core gate over a synthetic history: faults caught with the right rule, clean days quiet, labels.

Every test runs on a DuckDB file and on PostgreSQL (the ``warehouse`` fixture).
"""

from __future__ import annotations

from datetime import date

import pytest

from dataops.quality.gate import CONTRACT_METRIC, run_gate
from dataops.quality.labels import apply_label
from tests.unit.quality import synth

START = date(2026, 2, 2)


@pytest.fixture
def history(warehouse, short_baseline, tmp_path):
    days = synth.fill(warehouse, START, 21)
    verdicts = [run_gate(warehouse, "transactions", d, run_gx=False, docs_dir=tmp_path / "docs").verdict for d in days]
    return warehouse, verdicts


def _gate(location, day, tmp_path, **kw):
    return run_gate(location, "transactions", day, docs_dir=tmp_path / "docs", **kw)


def test_clean_history_has_no_critical_and_amount_shift_is_nelson_1(history, warehouse, tmp_path):
    location, verdicts = history
    assert "critical" not in verdicts and len(verdicts) == 21
    synth.add_batch(warehouse, "2026-02-23", 800, amount_factor=1.5)
    calls = []
    result = _gate(location, "2026-02-23", tmp_path,
                   alert=lambda **kw: calls.append(kw) or {"sent": True}, links={"task": "http://x/task"})
    crit = {f["metric"]: f for f in result.critical}
    assert set(crit) == {"amount_log_mean"} and crit["amount_log_mean"]["rule"] == "nelson_1"
    message = result.failure_message()
    assert "transactions.amount_log_mean 2026-02-23 = " in message and " outside [" in message
    assert "Nelson 1" in message and "Data Docs: file://" in message
    assert result.gx["spc"]["amount_log_mean"]["success"] is False
    assert calls and {e["metric"] for e in calls[0]["evaluations"]} >= {"amount_log_mean", "row_count"}
    assert "amount_log_mean" in calls[0]["series"] and calls[0]["links"]["data_docs"].startswith("file://")
    assert result.alerts == {"sent": True}
    status = warehouse.fetchall("SELECT status, verdict FROM quality.metric_history WHERE metric = 'amount_log_mean' "
                                "AND batch_date = DATE '2026-02-23'")
    assert status == [("out_of_control", "critical")]


def test_contract_break_and_new_category_are_critical(history, warehouse, tmp_path):
    location, _ = history
    msg = "contract: transactions/p1.csv.gz: column 'amount': expected a column of type double, found no such column"
    synth.add_batch(warehouse, "2026-02-23", 800, moto_share=0.05, rejected=msg)
    result = _gate(location, "2026-02-23", tmp_path, alert=lambda **kw: 1 / 0)  # a broken alert changes nothing
    crit = {f["metric"]: f for f in result.critical}
    assert crit[CONTRACT_METRIC]["description"] == msg
    assert crit["channel_share.other"]["rule"] == "nelson_1"
    assert "gx.transactions_contract.expect_column_values_to_be_in_set.channel" in crit
    assert "ZeroDivisionError" in result.alerts["error"]


def test_false_positive_label_unblocks_and_returns_to_baseline(history, warehouse, tmp_path):
    location, _ = history
    synth.add_batch(warehouse, "2026-02-23", 800, amount_factor=1.5)
    assert _gate(location, "2026-02-23", tmp_path, run_gx=False).blocking
    out = apply_label(location, "transactions", "2026-02-23", "false_positive", comment="price rise",
                      labelled_by="ana", metrics=["amount_log_mean"])
    assert out["labelled"] == ["amount_log_mean"] and out["blocking"] is False
    assert out["acknowledged"] == ["amount_log_mean"]
    rerun = _gate(location, "2026-02-23", tmp_path, run_gx=False)
    assert not rerun.blocking and rerun.metrics["amount_log_mean"]["status"] == "false_positive"
    synth.add_batch(warehouse, "2026-02-24", 800)
    nxt = _gate(location, "2026-02-24", tmp_path, run_gx=False)
    assert nxt.metrics["amount_log_mean"]["verdict"] != "learning"
    baseline = warehouse.fetchone("SELECT count(*) FROM quality.metric_history WHERE metric = 'amount_log_mean' "
                                  "AND batch_date < DATE '2026-02-24' "
                                  "AND status IN ('in_baseline', 'false_positive')")[0]
    assert baseline == 22  # the labelled day counts again
