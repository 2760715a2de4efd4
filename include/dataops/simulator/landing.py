"""Land a day's batches: parts first, stale parts removed, ``_manifest.json`` last."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from dataops.simulator.batches import DEFAULT_ROWS_PER_PART, Batch, build_batches
from dataops.simulator.parts import MANIFEST_NAME, batch_prefix, manifest
from dataops.simulator.simulator import Simulator
from dataops.simulator.sinks import Sink


def write_batch(sink: Sink, batch: Batch) -> dict:
    """Write a batch so a reader never sees a manifest that does not match the parts.

    The old manifest is removed first, then the parts are written, parts of an earlier run that are
    no longer listed are deleted, and the manifest is written last. Rerunning a day overwrites it.

    :param sink: destination.
    :param batch: the batch.
    :returns: the manifest written.
    """
    prefix = batch_prefix(batch.dataset, batch.day)
    manifest_key = prefix + MANIFEST_NAME
    sink.delete(manifest_key)
    for part in batch.parts:
        sink.put(part.key, part.data)
    keep = {p.key for p in batch.parts}
    for key in sink.list_keys(prefix):
        if key not in keep and key != manifest_key:
            sink.delete(key)
    body = manifest(batch.dataset, batch.day, batch.parts)
    sink.put(manifest_key, json.dumps(body, indent=2).encode("utf-8"))
    return body


@dataclass
class DaySummary:
    """What ``land`` did for one day."""

    day: dt.date
    frauds: int
    tx_rows: int = 0
    tx_parts: int = 0
    chargeback_rows: int = 0
    landed: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the console."""
        rate = 100.0 * self.frauds / self.tx_rows if self.tx_rows else 0.0
        text = (
            f"{self.day} transactions={self.tx_rows} parts={self.tx_parts} frauds={self.frauds} ({rate:.2f}%)"
            f" chargebacks={self.chargeback_rows}"
        )
        if self.faults:
            text += " faults=" + ";".join(self.faults)
        if self.withheld:
            text += " withheld=" + ",".join(self.withheld) + " (late_file; land again with --include-late)"
        return text


def land_day(
    sim: Simulator,
    day: dt.date,
    sink: Sink,
    rows_per_part: int = DEFAULT_ROWS_PER_PART,
    include_late: bool = False,
    compresslevel: int = 6,
) -> DaySummary:
    """Build and land the transactions and chargebacks batches of ``day``.

    A batch hit by ``late_file`` is withheld unless ``include_late`` (run ``land`` for that day again
    with ``--include-late`` to deliver it late).

    :param sim: simulator.
    :param day: batch date.
    :param sink: destination.
    :param rows_per_part: largest number of rows per part.
    :param include_late: land late batches too.
    :param compresslevel: gzip level.
    """
    tx_batch, cb_batch = build_batches(sim, day, rows_per_part, compresslevel)
    summary = DaySummary(
        day=day,
        frauds=len(sim.frauds(day)),
        tx_rows=tx_batch.rows,
        tx_parts=len(tx_batch.parts),
        chargeback_rows=cb_batch.rows,
    )
    for batch in (tx_batch, cb_batch):
        summary.faults.extend(f.label() for f in batch.faults if f.label() not in summary.faults)
        if batch.late and not include_late:
            summary.withheld.append(batch.dataset)
            continue
        write_batch(sink, batch)
        summary.landed.append(batch.dataset)
    return summary


def land_range(
    sim: Simulator,
    start: dt.date,
    days: int,
    sink: Sink,
    rows_per_part: int = DEFAULT_ROWS_PER_PART,
    include_late: bool = False,
    compresslevel: int = 6,
    echo: Callable[[str], None] | None = print,
) -> list[DaySummary]:
    """Land ``days`` consecutive days from ``start``, echoing one summary line per day.

    :param echo: called with each day's summary line (``None`` for silence).
    """
    summaries = []
    for offset in range(days):
        summary = land_day(sim, start + dt.timedelta(days=offset), sink, rows_per_part, include_late, compresslevel)
        if echo is not None:
            echo(summary.line())
        summaries.append(summary)
    return summaries
