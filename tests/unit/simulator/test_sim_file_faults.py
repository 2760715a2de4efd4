"""Each fault has its visible effect on the landed batch, and the manifest stays honest."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest

from dataops.simulator import Simulator, build_batches, make_fault

DAY = dt.date(2026, 3, 11)


def _build(config, *faults, rows_per_part=1000):
    sim = Simulator(config, list(faults))
    return sim, build_batches(sim, DAY, rows_per_part=rows_per_part)


def _rows(batch, read_part):
    header, rows, lines = None, [], []
    for part in batch.parts:
        h, r, raw = read_part(part.data)
        header = header or h
        assert h == header
        assert part.rows == len(raw), "manifest rows = data lines in the part"
        rows.extend(r)
        lines.extend(raw)
    return header, rows, lines


@pytest.fixture(scope="module")
def clean(small_config, read_part):
    _, (tx, cb) = _build(small_config)
    return _rows(tx, read_part), _rows(cb, read_part)


def test_clean_batch(clean):
    (header, rows, _), (cb_header, _, _) = clean
    assert header == ["tx_id", "tx_ts", "customer_id", "terminal_id", "amount", "mcc", "channel", "country",
                      "currency"]
    assert cb_header == ["tx_id", "tx_ts", "reported_at", "reason_code"]
    assert all(len(r) == 9 for r in rows)


def test_volume_drop(small_config, clean, read_part):
    sim, (tx, cb) = _build(small_config, make_fault(DAY, "volume_drop", {"share": 0.7}))
    _, rows, _ = _rows(tx, read_part)
    assert len(rows) == pytest.approx(0.3 * len(clean[0][1]), rel=0.05)
    # Lost transactions never happened: the frauds left are exactly those in the file.
    ids = {r[0] for r in rows}
    fr = sim.frauds(DAY)
    assert {f"{DAY:%Y%m%d}-{i:08d}" for i in fr.tx_index} <= ids
    assert tx.faults[0].kind == "volume_drop"


def test_duplicated_file(small_config, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY, "duplicated_file", {"part": 1}))
    keys = [p.key for p in tx.parts]
    assert len(set(keys)) == len(keys)
    assert keys[-1].endswith(f"part-{len(keys) - 1:05d}.csv.gz")
    assert tx.parts[-1].data == tx.parts[1].data and tx.parts[-1].sha256 == tx.parts[1].sha256
    _, rows, _ = _rows(tx, read_part)
    assert len(rows) == tx.rows


def test_duplicated_rows(small_config, clean, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY, "duplicated_rows", {"share": 0.05}))
    _, rows, lines = _rows(tx, read_part)
    n = len(clean[0][1])
    ids = [r[0] for r in rows]
    assert len(ids) - len(set(ids)) == round(0.05 * n)
    assert len(lines) - len(set(lines)) == round(0.05 * n), "duplicates are whole identical rows"


def test_null_column(small_config, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY, "null_column", {"column": "country", "share": 0.4}))
    header, rows, _ = _rows(tx, read_part)
    i = header.index("country")
    empty = np.mean([r[i] == "" for r in rows])
    assert empty == pytest.approx(0.4, abs=0.01)
    assert all(r[header.index("mcc")] for r in rows)


@pytest.mark.parametrize(
    "variant, expected_header",
    [
        ("renamed", ["tx_id", "tx_ts", "customer_id", "terminal_id", "amount_eur", "mcc", "channel", "country",
                     "currency"]),
        ("missing", ["tx_id", "tx_ts", "customer_id", "terminal_id", "amount", "mcc", "channel", "country"]),
        ("extra", ["tx_id", "tx_ts", "customer_id", "terminal_id", "amount", "mcc", "channel", "country",
                   "currency", "device_id"]),
    ],
)
def test_schema_change_header(small_config, read_part, variant, expected_header):
    _, (tx, _) = _build(small_config, make_fault(DAY, "schema_change", {"variant": variant}))
    header, rows, _ = _rows(tx, read_part)
    assert header == expected_header
    assert all(len(r) == len(expected_header) for r in rows)


def test_schema_change_type_changed(small_config, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY, "schema_change", {"variant": "type_changed"}))
    header, rows, lines = _rows(tx, read_part)
    amounts = [r[header.index("amount")] for r in rows]
    assert all(len(r) == 9 for r in rows), "quoted, so a CSV reader still sees 9 fields"
    assert all(a.count(",") == 1 and a.split(" ")[1] in {"EUR", "GBP", "USD", "CHF"} for a in amounts)
    assert any(a.endswith(" EUR") for a in amounts)
    assert all(line.count(",") == 9 for line in lines), "a naive split sees 10 fields"
    with pytest.raises(ValueError):
        float(amounts[0])


def test_unparseable_rows(small_config, clean, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY, "unparseable_rows", {"share": 0.02}))
    _, rows, lines = _rows(tx, read_part)
    assert len(rows) == len(clean[0][1])
    bad = [r for r in rows if len(r) != 9]
    assert len(bad) == round(0.02 * len(rows))
    assert any(len(r) == 1 for r in bad) and any(len(r) > 9 for r in bad) and any(1 < len(r) < 9 for r in bad)
    assert tx.rows == len(lines)


def test_amount_shift(small_config, clean, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY, "amount_shift", {"factor": 100}))
    header, rows, _ = _rows(tx, read_part)
    i = header.index("amount")
    shifted = np.array([float(r[i]) for r in rows])
    original = np.array([float(r[i]) for r in clean[0][1]])
    assert np.allclose(shifted, original * 100)


@pytest.mark.parametrize("column, value", [("channel", "moto"), ("mcc", "7995")])
def test_new_category(small_config, read_part, column, value):
    _, (tx, _) = _build(small_config, make_fault(DAY, "new_category", {"column": column, "share": 0.05}))
    header, rows, _ = _rows(tx, read_part)
    share = np.mean([r[header.index(column)] == value for r in rows])
    assert share == pytest.approx(0.05, abs=0.002)


def test_late_file_marks_the_batch(small_config):
    _, (tx, cb) = _build(small_config, make_fault(DAY, "late_file"))
    assert tx.late and not cb.late
    _, (tx, cb) = _build(small_config, make_fault(DAY, "late_file", {"dataset": "all"}))
    assert tx.late and cb.late


def test_faults_on_the_chargeback_feed(small_config, read_part):
    fault = make_fault(DAY, "duplicated_rows", {"dataset": "chargebacks", "share": 0.5})
    _, (tx, cb) = _build(small_config, fault)
    _, rows, _ = _rows(cb, read_part)
    ids = [r[0] for r in rows]
    assert len(ids) > len(set(ids)) > 0
    assert not tx.faults


def test_fault_on_another_day_changes_nothing(small_config, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY + dt.timedelta(days=1), "schema_change"))
    _, (clean_tx, _) = _build(small_config)
    assert [p.sha256 for p in tx.parts] == [p.sha256 for p in clean_tx.parts]


def test_unparseable_lines_stay_single_lines(small_config, read_part):
    _, (tx, _) = _build(small_config, make_fault(DAY, "unparseable_rows", {"share": 0.05}), rows_per_part=10**6)
    _, _, lines = _rows(tx, read_part)
    parsed = list(csv.reader(io.StringIO("\n".join(lines))))
    assert len(parsed) == len(lines)


@pytest.mark.parametrize(
    "variant, expected_header",
    [
        ("renamed", ["tx_id", "tx_ts", "reported_on", "reason_code"]),
        ("missing", ["tx_id", "tx_ts", "reported_at"]),
        ("extra", ["tx_id", "tx_ts", "reported_at", "reason_code", "device_id"]),
        ("type_changed", ["tx_id", "tx_ts", "reported_at", "reason_code"]),
    ],
)
def test_schema_change_of_the_chargeback_file(small_config, clean, read_part, variant, expected_header):
    fault = make_fault(DAY, "schema_change", {"variant": variant, "dataset": "chargebacks"})
    assert fault.dataset == "chargebacks"
    _, (tx, cb) = _build(small_config, fault)
    header, rows, _ = _rows(cb, read_part)
    assert header == expected_header
    assert rows and all(len(r) == len(expected_header) for r in rows)
    assert not tx.faults and _rows(tx, read_part)[1] == clean[0][1], "the transactions file is untouched"
    if variant == "type_changed":
        reported = [r[2] for r in rows]
        assert all(dt.datetime.strptime(v, "%d/%m/%Y") for v in reported)


def test_schema_change_dataset_is_validated():
    with pytest.raises(ValueError, match="dataset must be one of"):
        make_fault(DAY, "schema_change", {"dataset": "labels"})
    assert make_fault(DAY, "schema_change").dataset == "transactions"
