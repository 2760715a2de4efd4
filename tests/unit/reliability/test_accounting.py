"""The accounting finds a lost, a duplicated, a wrongly loaded and a refused-but-not-kept row (no services:
the warehouse and bucket contents are given as they would be observed)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from dataops.reliability.accounting import IDENTICAL, MISMATCH, REJECTED, UNHANDLED, Observed, account
from dataops.reliability.cases import CasePlan, PartPlan, build_case
from dataops.reliability.rows import LOAD

DAY = date(2027, 3, 1)
KEY = f"transactions/batch_date={DAY}/part-00000.csv.gz"


def _case(rows: int = 3):
    return build_case("test", "1", DAY, CasePlan(parts=(PartPlan(rows=rows),)), seed=0)


def _raw(line, n: int) -> tuple:
    v = line.values
    return (v[0], datetime.fromisoformat(v[1]), *v[2:4], float(v[4]), *v[5:], KEY, n)


def _loaded_all(case) -> Observed:
    lines = case.parts[0].lines
    return Observed(raw=[_raw(line, i + 2) for i, line in enumerate(lines)],
                    ledger=[(KEY, len(lines), len(lines), 0, "loaded", "")], statuses={KEY: ("loaded", "")})


def test_every_row_loaded_as_written_is_identical():
    case = _case()
    result = account(case, {"part-00000.csv.gz": b"x"}, _loaded_all(case))
    assert (result.outcome, result.lost, result.duplicated, result.rows) == (IDENTICAL, 0, 0, 3)
    assert all(line.expect == LOAD for line in case.parts[0].lines)


def test_a_row_missing_from_both_tables_is_lost():
    case = _case()
    obs = _loaded_all(case)
    obs.raw.pop(1)
    result = account(case, {"part-00000.csv.gz": b"x"}, obs)
    assert (result.outcome, result.lost, result.duplicated) == (MISMATCH, 1, 0)
    assert any("written 1, loaded 0, quarantined 0" in p for p in result.problems)


def test_a_row_loaded_and_quarantined_too_is_duplicated():
    case = _case()
    obs = _loaded_all(case)
    first = case.parts[0].lines[0]
    obs.quarantine.append((KEY, 9, "some reason", first.data.decode()))
    result = account(case, {"part-00000.csv.gz": b"x"}, obs)
    assert result.duplicated >= 1 and result.outcome == MISMATCH


def test_a_row_loaded_with_other_values_is_a_mismatch():
    case = _case()
    obs = _loaded_all(case)
    row = list(obs.raw[0])
    row[4] = 99.0
    obs.raw[0] = tuple(row)
    result = account(case, {"part-00000.csv.gz": b"x"}, obs)
    assert result.outcome == MISMATCH and (result.lost, result.duplicated) == (0, 0)


def test_a_file_refused_whole_must_be_kept_and_named():
    case = _case()
    body = b"not gzip"
    kept = Observed(statuses={KEY: ("rejected", f"{KEY}: unreadable: not a gzip file: plain text")},
                    objects={f"quarantine/{KEY}": hashlib.sha256(body).hexdigest()})
    assert account(case, {"part-00000.csv.gz": body}, kept).outcome == REJECTED
    gone = Observed(statuses=kept.statuses)
    result = account(case, {"part-00000.csv.gz": body}, gone)
    assert (result.outcome, result.lost) == (MISMATCH, 3)
    unnamed = Observed(statuses={KEY: ("rejected", "bad file")}, objects=kept.objects)
    assert account(case, {"part-00000.csv.gz": body}, unnamed).outcome == MISMATCH


def test_an_exception_the_ingest_did_not_mean_is_unhandled():
    result = account(_case(), {"part-00000.csv.gz": b"x"}, Observed(unhandled="IOException: boom"))
    assert result.outcome == UNHANDLED and result.problems == ["IOException: boom"]


def test_the_line_view_finds_a_line_the_ledger_counted_but_no_table_holds():
    case = _case()
    obs = _loaded_all(case)
    obs.ledger = [(KEY, 4, 3, 0, "loaded", "")]  # a fourth line landed, in neither table
    result = account(case, {"part-00000.csv.gz": b"x"}, obs)
    assert result.lost == 1 and result.outcome == MISMATCH


def test_a_row_meant_for_quarantine_that_was_loaded_is_a_mismatch():
    case = build_case("test", "1", DAY, CasePlan(parts=(PartPlan(rows=3, faults=((1, "not_finite"),)),)), seed=0)
    lines = case.parts[0].lines
    assert [line.expect for line in lines] == [LOAD, "quarantine", LOAD]
    obs = _loaded_all(build_case("test", "1", DAY, CasePlan(parts=(PartPlan(rows=3),)), seed=0))  # nan loaded
    result = account(case, {"part-00000.csv.gz": b"x"}, obs)
    assert result.outcome == MISMATCH and any("loaded 1 time(s), meant 0" in p for p in result.problems)
