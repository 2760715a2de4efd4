"""Fault specifications from the command line and scenario files."""

from __future__ import annotations

import datetime as dt

import pytest

from dataops.simulator import FAULT_KINDS, FaultSchedule, load_scenario, make_fault, parse_fault

DAY = dt.date(2026, 3, 14)


def test_parse_defaults_and_params():
    f = parse_fault("2026-03-14:volume_drop")
    assert (f.date, f.kind, f.params) == (DAY, "volume_drop", {"share": 0.7})
    f = parse_fault("2026-03-14:null_column:column=country,share=0.5")
    assert f.params == {"dataset": "transactions", "column": "country", "share": 0.5}
    assert parse_fault("2026-03-14:schema_change:type_changed").params["variant"] == "type_changed"
    assert parse_fault("2026-03-14:late_file:chargebacks").dataset == "chargebacks"
    assert parse_fault("2026-03-14:concept_drift:mcc=4111").params["mcc"] == "4111"


@pytest.mark.parametrize(
    "text, message",
    [
        ("2026-03-14", "DATE:KIND"),
        ("2026-03-14:meteor_strike", "unknown fault kind"),
        ("2026-03-14:volume_drop:speed=3", "unknown parameter"),
        ("2026-03-14:volume_drop:share=lots", "not a float"),
        ("2026-03-14:volume_drop:share=1.5", "within"),
        ("2026-03-14:schema_change:variant=sideways", "variant"),
        ("2026-03-14:duplicated_rows:dataset=customers", "dataset"),
        ("2026-13-45:volume_drop", "month"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_fault(text)


def test_every_kind_has_defaults_that_validate():
    for kind in FAULT_KINDS:
        assert make_fault(DAY, kind).kind == kind


def test_scenario_file(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "description: a bad week\n"
        "faults:\n"
        "  - {date: 2026-03-14, kind: volume_drop, params: {share: 0.5}}\n"
        "  - date: 2026-03-16\n"
        "    kind: new_category\n"
        "    params: {column: mcc, value: 7995}\n"
        "  - {date: 2026-03-20, kind: concept_drift}\n"
    )
    faults = load_scenario(path)
    assert [f.kind for f in faults] == ["volume_drop", "new_category", "concept_drift"]
    assert faults[1].params["value"] == "7995"  # YAML int coerced to the parameter's type
    bad = tmp_path / "bad.yaml"
    bad.write_text("faults:\n  - {date: 2026-03-14, kind: volume_drop, when: now}\n")
    with pytest.raises(ValueError, match="unknown keys"):
        load_scenario(bad)


def test_schedule_queries():
    schedule = FaultSchedule((
        make_fault(DAY, "volume_drop", {"share": 0.5}),
        make_fault(DAY, "volume_drop", {"share": 0.5}),
        make_fault(DAY, "late_file", {"dataset": "all"}),
        make_fault(DAY, "concept_drift"),
    ))
    assert schedule.volume_drop_of(DAY) == pytest.approx(0.75)
    assert schedule.volume_drop_of(DAY + dt.timedelta(days=1)) == 0.0
    assert schedule.is_late(DAY, "transactions") and schedule.is_late(DAY, "chargebacks")
    assert not schedule.is_late(DAY + dt.timedelta(days=1), "transactions")
    assert schedule.drift_of(DAY - dt.timedelta(days=1)) is None
    assert schedule.drift_of(DAY + dt.timedelta(days=30)).start == DAY
