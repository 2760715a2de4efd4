"""The day's decisions moved with the aliases: which model's rows of a batch decide, after a release step.

A release step that moves aliases after the batch was scored (a canary rolled back or promoted, a blue/green
switch, a new champion rolled back) also moves that batch's decisions in one warehouse transaction: every
model already scored every transaction, so no transaction is scored twice and none is left undecided. Each
change is keyed on (role, version), so running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dataops.scoring.batch import PREDICTIONS
from dataops.warehouse import transaction

ROLLED_BACK = "rolled_back"
"""Role of a batch's rows scored by a model that was rolled back on that batch (kept, deciding nothing)."""


@dataclass(frozen=True)
class RoleChange:
    """The rows of ``version`` scored as ``role`` (or already moved to ``to_role``) become ``to_role``."""

    version: str
    role: str
    to_role: str
    decides: bool


def reassign(warehouse: Any, dataset: str, day: str, changes: Sequence[RoleChange]) -> None:
    """Apply ``changes`` to the predictions of ``day`` in one transaction (idempotent)."""
    with warehouse.connect() as con, transaction(con):
        for c in changes:
            con.execute(f"UPDATE {PREDICTIONS} SET role = ?, decides = ? WHERE dataset = ? "
                        "AND batch_date = CAST(? AS DATE) AND model_version = ? AND role IN (?, ?)",
                        [c.to_role, c.decides, dataset, day, c.version, c.role, c.to_role])


def deciding_rows(warehouse: Any, dataset: str, day: str) -> dict[str, int]:
    """Transactions of ``day`` by how many rows decide them (``{"1": n}`` when every one is decided once) and
    deciding rows by model version (``version:<v>``)."""
    per_tx = warehouse.fetchall(
        f"SELECT deciding, count(*) FROM (SELECT id, count(*) FILTER (WHERE decides) AS deciding FROM {PREDICTIONS} "
        "WHERE dataset = ? AND batch_date = CAST(? AS DATE) GROUP BY id) t GROUP BY deciding", [dataset, day])
    by_version = warehouse.fetchall(
        f"SELECT model_version, count(*) FROM {PREDICTIONS} WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
        "AND decides GROUP BY model_version", [dataset, day])
    return {**{str(k): int(n) for k, n in per_tx}, **{f"version:{v}": int(n) for v, n in by_version}}
