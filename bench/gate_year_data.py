"""Data of the simulated year of ``bench_gate_year.py``: each day landed, ingested and measured for real.

Every day goes the way of production up to the gate's metrics: the simulator lands the day's files into an
S3 bucket (moto, in process), :func:`dataops.ingest.ingest_batch` loads both sources into a DuckDB warehouse
(quarantine, ledger, file contract), and :func:`dataops.quality.metrics.compute_batch_metrics` measures the
configured ``batch`` metrics. A faulty variant of a day is landed in its own bucket and loaded into its own
scratch warehouse, so the clean year is never touched. (The ``post_score`` metrics need a champion model and
are left out.)
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataops.datasets import load_dataset
from dataops.ingest import ingest_batch
from dataops.ingest.errors import BatchNotLanded
from dataops.quality.config import QualityConfig
from dataops.quality.metrics import BatchFacts, compute_batch_metrics
from dataops.simulator import SimConfig, Simulator
from dataops.simulator.faults import FaultSpec
from dataops.simulator.landing import land_day
from dataops.simulator.sinks import S3Sink
from dataops.warehouse import WarehouseLocation


@dataclass
class DayMetrics:
    """The measured ``batch`` metrics of one day (value, n) and its ledger facts; ``landed`` False when the
    batch never arrived (late file)."""

    day: dt.date
    values: dict[str, tuple[float, int | None]] = field(default_factory=dict)
    facts: BatchFacts | None = None
    landed: bool = True


class YearWorld:
    """A bucket and warehouses for the simulated year.

    :param s3: boto3 client (moto).
    :param sim_config: the simulated business (growth, season, noise).
    :param quality: the dataset's quality configuration.
    :param workdir: where the DuckDB files go.
    """

    def __init__(self, s3: Any, sim_config: SimConfig, quality: QualityConfig, workdir: Path) -> None:
        self.s3, self.sim_config, self.quality, self.workdir = s3, sim_config, quality, workdir
        self.dataset = load_dataset(quality.dataset)
        self.clean_sim = Simulator(sim_config)
        self.clean = WarehouseLocation.duckdb(str(workdir / "year.duckdb"))
        self._scratch = 0
        S3Sink(s3, "clean")

    def measure_clean(self, day: dt.date) -> DayMetrics:
        """Land, ingest and measure the clean batch of ``day`` in the year's warehouse."""
        land_day(self.clean_sim, day, S3Sink(self.s3, "clean", create_bucket=False))
        return self._measure("clean", day, self.clean)

    def measure_faulty(self, day: dt.date, faults: list[FaultSpec]) -> DayMetrics:
        """Land ``day`` with ``faults`` in its own bucket and measure it in a scratch warehouse."""
        self._scratch += 1
        bucket = f"fault-{self._scratch}"
        land_day(Simulator(self.sim_config, faults), day, S3Sink(self.s3, bucket))
        location = WarehouseLocation.duckdb(str(self.workdir / f"scratch-{self._scratch}.duckdb"))
        try:
            return self._measure(bucket, day, location)
        finally:
            Path(location.path).unlink(missing_ok=True)

    def _measure(self, bucket: str, day: dt.date, location: WarehouseLocation) -> DayMetrics:
        out = DayMetrics(day=day)
        for source in self.quality.sources:
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    ingest_batch(self.s3, bucket, self.dataset, source, day.isoformat(), location, workdir=tmp)
            except BatchNotLanded:
                out.landed = False
                return out
        raw_table = self.dataset.sources[self.quality.source].raw_table
        values, out.facts = compute_batch_metrics(location, self.quality, raw_table, day.isoformat())
        out.values = {v.metric: (float(v.value), v.n) for v in values if v.value is not None}
        return out
