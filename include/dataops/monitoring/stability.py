"""Numerical stability: non-finite or out-of-range feature values and invalid scores, counted in the warehouse.

A feature value is *non-finite* when it is NaN or infinite (``x > 1.7e308 OR x < -1.7e308``: NaN sorts above
every number on DuckDB and PostgreSQL alike), *out of range* when the dataset declares a ``min``/``max`` for the
feature and the value is beyond it. A score is invalid when it is missing, non-finite or outside [0, 1].
A missing feature value is not counted: LightGBM treats it as missing, and its share is a drift matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dataops.identifiers import checked_name, checked_table

BIG = 1.7e308


@dataclass(frozen=True)
class Stability:
    """Invalid values of one batch.

    :param rows: rows measured.
    :param invalid: name -> count of invalid values (only names with at least one).
    :param detail: name -> what was invalid, e.g. ``3 non-finite, 1 above 23``.
    """

    rows: int
    invalid: dict[str, int] = field(default_factory=dict)
    detail: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.invalid.values())

    def describe(self) -> str:
        worst = sorted(self.invalid, key=lambda k: -self.invalid[k])
        return "; ".join(f"{k}: {self.detail[k]}" for k in worst)


def _nonfinite(col: str) -> str:
    return f"({col} > {BIG} OR {col} < -{BIG})"


def feature_stability(warehouse: Any, feature_table: str, batch_date: str, features: Sequence[Any]) -> Stability:
    """Non-finite and out-of-range values of the numeric features on the batch's rows.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param feature_table: the dataset's feature table (rows filtered on ``batch_date``).
    :param batch_date: ``YYYY-MM-DD``.
    :param features: the dataset's :class:`~dataops.datasets.config.FeatureSpec` (numeric ones are measured).
    """
    numeric = [f for f in features if f.type == "numeric"]
    exprs, params, parts = ["count(*)"], [], []
    for f in numeric:
        col = checked_name(f.name, "feature")
        exprs.append(f"count(*) FILTER (WHERE {_nonfinite(col)})")
        parts.append((f.name, "non-finite"))
        for bound, op, word in ((getattr(f, "min", None), "<", "below"), (getattr(f, "max", None), ">", "above")):
            if bound is not None:
                exprs.append(f"count(*) FILTER (WHERE {col} {op} ? AND NOT {_nonfinite(col)})")
                params.append(float(bound))
                parts.append((f.name, f"{word} {bound:g}"))
    row = warehouse.fetchone(f"SELECT {', '.join(exprs)} FROM {checked_table(feature_table)} WHERE batch_date = CAST(? AS DATE)",
                             [*params, batch_date])
    return _collect(int(row[0] or 0), parts, [int(c or 0) for c in row[1:]])


def score_stability(warehouse: Any, dataset: str, batch_date: str, role: str = "champion") -> Stability:
    """Missing, non-finite and out-of-[0, 1] scores of the batch's predictions by ``role``.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    :param role: ``champion`` by default.
    """
    from dataops.scoring.batch import PREDICTIONS

    if not warehouse.table_exists(PREDICTIONS):
        return Stability(0)
    row = warehouse.fetchone(
        f"SELECT count(*), count(*) FILTER (WHERE score IS NULL), count(*) FILTER (WHERE {_nonfinite('score')}), "
        f"count(*) FILTER (WHERE (score < 0 OR score > 1) AND NOT {_nonfinite('score')}) FROM {PREDICTIONS} "
        "WHERE dataset = ? AND batch_date = CAST(? AS DATE) AND role = ?", [dataset, batch_date, role])
    parts = [("score", "missing"), ("score", "non-finite"), ("score", "outside [0, 1]")]
    return _collect(int(row[0] or 0), parts, [int(c or 0) for c in row[1:]])


def _collect(rows: int, parts: list[tuple[str, str]], counts: list[int]) -> Stability:
    out = Stability(rows)
    for (name, what), count in zip(parts, counts, strict=True):
        if count:
            out.invalid[name] = out.invalid.get(name, 0) + count
            text = f"{count} {what}"
            out.detail[name] = f"{out.detail[name]}, {text}" if name in out.detail else text
    return out
