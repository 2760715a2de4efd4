"""Benchmark: one landed day through ingest, dbt transforms and batch scoring, each next to its plain-engine floor.

Usage (from the repository root)::

    PYTHONPATH=include python bench/bench_value_pipeline.py [--rows 1000000] [--chunk-sizes 100000,1000000]

Setup (not timed): a temporary folder, a moto S3 server on 127.0.0.1 (in this process), one day landed by
the simulator (transactions and the chargebacks reported that day), a DuckDB warehouse file, a small LightGBM
champion trained on synthetic rows and promoted in a SQLite registry. Then, each stage next to its floor,
measured in the same run on the same data:

* ingest: ``ingest_batch`` (download, checksum, contract and row rules, quarantine, partition replace) vs
  downloading the same parts from the same S3 plus one DuckDB ``CREATE TABLE AS SELECT * FROM read_csv(...)``;
  the download is inside both timings.
* transforms: ``dbt build`` (models + data tests, subprocess, fresh warehouse) vs the compiled SQL of the same
  run executed directly in DuckDB on a copy of the post-ingest warehouse, in dependency order, with dbt's own
  materialization (view / table), then every compiled test query. ``dbt run`` (models only, on another copy)
  is compared with the models part of that floor.
* scoring: ``score_batch`` for each chunk size vs ``booster.predict`` on the day's feature matrix already in
  memory (read and encoded outside the timing, those times are printed).

Peak memory: the RSS of this process (plus its children, for dbt) is sampled in a background thread during
each stage; the table shows peak minus the RSS when the stage started, in MB. Not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import duckdb
import numpy as np
import psutil

from dataops.datasets import load_dataset
from dataops.datasets.config import DatasetConfig
from dataops.ingest import ingest_batch, landing
from dataops.scoring import score_batch
from dataops.simulator import S3Sink, SimConfig, Simulator, land_day
from dataops.warehouse import WarehouseLocation, open_warehouse

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
BUCKET = "landing"
MB = 1024 * 1024


# ----------------------------------------------------------------------------------------------- measuring
def _rss(tree: bool) -> int:
    """Resident set size of this process, plus its descendants when ``tree``."""
    proc = psutil.Process()
    total = proc.memory_info().rss
    if tree:
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
    return total


def _release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS, so each stage starts from a low baseline."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@dataclass
class Measure:
    """Wall time and peak RSS above the starting RSS of one measured block."""

    seconds: float = 0.0
    peak_mb: float = 0.0
    splits: dict[str, float] = field(default_factory=dict)


@contextmanager
def measured(tree: bool = False, interval: float = 0.005) -> Iterator[Measure]:
    """Time a block and sample its RSS in a background thread.

    :param tree: include child processes (a dbt subprocess) in the RSS.
    :param interval: sampling period in seconds.
    """
    _release_memory()
    result = Measure()
    baseline = _rss(False)
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss(tree))
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - t0
        stop.set()
        sampler.join()
        peak[0] = max(peak[0], _rss(tree))
        result.peak_mb = (peak[0] - baseline) / MB


@dataclass
class Row:
    """One line of the result table."""

    stage: str
    stage_m: Measure
    floor_m: Measure
    note: str = ""


def _say(text: str) -> None:
    print(text, flush=True)


# ----------------------------------------------------------------------------------------------- setup
def start_s3() -> tuple[object, str]:
    """A moto S3 server on 127.0.0.1, any free port; returns (server, endpoint URL)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto accepts any key; real credentials are never needed nor read here.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench-access-key")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret-key")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return server, f"http://{host}:{port}"


def register_champion(tmp: Path, s3, cfg: DatasetConfig):
    """Train a small LightGBM model on synthetic feature rows, register it and promote it; returns the registry."""
    from sqlalchemy import create_engine

    from dataops.registry import ModelRegistry
    from dataops.training.pipeline import train_and_register
    from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse

    features, is_fraud = make_feature_rows(6000, dt.date(2025, 9, 1), 60, seed=3, fraud_shift=1.5)
    with duckdb.connect(str(tmp / "training.duckdb")) as con:
        write_warehouse(con, features, make_chargebacks(features, is_fraud, seed=3))
        registry = ModelRegistry(create_engine(f"sqlite:///{tmp / 'registry.sqlite'}"), s3,
                                 model_name=cfg.name, bucket="models")
        run = train_and_register(con, registry, cfg, cutoff=dt.date(2025, 12, 14), train_days=30, valid_days=7,
                                 holdout_days=7, created_by="bench")
    registry.promote(run.version, actor="bench", reason="benchmark champion")
    return registry


