"""One tile per metric of a dataset: the latest batch's verdict, as an analyst reads it at a glance.

States: ``critical`` and ``warning`` (the gate's verdict), ``excluded`` (an analyst labelled the point
``known_bad``: out of the baseline), ``ok`` otherwise (in control, learning, or a critical point an analyst
labelled ``false_positive``; the tile's note says which).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from dataops.quality.config import DATA_FAMILY, FAMILIES, load_quality_config
from dataops.quality.history import HISTORY
from dataops.spc import CRITICAL, FALSE_POSITIVE, KNOWN_BAD, LEARNING, WARNING
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse

OK = "ok"
EXCLUDED = "excluded"
TILE_STATES = (OK, WARNING, CRITICAL, EXCLUDED)


def tile_state(verdict: str, status: str) -> str:
    """The tile's state of a recorded point.

    :param verdict: the gate's verdict (``learning``, ``in_control``, ``warning``, ``critical``).
    :param status: the point's status (``in_baseline``, ``out_of_control``, ``known_bad``, ``false_positive``).
    """
    if status == KNOWN_BAD:
        return EXCLUDED
    if status == FALSE_POSITIVE:
        return OK
    return verdict if verdict in (CRITICAL, WARNING) else OK


def _note(verdict: str, status: str) -> str:
    if status == KNOWN_BAD:
        return "labelled known bad: left out of the baseline"
    if status == FALSE_POSITIVE:
        return f"labelled false positive (gate said {verdict})"
    if verdict == LEARNING:
        return "learning: too few baseline batches to judge"
    return verdict.replace("_", " ")


def as_date(value: date | str) -> date:
    """A :class:`datetime.date` from a date (or datetime) or an ISO string.

    :param value: the value.
    """
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def parse_rules(text: str | None) -> tuple[str, ...]:
    """The rule keys recorded with a point (a JSON list in ``quality.metric_history.rules``).

    :param text: the column's value.
    """
    try:
        rules = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple(str(r) for r in rules) if isinstance(rules, list) else ()


@dataclass(frozen=True)
class Tile:
    """One metric of the batch.

    :param metric: metric name.
    :param state: ``ok``, ``warning``, ``critical`` or ``excluded``.
    :param verdict: the gate's verdict.
    :param status: the point's status.
    :param value: the metric value (None when the batch had no data for it).
    :param rules: rules that fired.
    :param note: what the state means for this point.
    :param family: what the metric watches (:attr:`dataops.quality.config.MetricSpec.family`).
    """

    metric: str
    state: str
    verdict: str
    status: str
    value: float | None
    centre: float | None
    lcl: float | None
    ucl: float | None
    rules: tuple[str, ...]
    note: str
    family: str = DATA_FAMILY


@dataclass(frozen=True)
class DatasetTiles:
    """The tiles of a dataset's latest batch (``batch_date`` None: nothing recorded yet).

    :param missing: configured metrics not recorded for that batch (e.g. score metrics of a blocked run).
    """

    dataset: str
    batch_date: date | None
    tiles: tuple[Tile, ...]
    missing: tuple[str, ...] = ()
    missing_by_family: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def count(self, state: str) -> int:
        """How many tiles are in ``state``."""
        return sum(1 for t in self.tiles if t.state == state)

    def families(self) -> list[FamilyTiles]:
        """The tiles grouped by what they watch (batch data first, then the model's families), with the
        family's configured metrics that were not measured for the batch."""
        order = [DATA_FAMILY, *dict.fromkeys(FAMILIES.values())]
        names = [f for f in order if any(t.family == f for t in self.tiles) or f in self.missing_by_family]
        return [FamilyTiles(f, tuple(t for t in self.tiles if t.family == f), self.missing_by_family.get(f, ()))
                for f in names]


@dataclass(frozen=True)
class FamilyTiles:
    """The tiles of one family of metrics (:meth:`DatasetTiles.families`)."""

    family: str
    tiles: tuple[Tile, ...]
    missing: tuple[str, ...]

    def count(self, state: str) -> int:
        """How many tiles are in ``state``."""
        return sum(1 for t in self.tiles if t.state == state)


def latest_batch(warehouse: Warehouse, dataset: str, as_of: date | str | None = None) -> date | None:
    """The latest batch date recorded for the dataset (on or before ``as_of``).

    :param warehouse: the warehouse.
    :param dataset: dataset name.
    :param as_of: latest date to consider (default: no limit).
    """
    if not warehouse.table_exists(HISTORY):
        return None
    sql = f"SELECT max(batch_date) FROM {HISTORY} WHERE dataset = ?"
    params: list = [dataset]
    if as_of is not None:
        sql += " AND batch_date <= CAST(? AS DATE)"
        params.append(as_date(as_of).isoformat())
    row = warehouse.fetchone(sql, params)
    return as_date(row[0]) if row and row[0] is not None else None


def _families(dataset: str) -> dict[str, str]:
    """Metric -> family, in the quality config's order (empty without a config)."""
    try:
        return {m.name: m.family for m in load_quality_config(dataset).metrics}
    except FileNotFoundError:
        return {}


def dataset_tiles(where: Warehouse | WarehouseLocation | str, dataset: str,
                  as_of: date | str | None = None) -> DatasetTiles:
    """The tiles of the dataset's latest batch (on or before ``as_of``), in the quality config's order.

    :param where: the warehouse.
    :param dataset: dataset name.
    :param as_of: show the batch of this date or the latest before it (default: the latest).
    """
    warehouse = open_warehouse(where)
    day = latest_batch(warehouse, dataset, as_of)
    if day is None:
        return DatasetTiles(dataset, None, ())
    rows = warehouse.fetchall(
        f"SELECT metric, verdict, status, value, centre, lcl, ucl, rules FROM {HISTORY} "
        "WHERE dataset = ? AND batch_date = CAST(? AS DATE)", [dataset, day.isoformat()])
    family = _families(dataset)
    rank = {m: i for i, m in enumerate(family)}
    tiles = [Tile(m, tile_state(v, s), v, s, val, c, lo, hi, parse_rules(r), _note(v, s),
                  family.get(m, DATA_FAMILY)) for m, v, s, val, c, lo, hi, r in rows]
    tiles.sort(key=lambda t: (rank.get(t.metric, len(rank)), t.metric))
    recorded = {t.metric for t in tiles}
    missing = tuple(m for m in family if m not in recorded)
    by_family: dict[str, tuple[str, ...]] = {}
    for m in missing:
        by_family[family[m]] = (*by_family.get(family[m], ()), m)
    return DatasetTiles(dataset, day, tuple(tiles), missing, by_family)
