"""Benchmark of the quality step's metric computation, in one run, with ratios.

For batches of 1 M and 10 M rows (synthesised with DuckDB SQL into a DuckDB file, same schema as
``raw.transactions``), it times:

* ``quality``  -- :func:`dataops.quality.metrics.compute_batch_metrics` (every configured metric, SQL pushdown);
* ``floor``    -- one DuckDB aggregate query over the same rows (count, avg/stddev of ln(amount), one share);
* ``gx_sql``   -- the committed GX checkpoint on the warehouse (SQL pushdown through SQLAlchemy);
* ``gx_pandas``-- GX's pandas path: the same batch read into a DataFrame and the same suites validated on it.

Usage: ``python bench/bench_quality.py [--rows 1000000 10000000] [--skip-pandas-above N]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

from dataops.datasets import load_dataset
from dataops.ingest.tables import ensure_raw_tables
from dataops.quality.config import load_quality_config
from dataops.quality.gx_runner import run_checkpoint, spc_parameters
from dataops.quality.metrics import compute_batch_metrics
from dataops.warehouse import WarehouseLocation

DAY = "2026-03-14"


def synthesise(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_raw_tables(con, load_dataset("transactions").sources["transactions"])
        con.execute("SELECT setseed(0.42)")
        con.execute(f"""
            INSERT INTO raw.transactions
            SELECT '20260314-' || lpad(CAST(i AS VARCHAR), 8, '0'), TIMESTAMP '2026-03-14' + INTERVAL (i % 86400) SECOND,
                   'C' || lpad(CAST(i % 100000 AS VARCHAR), 7, '0'), 'T' || lpad(CAST(i % 9000 AS VARCHAR), 6, '0'),
                   round(exp(3.4 + random() * 2), 2) + 0.01,
                   ['5411', '5812', '5311', '6011', '5999'][1 + CAST(floor(random() * 5) AS INTEGER)],
                   ['pos', 'pos', 'pos', 'ecom', 'atm'][1 + CAST(floor(random() * 5) AS INTEGER)],
                   'FR', 'EUR', DATE '{DAY}', 'part-00000.csv.gz', CAST(i + 2 AS INTEGER), 1, now()
            FROM range({rows}) t(i)""")
        con.execute("INSERT INTO raw.ingest_files VALUES ('transactions', 'transactions', DATE '2026-03-14', 1, 'p', "
                    "'s', 'f', ?, ?, 0, 'loaded', '', now())", [rows, rows])
        con.execute("CHECKPOINT")


def timed(fn, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def floor_query(path: Path) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SELECT count(*), avg(ln(amount)), stddev_samp(ln(amount)), count(*) FILTER (WHERE channel = 'pos') "
                    "FROM raw.transactions WHERE batch_date = DATE '2026-03-14'").fetchall()


def gx_pandas(path: Path) -> None:
    import great_expectations as gx

    import dataops.quality.gx_expectations  # noqa: F401
    from dataops.quality.gx_project import contract_expectations, spc_expectations

    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.execute("SELECT *, CASE WHEN amount > 0 THEN ln(amount) END AS log_amount FROM raw.transactions "
                            "WHERE batch_date = DATE '2026-03-14'").df()
    context = gx.get_context(mode="ephemeral")
    batch_def = context.data_sources.add_pandas("p").add_dataframe_asset("batch").add_batch_definition_whole_dataframe("b")
    cfg = load_quality_config("transactions")
    params = spc_parameters({}, cfg)
    for name, exps in (("contract", contract_expectations(cfg)), ("spc", spc_expectations(cfg))):
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=exps))
        vd = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch_def, suite=suite))
        vd.run(batch_parameters={"dataframe": frame}, expectation_parameters=params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-pandas-above", type=int, default=20_000_000)
    args = parser.parse_args(argv)
    cfg = load_quality_config("transactions")
    print(f"{'rows':>11} {'floor s':>8} {'quality s':>9} {'gx_sql s':>9} {'gx_pandas s':>11} "
          f"{'quality/floor':>13} {'gx_sql/quality':>14} {'gx_pandas/quality':>17}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"w{rows}.duckdb"
            synthesise(path, rows)
            loc = WarehouseLocation.duckdb(path)
            t_floor = timed(lambda p=path: floor_query(p))
            t_quality = timed(lambda loc=loc: compute_batch_metrics(loc, cfg, "raw.transactions", DAY))
            t_gx = timed(lambda loc=loc: run_checkpoint(loc, checkpoint="transactions_quality", batch_date=DAY,
                                                         parameters=spc_parameters({}, load_quality_config("transactions")),
                                                         docs_dir=Path(tmp) / "docs"), repeat=1)
            t_pd = timed(lambda p=path: gx_pandas(p), repeat=1) if rows <= args.skip_pandas_above else float("nan")
            print(f"{rows:>11,} {t_floor:>8.3f} {t_quality:>9.3f} {t_gx:>9.2f} {t_pd:>11.2f} "
                  f"{t_quality / t_floor:>13.1f} {t_gx / t_quality:>14.1f} {t_pd / t_quality:>17.1f}", flush=True)
            os.remove(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
