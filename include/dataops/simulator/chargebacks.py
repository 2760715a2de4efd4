"""The chargeback feed: frauds reported on a day, regenerated from the frauds of the preceding days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from dataops.simulator.frauds import EPOCH, FraudModel, day_start_seconds
from dataops.simulator.population import ECOM
from dataops.simulator.transactions import format_timestamps, format_tx_ids

CHARGEBACK_COLUMNS: tuple[str, ...] = ("tx_id", "tx_ts", "reported_at", "reason_code")
#: Visa-style fraud reason codes: card-present and card-absent environment.
REASON_CARD_PRESENT = "10.3"
REASON_CARD_ABSENT = "10.4"


def chargebacks_for_day(model: FraudModel, day: dt.date) -> pa.Table:
    """Chargebacks landed on ``day``: every fraud of the previous days whose report falls on ``day``.

    Only frauds ever appear; a fraud is reported exactly once, ``label_delay_min_days`` to
    ``label_delay_cap_days`` after the transaction.

    :param model: fraud model of the simulation.
    :param day: landing day (the feed's batch date).
    """
    lo, hi = day_start_seconds(day), day_start_seconds(day) + 86_400
    ids, ts, reported, channel = [], [], [], []
    for back in range(model.config.label_lookback_days + 1):
        d = day - dt.timedelta(days=back)
        if d < EPOCH:
            break
        fr = model.frauds(d)
        hit = (fr.reported_ts >= lo) & (fr.reported_ts < hi)
        if hit.any():
            ids.append(format_tx_ids(d, fr.tx_index[hit]))
            ts.append(fr.ts[hit])
            reported.append(fr.reported_ts[hit])
            channel.append(model.pop.term_channel[fr.terminal[hit]])
    if not ids:
        return pa.table({c: pa.array([], pa.string()) for c in CHARGEBACK_COLUMNS})
    tx_id = pa.concat_arrays(ids)
    ts_all, rep_all = np.concatenate(ts), np.concatenate(reported)
    reason = np.where(np.concatenate(channel) == ECOM, REASON_CARD_ABSENT, REASON_CARD_PRESENT)
    order = np.lexsort((np.asarray(tx_id.to_numpy(zero_copy_only=False)), rep_all))
    return pa.table(
        [
            tx_id.take(pa.array(order)),
            format_timestamps(ts_all[order]),
            format_timestamps(rep_all[order]),
            pa.array(reason[order]),
        ],
        names=list(CHARGEBACK_COLUMNS),
    )
