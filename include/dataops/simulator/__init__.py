"""Synthetic card-transaction source with late-arriving chargebacks and fault injection.

Public API::

    from dataops.simulator import SimConfig, Simulator, parse_fault, land_range, LocalDirSink

    sim = Simulator(SimConfig(seed=7, tx_per_day=5000), [parse_fault("2026-03-14:volume_drop")])
    tx = sim.transactions(date)      # DayTransactions (to_table(), to_pandas(), is_fraud, scenario)
    cb = sim.chargebacks(date)       # pyarrow Table: tx_id, tx_ts, reported_at, reason_code
    land_range(sim, start, days, S3Sink(make_s3_client(), "landing"))

Command line: ``python -m dataops.simulator land --start 2026-01-01 --days 60 --tx-per-day 5000``.
"""

from dataops.simulator.batches import Batch, build_batches
from dataops.simulator.chargebacks import CHARGEBACK_COLUMNS
from dataops.simulator.cli import add_subcommands, main
from dataops.simulator.config import SimConfig
from dataops.simulator.faults import (
    FAULT_KINDS,
    FaultSchedule,
    FaultSpec,
    load_scenario,
    make_fault,
    parse_fault,
)
from dataops.simulator.frauds import SCENARIOS, DayFrauds, DriftParams
from dataops.simulator.landing import DaySummary, land_day, land_range, write_batch
from dataops.simulator.parts import MANIFEST_NAME, Part, batch_prefix
from dataops.simulator.simulator import Simulator
from dataops.simulator.sinks import LocalDirSink, S3Sink, make_s3_client, resolve_endpoint
from dataops.simulator.transactions import TRANSACTION_COLUMNS, DayTransactions

__all__ = [
    "CHARGEBACK_COLUMNS",
    "FAULT_KINDS",
    "MANIFEST_NAME",
    "SCENARIOS",
    "TRANSACTION_COLUMNS",
    "Batch",
    "DayFrauds",
    "DaySummary",
    "DayTransactions",
    "DriftParams",
    "FaultSchedule",
    "FaultSpec",
    "LocalDirSink",
    "Part",
    "S3Sink",
    "SimConfig",
    "Simulator",
    "add_subcommands",
    "batch_prefix",
    "build_batches",
    "land_day",
    "land_range",
    "load_scenario",
    "main",
    "make_fault",
    "make_s3_client",
    "parse_fault",
    "resolve_endpoint",
    "write_batch",
]
