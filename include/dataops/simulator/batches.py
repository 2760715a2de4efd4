"""Build a day's landed batches: serialise both feeds and apply the day's file-level faults."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from dataops.simulator import file_faults
from dataops.simulator.faults import FaultSpec
from dataops.simulator.parts import Part, part_key, split_parts, to_lines
from dataops.simulator.rng import day_rng
from dataops.simulator.simulator import Simulator

DEFAULT_ROWS_PER_PART = 250_000


@dataclass(frozen=True)
class Batch:
    """One dataset's batch of one day, ready to land.

    :param late: a ``late_file`` fault withholds it unless late files are included.
    :param faults: the faults that shaped it.
    """

    dataset: str
    day: dt.date
    parts: list[Part]
    late: bool = False
    faults: list[FaultSpec] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)


def _rng(sim: Simulator, day: dt.date, fault: FaultSpec, dataset: str, i: int) -> np.random.Generator:
    return day_rng(sim.config.seed, day, f"fault:{fault.kind}:{dataset}:{i}")


def _shape(
    sim: Simulator, day: dt.date, dataset: str, table: pa.Table, rows_per_part: int, compresslevel: int
) -> Batch:
    """Apply table, line and part faults in a fixed order and cut the parts."""
    sched = sim.schedule
    used: list[FaultSpec] = []
    steps = [
        ("new_category", lambda t, f, r: file_faults.new_category(t, f, r)),
        ("duplicated_rows", lambda t, f, r: file_faults.duplicated_rows(t, f, r)),
        ("null_column", lambda t, f, r: file_faults.null_column(t, f, r, dataset)),
        ("schema_change", lambda t, f, r: file_faults.schema_change(t, f, r)),
    ]
    for kind, apply in steps:
        for i, fault in enumerate(sched.file_faults(day, dataset, kind)):
            table = apply(table, fault, _rng(sim, day, fault, dataset, i))
            used.append(fault)
    lines = to_lines(table)
    for i, fault in enumerate(sched.file_faults(day, dataset, "unparseable_rows")):
        lines = file_faults.unparseable_rows(lines, fault, _rng(sim, day, fault, dataset, i))
        used.append(fault)
    parts = split_parts(dataset, day, table.column_names, lines, rows_per_part, compresslevel)
    for fault in sched.file_faults(day, dataset, "duplicated_file"):
        source = parts[min(fault.params["part"], len(parts) - 1)]
        parts.append(dataclasses.replace(source, key=part_key(dataset, day, len(parts))))
        used.append(fault)
    late = sched.is_late(day, dataset)
    used.extend(sched.file_faults(day, dataset, "late_file"))
    return Batch(dataset=dataset, day=day, parts=parts, late=late, faults=used)


def build_batches(
    sim: Simulator, day: dt.date, rows_per_part: int = DEFAULT_ROWS_PER_PART, compresslevel: int = 6
) -> tuple[Batch, Batch]:
    """The transactions and chargebacks batches of ``day``, faults applied.

    :param sim: simulator.
    :param day: batch date.
    :param rows_per_part: largest number of rows per part.
    :param compresslevel: gzip level.
    """
    tx = sim.transactions(day)
    world = [f for f in sim.schedule.on(day) if f.kind in {"volume_drop", "concept_drift"}]
    for fault in sim.schedule.on(day):
        if fault.kind == "amount_shift":
            shifted = np.round(tx.amount_cents * fault.params["factor"]).astype(np.int64)
            tx = dataclasses.replace(tx, amount_cents=np.maximum(shifted, 1))
            world.append(fault)
    tx_batch = _shape(sim, day, "transactions", tx.to_table(), rows_per_part, compresslevel)
    tx_batch = dataclasses.replace(tx_batch, faults=world + tx_batch.faults)
    cb_batch = _shape(sim, day, "chargebacks", sim.chargebacks(day), rows_per_part, compresslevel)
    return tx_batch, cb_batch
