"""Feature drift: the population stability index (PSI) of each feature of a batch against the training
reference of the model that scored it, counted in the warehouse.

One aggregate query over the batch's rows of the feature table counts every reference bin of every feature
(``count(*) FILTER (WHERE ...)``: plain SQL on DuckDB and PostgreSQL); only the counts leave the warehouse.

``PSI = sum over bins of (a - e) * ln(a / e)``, with ``a`` the batch's share and ``e`` the training share of a
bin (missing values are a bin of their own, unseen categorical levels another); shares are floored at
:data:`FLOOR` so an empty bin does not make it infinite. Rule of thumb: under 0.1 stable, 0.1-0.25 a moderate
shift, above 0.25 a major one. The gate judges each feature's PSI with SPC (``feature_psi.<feature>``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataops.identifiers import checked_name, checked_table

FLOOR = 1e-4


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of ``actual`` shares against ``expected`` shares (same bins, same order).

    :param expected: the reference shares.
    :param actual: the batch's shares.
    """
    if len(expected) != len(actual):
        raise ValueError(f"psi needs as many bins on both sides, got {len(expected)} and {len(actual)}")
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, FLOOR), max(a, FLOOR)
        total += (a - e) * math.log(a / e)
    return total


@dataclass(frozen=True)
class FeatureDrift:
    """The drift of one feature on one batch.

    :param feature: feature name.
    :param psi: population stability index against the reference.
    :param rows: rows of the batch.
    :param worst_bin: the bin contributing most to the PSI, e.g. ``[12.5, 20.1)`` or ``level 'ecom'``.
    :param expected: the reference share of that bin.
    :param actual: the batch's share of that bin.
    """

    feature: str
    psi: float
    rows: int
    worst_bin: str
    expected: float
    actual: float

    def describe(self) -> str:
        return (f"{self.feature}: PSI {self.psi:.3f}, most in {self.worst_bin} "
                f"({self.expected:.1%} in training, {self.actual:.1%} now)")


def _numeric_bins(col: str, ref: Mapping[str, Any], params: list[Any]) -> tuple[list[str], list[str]]:
    edges = list(ref["edges"])
    if not edges:
        return [], []
    exprs, labels = [f"count(*) FILTER (WHERE {col} < ?)"], [f"< {edges[0]:g}"]
    params.append(edges[0])
    for lo, hi in zip(edges, edges[1:], strict=False):
        exprs.append(f"count(*) FILTER (WHERE {col} >= ? AND {col} < ?)")
        labels.append(f"[{lo:g}, {hi:g})")
        params.extend([lo, hi])
    exprs.append(f"count(*) FILTER (WHERE {col} >= ?)")
    labels.append(f">= {edges[-1]:g}")
    params.append(edges[-1])
    return exprs, labels


def _categorical_bins(col: str, ref: Mapping[str, Any], params: list[Any]) -> tuple[list[str], list[str]]:
    exprs, labels = [], []
    for level in ref["levels"]:
        exprs.append(f"count(*) FILTER (WHERE CAST({col} AS VARCHAR) = ?)")
        labels.append(f"level {level!r}")
        params.append(str(level))
    return exprs, labels


def _expected(ref: Mapping[str, Any]) -> list[float]:
    shares = [*ref["shares"], ref.get("null_share", 0.0)]
    return shares + [ref.get("other_share", 0.0)] if ref["type"] == "categorical" else shares


def feature_drift(warehouse: Any, feature_table: str, batch_date: str, reference: Mapping[str, Any],
                  features: Sequence[str] | None = None) -> dict[str, FeatureDrift]:
    """The PSI of each referenced feature on the batch's rows of ``feature_table``.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param feature_table: e.g. ``marts.fct_transaction_features`` (rows filtered on ``batch_date``).
    :param batch_date: ``YYYY-MM-DD``.
    :param reference: the scoring model's ``reference.json`` document.
    :param features: only these features (default: every feature of the reference).
    :returns: feature -> drift; empty when the batch has no rows.
    """
    refs = reference["features"]
    names = [f for f in (features or list(refs)) if f in refs]
    exprs: list[str] = ["count(*)"]
    params: list[Any] = []
    layout: dict[str, tuple[int, list[str], Mapping[str, Any]]] = {}
    for name in names:
        col, ref = checked_name(name, "feature"), refs[name]
        bins, labels = (_numeric_bins if ref["type"] == "numeric" else _categorical_bins)(col, ref, params)
        start = len(exprs)
        exprs += [*bins, f"count(*) FILTER (WHERE {col} IS NULL)"]
        layout[name] = (start, labels + ["missing"], ref)
    row = warehouse.fetchone(f"SELECT {', '.join(exprs)} FROM {checked_table(feature_table)} "
                             "WHERE batch_date = CAST(? AS DATE)", [*params, batch_date])
    rows = int(row[0] or 0) if row else 0
    if rows == 0:
        return {}
    out = {}
    for name, (start, labels, ref) in layout.items():
        counts = [int(c or 0) for c in row[start:start + len(labels)]]
        if ref["type"] == "categorical":
            counts.append(rows - sum(counts))
            labels = [*labels, "unseen levels"]
        out[name] = _drift(name, rows, labels, _expected(ref), [c / rows for c in counts])
    return out


def _drift(name: str, rows: int, labels: list[str], expected: list[float], actual: list[float]) -> FeatureDrift:
    terms = [psi([e], [a]) for e, a in zip(expected, actual, strict=True)]  # each bin's share of the PSI
    worst = max(range(len(terms)), key=terms.__getitem__)
    return FeatureDrift(name, sum(terms), rows, labels[worst], expected[worst], actual[worst])
