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


def dbt_target_env(location: WarehouseLocation) -> dict[str, str]:
    """The variables ``dbt_project/profiles.yml`` reads for the location's target (``duckdb`` or ``postgres``)."""
    if location.kind == "duckdb":
        return {"DATAOPS_WAREHOUSE_PATH": str(location.path)}
    return {"DATAOPS_PG_HOST": location.host or "127.0.0.1", "DATAOPS_PG_PORT": str(location.port),
            "DATAOPS_PG_USER": location.user or "postgres", "DATAOPS_PG_PASSWORD": location.password or "",
            "DATAOPS_PG_DBNAME": location.database or "", "DATAOPS_PG_SCHEMA": "public"}


def dbt_build_all(project_dir: Path, location: WarehouseLocation, target_path: Path | None = None) -> None:
    """``dbt build`` of every model over every batch (no ``batch_date`` var), on either warehouse."""
    cmd = [str(Path(sys.executable).with_name("dbt")), "build", "--project-dir", str(project_dir),
           "--profiles-dir", str(project_dir), "--target", location.kind, "--quiet"]
    env = dict(os.environ, **dbt_target_env(location))
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
