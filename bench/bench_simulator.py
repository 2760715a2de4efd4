"""Throughput of the transaction simulator: rows per second for a day of 1 million transactions (10 million:
``--tx-per-day 10000000``; the target of a day's generation is 1 million rows/s at either size).

Usage::

    PYTHONPATH=include python bench/bench_simulator.py [--tx-per-day 1000000] [--compresslevel 6]

Prints the time of each stage (population, generation, landing to a temporary directory as gzipped CSV
parts with a manifest) and rows/s. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time

from dataops.simulator import LocalDirSink, SimConfig, Simulator, land_day

#: rows generated per second a day of any size should reach (issue: performance at scale)
TARGET_ROWS_PER_S = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tx-per-day", type=int, default=1_000_000)
    parser.add_argument("--compresslevel", type=int, default=6)
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 3, 11))
    args = parser.parse_args()

    sim = Simulator(SimConfig(seed=7, tx_per_day=args.tx_per_day))
    t0 = time.perf_counter()
    pop = sim.population
    t_pop = time.perf_counter() - t0
    print(f"population: {pop.n_customers} customers, {pop.n_terminals} terminals in {t_pop:.2f} s (once per run)")

    t0 = time.perf_counter()
    tx = sim.transactions(args.day)
    t_gen = time.perf_counter() - t0
    print(f"generate:   {len(tx):,} rows in {t_gen:.2f} s = {len(tx) / t_gen:,.0f} rows/s "
          f"({len(tx) / t_gen / TARGET_ROWS_PER_S:.2f}x the target of {TARGET_ROWS_PER_S:,} rows/s; "
          f"{int(tx.is_fraud.sum())} frauds)")

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        summary = land_day(sim, args.day, LocalDirSink(out), compresslevel=args.compresslevel)
        t_land = time.perf_counter() - t0
    print(f"land:       {summary.tx_rows:,} rows in {summary.tx_parts} parts + {summary.chargeback_rows} chargebacks "
          f"in {t_land:.2f} s = {summary.tx_rows / t_land:,.0f} rows/s (generate + CSV + gzip level "
          f"{args.compresslevel} + write)")


if __name__ == "__main__":
    main()
