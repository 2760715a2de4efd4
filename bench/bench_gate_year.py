"""How good is the gate? A simulated year: false alarms on clean days, detection and delay of every fault kind.

A growing business (``--growth`` a year, a yearly ``--season``, day-to-day ``--noise``) is simulated for
``--days`` days; every day is landed, ingested and measured for real (``gate_year_data.py``), then judged by the
SPC engine the way the gate judges it (rolling baseline, statuses: a critical batch leaves the baseline).

Table 1, clean year: false critical alerts and warnings per 30 days (days judged after the learning period),
overall (days with at least one) and per metric, for three configurations of the same metrics file:
``before`` (the state before tuning: classic 3-sigma limits, flat centres, a 16 % minimum change on the mean
amount), ``adjusted`` (the same with limits adjusted for the baseline size) and the committed configuration
(adjusted limits, trend-aware centres where the YAML sets ``trend: linear``, a 10 % minimum amount change).

Table 2, faults: each fault kind at three magnitudes injected on ``--fault-days`` days of the second half
(judged against the clean history before it): share of fault days judged critical, and the rule that fired;
two gradual drifts over 10 days: the delay in days until the first warning or critical.

Usage: ``python bench/bench_gate_year.py [--days 365] [--tx-per-day 2000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gate_year_data import DayMetrics, YearWorld  # noqa: E402

from dataops.quality.config import QualityConfig, load_quality_config  # noqa: E402
from dataops.quality.history import gate_status  # noqa: E402
from dataops.simulator import SimConfig  # noqa: E402
from dataops.simulator.faults import make_fault  # noqa: E402
from dataops.spc import CRITICAL, LEARNING, WARNING, Point, evaluate_point  # noqa: E402

START = dt.date(2026, 1, 1)
#: The business (and its chargeback feed) started long before the year judged: labels are in steady state.
EPOCH = START - dt.timedelta(days=120)
#: "before": the engine and metrics file as they were before tuning (classic limits, flat centres, and the
#: minimum practical changes of that file).
BEFORE = {"amount_log_mean": {"min_practical_change": 0.15}, "row_count": {"min_practical_change_relative": 0.10},
          "chargebacks.row_count": {"min_practical_change_relative": 0.25}}
#: metrics added by the tuning (absent "before") and the rules the tuning removed or added
ADDED = {"amount_log_mean_ewma"}
BEFORE_RULES = {"row_count": {"nelson_1": "critical", "nelson_2": "warning"},
                "chargebacks.row_count": {"nelson_1": "warning", "nelson_2": "warning"},
                "chargebacks.lateness_days": {"nelson_1": "warning", "nelson_2": "warning"}}
#: kind -> (label, [(magnitude label, params)], the metric it should trip); the middle magnitude is the goal.
FAULTS = {
    "volume_drop": ("volume drop", [("10 %", {"share": 0.1}), ("30 %", {"share": 0.3}), ("90 %", {"share": 0.9})]),
    "null_column": ("null spike (mcc)", [("1 %", {"column": "mcc", "share": 0.01}),
                                         ("5 %", {"column": "mcc", "share": 0.05}),
                                         ("50 %", {"column": "mcc", "share": 0.5})]),
    "amount_shift": ("amount shift", [("5 %", {"factor": 1.05}), ("15 %", {"factor": 1.15}),
                                      ("40 %", {"factor": 1.4})]),
    "new_category": ("new channel share", [("0.5 %", {"column": "channel", "value": "moto", "share": 0.005}),
                                           ("2 %", {"column": "channel", "value": "moto", "share": 0.02}),
                                           ("10 %", {"column": "channel", "value": "moto", "share": 0.10})]),
    "duplicated_rows": ("duplicated rows", [("2 %", {"share": 0.02})]),
    "schema_change": ("schema change", [("renamed", {"variant": "renamed"})]),
    "late_file": ("late file", [("withheld", {"dataset": "transactions"})]),
}
#: gradual faults: (label, kind, parameter, final value, neutral value, watched metric prefix), ramped linearly
#: over 10 days; the delay counts days until a watched metric raises a warning or a critical
DRIFTS = [("amount drift to +15 %", "amount_shift", "factor", 1.15, 1.0, "amount_"),
          ("volume decline to -30 %", "volume_drop", "share", 0.30, 0.0, "row_count")]
DRIFT_DAYS = 10


def variants(quality: QualityConfig) -> dict[str, QualityConfig]:
    """The compared configurations of the same metrics file."""
    def old(**kw) -> QualityConfig:
        metrics = [replace(m, spc=replace(m.spc, **kw, **BEFORE.get(m.name, {}),
                                          rules=BEFORE_RULES.get(m.name, m.spc.rules)))
                   for m in quality.metrics if m.name not in ADDED]
        return replace(quality, metrics=metrics)
    return {"before": old(limits="classic", trend="none"), "adjusted": old(trend="none"), "committed": quality}


def judge(quality: QualityConfig, day: dt.date, m: DayMetrics, history: dict[str, list[Point]]
          ) -> dict[str, tuple[str, list[str]]]:
    """Metric -> (verdict, rules) of one day against ``history`` (plus the file contract and the landing)."""
    if not m.landed:
        return {"landing": (CRITICAL, ["not landed by the deadline (sensor)"])}
    out = {}
    if m.facts is not None and m.facts.rejected:
        out["contract.rejected_files"] = (CRITICAL, ["file_contract"])
    for spec in quality.metrics:
        if spec.name not in m.values:
            continue
        value, n = m.values[spec.name]
        ev = evaluate_point(history.get(spec.name, []), Point(day, value, n), spec.spc)
        out[spec.name] = (ev.verdict, [f.rule for f in ev.findings])
    return out


def append(history: dict[str, list[Point]], day: dt.date, m: DayMetrics, verdicts: dict) -> None:
    for name, (value, n) in m.values.items():
        verdict = verdicts.get(name, (LEARNING, []))[0]
        history.setdefault(name, []).append(Point(day, value, n, status=gate_status(verdict)))


def clean_year(quality: QualityConfig, year: list[DayMetrics]) -> tuple[dict, dict[str, list[Point]]]:
    """Judge the clean year day by day; false alarms per metric and the history it leaves."""
    history: dict[str, list[Point]] = {}
    crit, warn, days_crit, days_warn, judged = Counter(), Counter(), 0, 0, 0
    for m in year:
        verdicts = judge(quality, m.day, m, history)
        append(history, m.day, m, verdicts)
        if all(v == LEARNING for v, _ in verdicts.values()):
            continue
        judged += 1
        for name, (verdict, _) in verdicts.items():
            crit[name] += verdict == CRITICAL
            warn[name] += verdict == WARNING
        days_crit += any(v == CRITICAL for v, _ in verdicts.values())
        days_warn += any(v == WARNING for v, _ in verdicts.values())
    return {"judged": judged, "crit": crit, "warn": warn, "days_crit": days_crit, "days_warn": days_warn}, history


def before(history: dict[str, list[Point]], day: dt.date) -> dict[str, list[Point]]:
    return {k: [p for p in v if p.batch_date < day] for k, v in history.items()}


def fault_table(world: YearWorld, quality: QualityConfig, history: dict[str, list[Point]],
                fault_days: list[dt.date]) -> list[tuple[str, str, int, int, str]]:
    rows = []
    prior = {day: before(history, day) for day in fault_days}  # the clean history of each fault day, once
    for kind, (label, magnitudes) in FAULTS.items():
        for mag, params in magnitudes:
            caught, rules = 0, Counter()
            for day in fault_days:
                m = world.measure_faulty(day, [make_fault(day, kind, params)])
                verdicts = judge(quality, day, m, prior[day])
                caught += any(v == CRITICAL for v, _ in verdicts.values())
                rules.update(f"{name}:{r}" for name, (v, rs) in verdicts.items() if v == CRITICAL for r in rs)
            top = ", ".join(f"{k} x{c}" for k, c in rules.most_common(2)) or "-"
            rows.append((label, mag, caught, len(fault_days), top))
    return rows


def drift_table(world: YearWorld, quality: QualityConfig, history: dict[str, list[Point]],
                starts: list[dt.date]) -> list[tuple[str, list[int | None], str]]:
    rows = []
    for label, kind, param, final, neutral, watched in DRIFTS:
        delays, rules = [], Counter()
        for start in starts:
            hist, delay = before(history, start), None
            for k in range(DRIFT_DAYS):
                day = start + dt.timedelta(days=k)
                value = neutral + (final - neutral) * (k + 1) / DRIFT_DAYS
                m = world.measure_faulty(day, [make_fault(day, kind, {param: value})])
                verdicts = judge(quality, day, m, hist)
                append(hist, day, m, verdicts)
                fired = [f"{n}:{r}" for n, (v, rs) in verdicts.items()
                         if n.startswith(watched) and v in (WARNING, CRITICAL) for r in rs]
                if fired:
                    delay = k + 1
                    rules.update(fired)
                    break
            delays.append(delay)
        rows.append((label, delays, ", ".join(f"{k} x{c}" for k, c in rules.most_common(2)) or "-"))
    return rows


def print_clean(results: dict[str, dict]) -> None:
    print("\nTable 1 - clean year: false alarms per 30 judged days (goal: <= 1 critical, <= 4 warnings)")
    names = sorted({n for r in results.values() for n in (r["crit"] + r["warn"])})
    print(f"{'':34}" + "".join(f"{c:>22}" for c in results))
    print(f"{'':34}" + "".join(f"{'critical  warning':>22}" for _ in results))
    def per30(r: dict, x: int) -> float:
        return 30 * x / max(r["judged"], 1)
    print(f"{'days with an alert (one email)':34}" + "".join(
        f"{per30(r, r['days_crit']):>13.2f}{per30(r, r['days_warn']):>9.2f}" for r in results.values()))
    for n in names:
        print(f"{'  ' + n:34}" + "".join(
            f"{per30(r, r['crit'][n]):>13.2f}{per30(r, r['warn'][n]):>9.2f}" for r in results.values()))
    print(f"{'judged days':34}" + "".join(f"{r['judged']:>22}" for r in results.values()))


def measure_year(world: YearWorld, days: int, cache: Path | None, started: float) -> list[DayMetrics]:
    """The measured clean year (from ``cache`` when it exists; written there otherwise)."""
    if cache is not None and cache.exists():
        print(f"  clean year read from {cache}")
        return pickle.loads(cache.read_bytes())
    year = []
    for i in range(days):
        year.append(world.measure_clean(START + dt.timedelta(days=i)))
        if (i + 1) % 60 == 0:
            print(f"  measured {i + 1}/{days} days ({time.perf_counter() - started:.0f} s)", flush=True)
    if cache is not None:
        cache.write_bytes(pickle.dumps(year))
    return year


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tx-per-day", type=int, default=2000)
    parser.add_argument("--growth", type=float, default=0.4)
    parser.add_argument("--season", type=float, default=0.15)
    parser.add_argument("--noise", type=float, default=0.03)
    parser.add_argument("--fault-days", type=int, default=6)
    parser.add_argument("--cache", type=Path, default=None,
                        help="pickle of the measured clean year: reused when it exists (to tune the YAML quickly)")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    import boto3
    from moto import mock_aws

    started = time.perf_counter()
    quality = load_quality_config("transactions")
    sim = SimConfig(seed=12, tx_per_day=args.tx_per_day, epoch=EPOCH, volume_growth=args.growth,
                    volume_season=args.season, volume_noise=args.noise)
    print(f"gate on a simulated year ({dt.date.today()}): {args.days} days from {START}, {args.tx_per_day:,} tx/day "
          f"growing {args.growth:.0%} a year, season +-{args.season:.0%}, day-to-day noise {args.noise:.0%}")
    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        world = YearWorld(boto3.client("s3", region_name="us-east-1"), sim, quality, Path(tmp))
        year = measure_year(world, args.days, args.cache, started)
        results, histories = {}, {}
        for name, cfg in variants(quality).items():
            results[name], histories[name] = clean_year(cfg, year)
        print_clean(results)
        step = (args.days // 2) // args.fault_days
        fault_days = [START + dt.timedelta(days=args.days // 2 + i * step + i % 7) for i in range(args.fault_days)]
        for name in ("before", "committed"):
            cfg = variants(quality)[name]
            print(f"\nTable 2 ({name}) - faults on {len(fault_days)} days of the second half: judged critical "
                  "(goal: every middle magnitude)")
            for label, mag, caught, total, top in fault_table(world, cfg, histories[name], fault_days):
                print(f"  {label:20} {mag:>9}  {caught}/{total} critical   {top}")
            print(f"  gradual drifts over {DRIFT_DAYS} days: days to the first warning or critical (goal: <= 5)")
            for label, delays, top in drift_table(world, cfg, histories[name], fault_days[:4]):
                shown = " ".join("-" if d is None else str(d) for d in delays)
                print(f"  {label:28} delays {shown:12}  {top}")
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
