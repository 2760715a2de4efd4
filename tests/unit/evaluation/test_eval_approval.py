"""The human approval of a promotion: what the approver reads and how the answer is recorded."""

from __future__ import annotations

import sqlalchemy as sa

from dataops.evaluation.approval import approval_body, approval_subject, record_review
from dataops.registry import ModelRegistry
from tests.markdown import render, text_of

EVALUATION = {"model": "transactions", "version": "v3", "champion_version": "v2", "promote": True,
              "metric": "average_precision", "delta": 0.0412, "ci_low": 0.0123, "ci_high": 0.0701,
              "decision_id": "d-42", "report_uri": "s3://models/transactions/v3/report/d-42/report.html",
              "reasons": ["PROMOTE: gain +0.0412", "PASS: slice channel=ecom +0.03", "PASS: slice country=XX n=12"]}


def test_the_approver_reads_the_gain_its_interval_every_check_and_the_report():
    body = approval_body("transactions", EVALUATION, report_url="http://ui/dataops/models/transactions/v3/report")
    assert "| average_precision | +0.0412 | [+0.0123, +0.0701] |" in body
    assert "PASS: slice channel=ecom +0.03" in text_of(body) and "PASS: slice country=XX n=12" in text_of(body)
    assert '<a href="http://ui/dataops/models/transactions/v3/report">Evaluation report</a>' in render(body)
    assert "timeout the promotion is rejected" in body
    assert approval_subject("transactions", EVALUATION) == "Promote transactions v3 (average_precision +0.0412) over v2?"


def test_a_first_model_without_champion_reads_sensibly():
    first = {**EVALUATION, "champion_version": None, "delta": None, "ci_low": None, "ci_high": None}
    assert "over no champion?" in approval_subject("transactions", first)
    assert "| n/a | [n/a, n/a] |" in approval_body("transactions", first)


def _registry(tmp_path, s3, bucket) -> ModelRegistry:
    return ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}"), s3, bucket=bucket)


def test_an_answer_is_a_decision_of_the_login_that_answered_recorded_once(tmp_path, s3, bucket):
    registry = _registry(tmp_path, s3, bucket)
    first = record_review(registry, EVALUATION, approved=True, reviewer="ana", run_key="innov/run-1/review")
    again = record_review(registry, EVALUATION, approved=True, reviewer="ana", run_key="innov/run-1/review")
    assert first == again  # a retry records nothing twice
    row = registry.decision_for_run("innov/run-1/review")
    assert row["actor"] == "ana" and bool(row["promote"])
    assert row["details"] == {"review_of": "d-42", "approved": True, "timed_out": False}
    assert row["reasons"] == ["human review of decision d-42: approved by ana"]
    assert row["report_uri"] == EVALUATION["report_uri"] and row["delta"] == EVALUATION["delta"]


def test_no_answer_before_the_timeout_is_recorded_as_a_rejection_by_the_timeout(tmp_path, s3, bucket):
    registry = _registry(tmp_path, s3, bucket)
    record_review(registry, EVALUATION, approved=False, reviewer=None, timed_out=True, run_key="innov/run-2/review")
    row = registry.decision_for_run("innov/run-2/review")
    assert not row["promote"] and row["actor"] == "approval-timeout"
    assert row["reasons"] == ["human review of decision d-42: rejected: no answer before the timeout by "
                              "approval-timeout"]
