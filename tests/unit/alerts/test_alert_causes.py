"""The attribution rule of :mod:`dataops.alerts.causes` (which findings follow from a rejected file)."""

from __future__ import annotations

from dataops.alerts.causes import (
    MetricOrigin,
    Rejection,
    follows_from,
    metric_origins,
    plan_alert,
    short_reason,
)
from dataops.alerts.inputs import MetricResult
from dataops.alerts.state import Digest, Item

KEY = "transactions/batch_date=2026-03-14/part-00001.csv.gz"


def item(metric: str, value: float, centre: float, verdict: str = "critical") -> Item:
    return Item("new", MetricResult(metric, "2026-03-14", verdict, value=value, centre=centre,
                                    z=(value - centre) or None), 1, None)


def test_the_reason_loses_the_repeated_file_key():
    assert short_reason(KEY, f"contract: {KEY}: column 'amount': expected x, found y") == \
        "contract: column 'amount': expected x, found y"
    assert short_reason(KEY, f"{KEY}: checksum abc differs from the manifest's") == \
        "checksum abc differs from the manifest's"
    assert short_reason(KEY, "") == "rejected"


def test_metric_origins_come_from_the_quality_configuration():
    main, origins = metric_origins("transactions", ["row_count", "null_rate.mcc", "chargebacks.row_count",
                                                    "channel_share.other", "contract.rejected_files"])
    assert main == "transactions"
    assert origins["row_count"] == MetricOrigin("transactions", "row_count")
    assert origins["null_rate.mcc"] == MetricOrigin("transactions", "null_rate")
    assert origins["chargebacks.row_count"] == MetricOrigin("chargebacks", "row_count")
    assert origins["channel_share.other"] == MetricOrigin("transactions", "category_share")
    assert origins["contract.rejected_files"].kind == "contract"  # unknown metric: read from its name
    main, origins = metric_origins("no_such_dataset", ["row_count", "no_such_dataset.x"])
    assert main == "no_such_dataset" and origins["row_count"] == MetricOrigin("no_such_dataset", "row_count")


def test_only_moves_a_lost_file_explains_follow_from_it():
    partly = {"transactions": False}
    tx = lambda kind: MetricOrigin("transactions", kind)  # noqa: E731
    assert follows_from(item("row_count", 30, 40), tx("row_count"), partly)
    assert not follows_from(item("row_count", 50, 40), tx("row_count"), partly)  # more rows: not a lost file
    assert follows_from(item("quarantine_rate", 0.25, 0.01), tx("quarantine_rate"), partly)
    assert follows_from(item("null_rate.mcc", 0.0, 0.02), tx("null_rate"), partly)  # diluted
    assert not follows_from(item("null_rate.mcc", 0.3, 0.02), tx("null_rate"), partly)
    assert not follows_from(item("amount_log_mean", 5.6, 5.0), tx("log_mean"), partly)
    assert follows_from(item("amount_log_mean", 5.6, 5.0), tx("log_mean"), {"transactions": True})  # all lost
    assert not follows_from(item("chargebacks.row_count", 0, 40), MetricOrigin("chargebacks", "row_count"),
                            partly)  # another source's file was not rejected
    assert not follows_from(item("row_count", 0, 40), None, partly)


def test_a_rejection_nobody_reports_does_not_lead():
    score = item("score_mean", 0.4, 0.1)
    digest = Digest(new=(score,))
    plan = plan_alert(digest, [Rejection("transactions", KEY, "contract: x", 5)], {"transactions": 10},
                      {"score_mean": MetricOrigin("transactions", "score_mean")}, main_source="transactions")
    assert plan.causes == () and plan.independent == (score,)


def test_causes_of_the_main_source_come_first():
    rows, labels = item("row_count", 0, 40), item("chargebacks.row_count", 0, 30, verdict="warning")
    digest = Digest(new=(rows, labels))
    origins = {"row_count": MetricOrigin("transactions", "row_count"),
               "chargebacks.row_count": MetricOrigin("chargebacks", "row_count")}
    plan = plan_alert(digest, [Rejection("chargebacks", "c.csv.gz", "contract: a", 3),
                               Rejection("transactions", KEY, "contract: b", 5)],
                      {"chargebacks": 0, "transactions": 0}, origins, main_source="transactions")
    assert [c.source for c in plan.causes] == ["transactions", "chargebacks"]
    assert plan.causes[0].follow == (rows,) and plan.causes[1].follow == (labels,) and plan.independent == ()
    assert plan.causes[0].headline == f"file rejected - {KEY}: contract: b"


def test_several_rejected_files_are_counted_in_the_headline():
    from dataops.alerts.causes import Cause

    cause = Cause("transactions", (Rejection("transactions", "a.csv.gz", "contract: x", 3),
                                   Rejection("transactions", "b.csv.gz", "checksum y", 2),
                                   Rejection("transactions", "c.csv.gz", "checksum z", 1)))
    assert cause.headline == "file rejected - a.csv.gz: contract: x (and 2 more files)"
