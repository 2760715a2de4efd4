import json
import os

import pytest

from dataops.reliability.measured import measured_rows, read_rows
from dataops.reliability.table import render


def _write(folder, name, rows):
    path = folder / f"{name}-fault-table.json"
    path.write_text(json.dumps(rows))
    return path


ROW = {"cls": "every task SIGKILLed once at a random point (embedded-stack)", "cases": 40, "rows": 817,
       "identical": 40, "other": 0, "lost": 0, "duplicated": 0}


def test_the_stacks_rows_are_read_in_order_and_totalled(tmp_path):
    _write(tmp_path, "production-path", [{**ROW, "cls": "scheduler restarted mid-day (production-path)",
                                          "cases": 1, "rows": 401, "identical": 1}])
    first = _write(tmp_path, "embedded-stack", [ROW])
    os.utime(first, (1_700_000_000, 1_700_000_000))
    rows, when = measured_rows(tmp_path)
    assert [r.cls for r in rows] == [ROW["cls"], "scheduler restarted mid-day (production-path)", "total"]
    assert (rows[-1].cases, rows[-1].rows, rows[-1].identical, rows[-1].lost) == (41, 1218, 41, 0)
    assert when is not None and when.timestamp() > 1_700_000_000  # the newest file, not the older one
    assert "every task SIGKILLed" in render(rows)


def test_no_run_yet_is_no_rows(tmp_path):
    assert measured_rows(tmp_path / "absent") == ([], None)


def test_a_row_without_its_counts_is_refused_naming_file_and_field(tmp_path):
    path = _write(tmp_path, "embedded-stack", [{k: v for k, v in ROW.items() if k != "lost"}])
    with pytest.raises(ValueError, match=r"embedded-stack-fault-table.json: row 0 lacks lost"):
        read_rows(path)


def test_make_reliability_prints_the_measured_faults_and_fails_on_a_lost_row(tmp_path, capsys):
    from dataops.reliability.__main__ import _faults

    assert _faults(tmp_path) is True
    assert "not measured yet" in capsys.readouterr().out
    _write(tmp_path, "embedded-stack", [ROW])
    assert _faults(tmp_path) is True
    out = capsys.readouterr().out
    assert "fault class" in out and "every task SIGKILLed once at a random point (embedded-stack)" in out
    _write(tmp_path, "production-path", [{**ROW, "cls": "scheduler restarted mid-day (production-path)", "lost": 3}])
    assert _faults(tmp_path) is False