# ----------------------------------------------------------------------------------------------- ingest
def bench_ingest(s3, cfg: DatasetConfig, day: str, location: WarehouseLocation, tmp: Path) -> tuple[list[Row], dict]:
    """``ingest_batch`` of each source vs download + one ``read_csv`` CTAS of the same parts."""
    rows, reports = [], {}
    floor_db = tmp / "floor_ingest.duckdb"
    for source_name, source in cfg.sources.items():
        with measured() as stage:
            report = ingest_batch(s3, BUCKET, cfg, source_name, day, location, workdir=tmp)
        reports[source_name] = report
        parts = landing.read_manifest(s3, BUCKET, source.prefix, day).parts
        folder = tmp / f"floor_parts_{source_name}"
        folder.mkdir()
        with measured() as floor:
            t0 = time.perf_counter()
            paths = []
            for p in parts:
                local = folder / p.key.replace("/", "__")
                s3.download_file(BUCKET, p.key, str(local))
                paths.append(str(local))
            floor.splits["download"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            with duckdb.connect(str(floor_db)) as con:
                con.execute(f"CREATE OR REPLACE TABLE {source_name} AS SELECT * FROM read_csv(?, header=true)",
                            [paths])
                floor_rows = con.execute(f"SELECT count(*) FROM {source_name}").fetchone()[0]
            floor.splits["read_csv"] = time.perf_counter() - t0
        note = (f"{len(parts)} parts; floor = download {floor.splits['download']:.2f} s"
                f" + read_csv {floor.splits['read_csv']:.2f} s ({floor_rows:,} rows)")
        rows.append(Row(f"ingest {source_name}", stage, floor, note))
        _say(f"  ingest {source_name}: {report.summary().splitlines()[0]}  [{stage.seconds:.2f} s]; {note}")
    return rows, reports


# ----------------------------------------------------------------------------------------------- dbt
def run_dbt(command: str, warehouse: Path, target: Path, day: str, threads: int | None) -> Measure:
    """``dbt <command>`` for ``day`` in a subprocess on ``warehouse``; target and logs under ``target``."""
    env = dict(os.environ, DATAOPS_WAREHOUSE_PATH=str(warehouse))
    if threads:
        env["DATAOPS_DBT_THREADS"] = str(threads)
    cmd = [str(Path(sys.executable).with_name("dbt")), command, "--project-dir", str(DBT_PROJECT),
           "--profiles-dir", str(DBT_PROJECT), "--target", "duckdb", "--target-path", str(target),
           "--log-path", str(target / "logs"), "--vars", json.dumps({"batch_date": day}), "--quiet"]
    with measured(tree=True) as m:
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=target.parent)
    if result.returncode != 0:
        raise RuntimeError(f"dbt {command} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    run_results = json.loads((target / "run_results.json").read_text())
    m.splits["elapsed"] = run_results["elapsed_time"]
    for r in run_results["results"]:
        kind = r["unique_id"].split(".")[0]
        m.splits[kind] = m.splits.get(kind, 0.0) + r["execution_time"]
        m.splits[f"n_{kind}"] = m.splits.get(f"n_{kind}", 0) + 1
    return m


def _dependency_order(nodes: dict[str, dict]) -> list[str]:
    """Node ids such that each comes after the nodes it depends on (among ``nodes``)."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen:
            return
        seen.add(uid)
        for dep in nodes[uid]["depends_on"]["nodes"]:
            if dep in nodes:
                visit(dep)
        done.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    return done


def _compiled_sql(target: Path, node: dict) -> str:
    """The compiled SELECT of a node, read from ``<target>/compiled/<package>/<original_file_path>[/<path>]``."""
    base = target / "compiled" / node["package_name"] / node["original_file_path"]
    path = base if node["resource_type"] == "model" else base / node["path"]
    return path.read_text()


def run_floor(target: Path, warehouse: Path) -> tuple[Measure, Measure, int, int]:
    """Execute the compiled models (dependency order, dbt's materialization) then the compiled tests.

    :returns: (models measure, tests measure, number of models, failing test rows).
    """
    manifest = json.loads((target / "manifest.json").read_text())
    models = {u: n for u, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    tests = {u: n for u, n in manifest["nodes"].items() if n["resource_type"] == "test"}
    statements = []
    for uid in _dependency_order(models):
        node = models[uid]
        kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
        statements.append((node["schema"], f"CREATE OR REPLACE {kind} {node['relation_name']} AS\n"
                                            f"{_compiled_sql(target, node)}"))
    test_sql = [_compiled_sql(target, tests[u]) for u in sorted(tests)]
    with duckdb.connect(str(warehouse)) as con:
        with measured() as models_m:
            for schema, sql in statements:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                con.execute(sql)
        failures = 0
        with measured() as tests_m:
            for sql in test_sql:
                failures += con.execute(f"SELECT count(*) FROM (\n{sql}\n) AS dbt_test").fetchone()[0]
    return models_m, tests_m, len(statements), failures


def bench_transforms(day: str, warehouse: Path, tmp: Path, threads: int | None, run_only: bool) -> list[Row]:
    """``dbt build`` and ``dbt run`` vs the compiled SQL executed directly, each on a fresh post-ingest copy."""
    copies = {}
    for name in ("floor", "run_only"):
        folder = tmp / name
        folder.mkdir()
        copies[name] = folder / warehouse.name  # same file name: DuckDB's catalog name (in the SQL) is its stem
        shutil.copy2(warehouse, copies[name])
    build = run_dbt("build", warehouse, tmp / "target_build", day, threads)
    _say(f"  dbt build: {build.seconds:.2f} s wall, {build.splits['elapsed']:.2f} s in dbt's run "
         f"({int(build.splits.get('n_model', 0))} models {build.splits.get('model', 0):.2f} s, "
         f"{int(build.splits.get('n_test', 0))} tests {build.splits.get('test', 0):.2f} s summed over threads)")
    models_m, tests_m, n_models, failures = run_floor(tmp / "target_build", copies["floor"])
    _say(f"  floor: {n_models} compiled models {models_m.seconds:.2f} s, compiled tests {tests_m.seconds:.2f} s "
         f"({failures} failing rows)")
    both = Measure(models_m.seconds + tests_m.seconds, max(models_m.peak_mb, tests_m.peak_mb))
    rows = [Row("dbt build (models+tests)", build, both,
                f"startup+parse {build.seconds - build.splits['elapsed']:.2f} s of the wall time")]
    if run_only:
        run = run_dbt("run", copies["run_only"], tmp / "target_run", day, threads)
        _say(f"  dbt run: {run.seconds:.2f} s wall, {run.splits['elapsed']:.2f} s in dbt's run")
        rows.append(Row("dbt run (models only)", run, models_m,
                        f"startup+parse {run.seconds - run.splits['elapsed']:.2f} s of the wall time"))
    return rows


# ----------------------------------------------------------------------------------------------- scoring
def bench_scoring(cfg: DatasetConfig, day: str, location: WarehouseLocation, model,
                  chunk_sizes: list[int]) -> tuple[list[Row], int]:
    """``score_batch`` for each chunk size vs ``booster.predict`` on the in-memory feature matrix."""
    reports = []
    for size in chunk_sizes:
        with measured() as m:
            report = score_batch(location, cfg, day, model, chunk_size=size)
        reports.append((size, report, m))
        _say(f"  score_batch chunk_size={size:,}: {report.rows:,} rows in {report.chunks} chunks, "
             f"{report.flagged:,} flagged, {m.seconds:.2f} s = {report.rows / m.seconds:,.0f} rows/s, "
             f"peak +{m.peak_mb:.0f} MB")

    columns = ", ".join([cfg.id_column, *model.features])
    with measured() as whole:  # the unchunked way: the whole day in pandas, then one matrix
        with open_warehouse(location).connect() as con:
            frame = con.execute(f"SELECT {columns} FROM {cfg.feature_table} WHERE batch_date = CAST(? AS DATE) "
                                f"ORDER BY {cfg.id_column}", [day]).df()
            stored = con.execute("SELECT score FROM marts.predictions WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
                                 "AND role = 'champion' ORDER BY id", [cfg.name, day]).fetchnumpy()["score"]
        t0 = time.perf_counter()
        matrix = model.encoder.transform(frame)
        whole.splits["encode"] = time.perf_counter() - t0
    del frame
    with measured() as floor:
        scores = model.booster.predict(matrix)
    same = len(stored) == len(scores) and bool(np.allclose(stored, scores, rtol=0, atol=1e-12))
    _say(f"  floor: booster.predict on a {matrix.shape[0]:,} x {matrix.shape[1]} matrix {floor.seconds:.2f} s; "
         f"reading the whole day to pandas and encoding it (outside the floor's timing) took "
         f"{whole.seconds:.2f} s (encode {whole.splits['encode']:.2f} s), peak +{whole.peak_mb:.0f} MB; "
         f"stored predictions equal the floor's: {same}")
    rows = [Row(f"score chunk {size:,}", m, floor,
                f"{report.chunks} chunks, {report.rows / m.seconds:,.0f} rows/s") for size, report, m in reports]
    return rows, reports[-1][1].rows


# ----------------------------------------------------------------------------------------------- report
def print_table(rows: list[Row]) -> None:
    header = f"{'stage':<26} {'time s':>8} {'floor s':>8} {'ratio':>6} {'peak MB':>8} {'floor MB':>9}  notes"
    _say(header)
    _say("-" * len(header))
    for r in rows:
        ratio = r.stage_m.seconds / r.floor_m.seconds if r.floor_m.seconds else float("inf")
        _say(f"{r.stage:<26} {r.stage_m.seconds:>8.2f} {r.floor_m.seconds:>8.2f} {ratio:>6.1f} "
             f"{r.stage_m.peak_mb:>8.0f} {r.floor_m.peak_mb:>9.0f}  {r.note}")


def _timed(label: str, fn: Callable[[], object]) -> object:
    t0 = time.perf_counter()
    out = fn()
    _say(f"  {label}: {time.perf_counter() - t0:.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="transactions per day (simulator tx_per_day)")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 3, 11))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-sizes", default="10000,100000,1000000", help="score_batch chunk sizes, comma-separated")
    parser.add_argument("--dbt-threads", type=int, default=None, help="default: the profile's (env DATAOPS_DBT_THREADS)")
    parser.add_argument("--no-run-only", action="store_true", help="skip the extra `dbt run` (models only)")
    args = parser.parse_args()
    chunk_sizes = [int(c) for c in args.chunk_sizes.split(",") if c]
    day = args.day.isoformat()
    cfg = load_dataset("transactions")
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench_value_pipeline_") as tmp_name:
        tmp = Path(tmp_name)
        server, endpoint = start_s3()
        try:
            s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
            _say(f"setup (not timed) in {tmp}, S3 at {endpoint}")
            sim = Simulator(SimConfig(seed=args.seed, tx_per_day=args.rows))
            summary = _timed("land", lambda: land_day(sim, args.day, S3Sink(s3, BUCKET)))
            _say(f"  {summary.line()}")
            registry = _timed("train + register + promote a champion", lambda: register_champion(tmp, s3, cfg))
            model = _timed("registry.load('champion')", lambda: registry.load("champion"))
            (tmp / "wh").mkdir()
            warehouse = tmp / "wh" / "warehouse.duckdb"
            location = WarehouseLocation.duckdb(warehouse)

            _say("ingest")
            rows, reports = bench_ingest(s3, cfg, day, location, tmp)
            _say("transforms")
            rows += bench_transforms(day, warehouse, tmp, args.dbt_threads, not args.no_run_only)
            _say("scoring")
            score_rows, scored = bench_scoring(cfg, day, location, model, chunk_sizes)
            rows += score_rows
            with open_warehouse(location).connect() as con:
                features = con.execute(f"SELECT count(*) FROM {cfg.feature_table} WHERE batch_date = ?",
                                       [day]).fetchone()[0]
        finally:
            server.stop()

    _say("")
    _say(f"day {day}, {args.rows:,} rows requested; {os.cpu_count()} cores")
    for name, rep in reports.items():
        _say(f"  {name}: landed {rep.rows_landed:,} = loaded {rep.rows_loaded:,} + quarantined "
             f"{rep.rows_quarantined:,}")
    _say(f"  feature rows {features:,}; scored {scored:,}")
    _say("")
    print_table(rows)
    _say("floors: ingest = S3 download of the same parts + one DuckDB read_csv CTAS (download inside both "
         "timings); dbt = the run's compiled SQL executed in DuckDB in dependency order with dbt's materialization "
         "(+ the compiled tests for build); score = booster.predict on the encoded day already in memory. "
         "peak MB = peak RSS - RSS at the stage's start (dbt: its subprocess included).")
    by_stage = {r.stage: r for r in rows}
    if "dbt build (models+tests)" in by_stage:
        b = by_stage["dbt build (models+tests)"]
        _say(f"dbt overhead: build {b.stage_m.seconds / b.floor_m.seconds:.2f}x its floor")
    peaks = [(s, by_stage[f"score chunk {s:,}"].stage_m.peak_mb) for s in chunk_sizes]
    if len(peaks) > 1:
        _say("scoring peak RSS by chunk size: " + ", ".join(f"{s:,} -> {p:.0f} MB" for s, p in peaks))
    _say(f"total wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
