"""Same seed, same data: per day, whatever else was generated before, and down to the landed bytes."""

from __future__ import annotations

import datetime as dt

import numpy as np

from dataops.simulator import LocalDirSink, SimConfig, Simulator, land_range

DAY = dt.date(2026, 3, 11)
FIELDS = ("tx_index", "ts", "customer", "terminal", "amount_cents", "scenario")


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def test_same_seed_same_day(small_config):
    a = Simulator(small_config).transactions(DAY)
    b = Simulator(small_config).transactions(DAY)
    assert _same(a, b)
    assert a.to_table().equals(b.to_table())


def test_day_alone_equals_day_inside_a_range(small_config):
    in_range = Simulator(small_config)
    days = [DAY - dt.timedelta(days=k) for k in range(5, -1, -1)]
    generated = {d: in_range.transactions(d) for d in days}
    alone = Simulator(small_config).transactions(DAY)
    assert _same(generated[DAY], alone)
    # And the chargebacks of a day do not depend on what the simulator generated before.
    later = DAY + dt.timedelta(days=12)
    assert in_range.chargebacks(later).equals(Simulator(small_config).chargebacks(later))


def test_other_seed_other_data(small_config):
    other = Simulator(SimConfig(seed=small_config.seed + 1, tx_per_day=small_config.tx_per_day))
    a, b = Simulator(small_config).transactions(DAY), other.transactions(DAY)
    assert not np.array_equal(a.amount_cents[:100], b.amount_cents[:100])


def test_frauds_regenerated_cheaply_match_the_full_day(small_sim):
    day = small_sim.transactions(DAY)
    frauds = Simulator(small_sim.config).frauds(DAY)
    fraud_rows = np.flatnonzero(day.is_fraud)
    assert len(frauds) == len(fraud_rows) > 0
    order = np.argsort(frauds.tx_index)
    by_id = np.argsort(day.tx_index[fraud_rows])
    assert np.array_equal(frauds.tx_index[order], day.tx_index[fraud_rows][by_id])
    assert np.array_equal(frauds.ts[order], day.ts[fraud_rows][by_id])
    assert np.array_equal(frauds.customer[order], day.customer[fraud_rows][by_id])


def test_tx_ids_unique_and_dense(small_sim):
    day = small_sim.transactions(DAY)
    assert np.array_equal(np.sort(day.tx_index), np.arange(len(day)))
    ts = day.ts
    assert np.all(np.diff(ts) >= 0), "rows are sorted by time"


def test_landed_bytes_identical_across_runs(tmp_path, small_config):
    manifests = []
    for run in ("a", "b"):
        sink = LocalDirSink(tmp_path / run)
        land_range(Simulator(small_config), DAY, 2, sink, rows_per_part=1000, echo=None)
        files = sorted(p for p in (tmp_path / run).rglob("*.csv.gz"))
        manifests.append({p.relative_to(tmp_path / run).as_posix(): p.read_bytes() for p in files})
    assert manifests[0] == manifests[1]
    assert len(manifests[0]) >= 2 * 3 + 2  # >= 3 transaction parts a day plus one chargeback part
