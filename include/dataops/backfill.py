"""Load a stretch of landed history without the scheduler (used by `make demo` to seed the warehouse).

The same core steps as the Value Pipeline's tasks — ingest each batch, then one ``dbt build`` over all
batches — so that the pipeline's first scheduled runs have history behind them (feature windows of 30
days, SPC baselines).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from dataops.datasets.config import DatasetConfig
from dataops.ingest import BatchNotLanded, IngestReport, ingest_batch
from dataops.warehouse import WarehouseLocation

log = logging.getLogger(__name__)


def ingest_history(s3, bucket: str, dataset: DatasetConfig, dates: list[str],
                   location: WarehouseLocation) -> list[IngestReport]:
    """Ingest every source of every date that has landed; dates whose batch is missing are logged and skipped."""
    reports = []
    for day in dates:
        for source in dataset.sources:
            try:
                reports.append(ingest_batch(s3, bucket, dataset, source, day, location))
            except BatchNotLanded as err:
                log.warning("%s", err)
    return reports


def dbt_build_all(project_dir: Path, location: WarehouseLocation, target_path: Path | None = None) -> None:
    """``dbt build`` of every model over every batch (no ``batch_date`` var), on the DuckDB warehouse."""
    env = dict(os.environ, DATAOPS_WAREHOUSE_PATH=str(location.path))
    cmd = [str(Path(sys.executable).with_name("dbt")), "build", "--project-dir", str(project_dir),
           "--profiles-dir", str(project_dir), "--target", "duckdb", "--quiet"]
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
