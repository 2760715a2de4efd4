"""An incident: the triage a stopped batch opens (what the analysts read, and the conf of its run)."""

from __future__ import annotations

from dataops.quality.incident import MAX_FINDINGS, incident_of, triage_conf
from dataops.quality.result import GateResult
from dataops.spc import CRITICAL, WARNING


def _finding(metric: str, severity: str = CRITICAL, value: float = 12.0) -> dict:
    return {"metric": metric, "severity": severity, "rule": "nelson_1", "value": value, "lcl": 100.0,
            "ucl": 140.0, "description": "Nelson 1: one point beyond 3 sigma"}


def _result(findings: list[dict]) -> GateResult:
    result = GateResult(dataset="transactions", batch_date="2026-03-14", findings=findings,
                        paths={"data_docs": "http://ui:8080/dataops/reports/data_docs/validations/x.html"})
    result.settle_verdict()
    return result


def test_a_passing_or_warning_batch_opens_no_incident():
    assert incident_of(_result([])) is None
    assert incident_of(_result([_finding("amount_log_mean", WARNING)])) is None


def test_the_incident_names_the_critical_findings_only_and_the_data_docs():
    incident = incident_of(_result([_finding("row_count"), _finding("amount_log_mean", WARNING)]))
    assert incident["metrics"] == ["row_count"] and incident["more"] == 0
    assert incident["findings"] == ["transactions.row_count 2026-03-14 = 12 outside [100, 140] "
                                    "(Nelson 1: one point beyond 3 sigma)"]
    assert incident["data_docs"].endswith("/validations/x.html")


def test_a_long_list_is_cut_and_says_how_many_more():
    incident = incident_of(_result([_finding(f"m{i:02d}") for i in range(MAX_FINDINGS + 3)]))
    assert len(incident["findings"]) == MAX_FINDINGS and incident["more"] == 3
    assert len(incident["metrics"]) == MAX_FINDINGS + 3


def test_the_triage_conf_says_which_run_a_false_positive_reruns_and_what_the_action_shows():
    incident = incident_of(_result([_finding("row_count"), _finding("quarantine_rate", value=1.0)]))
    conf = triage_conf(incident, value_dag_id="value_pipeline_transactions", value_run_id="backfill__2026-03-14",
                       logical_date="2026-03-14T00:00:00+00:00", view_url="http://ui:8080/dataops/view/x",
                       chart_urls={"row_count": "http://ui:8080/dataops/chart/row_count.svg"})
    assert (conf["value_dag_id"], conf["value_run_id"], conf["logical_date"]) == (
        "value_pipeline_transactions", "backfill__2026-03-14", "2026-03-14T00:00:00+00:00")
    assert conf["subject"] == "Critical finding on transactions 2026-03-14: quarantine_rate, row_count"
    body = conf["body"]
    assert "- `transactions.row_count 2026-03-14 = 12 outside [100, 140]" in body
    assert "[control chart of row\\_count](<http://ui:8080/dataops/chart/row_count.svg>)" in body
    assert "[Data Docs of the gate run](<http://ui:8080/dataops/reports/data_docs/validations/x.html>)" in body
    assert "[the batch in the DataOps view](<http://ui:8080/dataops/view/x>)" in body
    assert "`false_positive`" in body and "`known_bad`" in body
