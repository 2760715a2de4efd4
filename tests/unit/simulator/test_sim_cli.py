"""The command line, standalone and wired into another argparse program."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from dataops.simulator import add_subcommands, main

REPO = Path(__file__).resolve().parents[3]


def test_land_to_directory_prints_one_line_per_day(tmp_path, capsys):
    scenario = tmp_path / "faults.yaml"
    scenario.write_text("faults:\n  - {date: 2026-01-06, kind: volume_drop, params: {share: 0.5}}\n")
    code = main([
        "land", "--start", "2026-01-05", "--days", "3", "--tx-per-day", "400", "--seed", "3",
        "--out-dir", str(tmp_path / "landing"), "--fault", "2026-01-07:late_file", "--scenario", str(scenario),
        "--rows-per-part", "150",
    ])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert "volume_drop(share=0.5)" in lines[1] and "withheld=transactions" in lines[2]
    root = tmp_path / "landing"
    normal = json.loads((root / "transactions/batch_date=2026-01-05/_manifest.json").read_text())
    dropped = json.loads((root / "transactions/batch_date=2026-01-06/_manifest.json").read_text())
    assert len(normal["parts"]) == 3
    assert dropped["total_rows"] < 0.6 * normal["total_rows"]
    assert not (root / "transactions/batch_date=2026-01-07").exists()
    assert (root / "chargebacks/batch_date=2026-01-07/_manifest.json").exists()


def test_bad_fault_is_a_usage_error(tmp_path, capsys):
    code = main(["land", "--start", "2026-01-05", "--out-dir", str(tmp_path), "--fault", "2026-01-05:meteor"])
    assert code == 2
    assert "unknown fault kind" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_add_subcommands_wires_into_another_parser(tmp_path):
    parser = argparse.ArgumentParser(prog="dataops")
    top = parser.add_subparsers(dest="command", required=True)
    sim = top.add_parser("simulator")
    add_subcommands(sim.add_subparsers(dest="simulator_command", required=True))
    args = parser.parse_args(["simulator", "land", "--start", "2026-02-01", "--tx-per-day", "300",
                              "--out-dir", str(tmp_path)])
    assert args.func(args) == 0
    assert (tmp_path / "transactions/batch_date=2026-02-01/_manifest.json").exists()


def test_python_dash_m_entry_point(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "include"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "dataops.simulator", "land", "--start", "2026-02-01", "--tx-per-day", "300",
         "--out-dir", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2026-02-01 transactions=")
    help_text = subprocess.run([sys.executable, "-m", "dataops.simulator", "land", "--help"],
                               capture_output=True, text=True, env=env, timeout=120).stdout
    assert "--include-late" in help_text and "late_file" in help_text
