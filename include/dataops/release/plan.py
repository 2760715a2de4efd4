"""The score plan of one batch: which model versions score it, in which role, and who decides what.

Read once per Value Pipeline run from the registry's aliases (the ``release_plan`` task) and handed to every
scoring task as a small reference, so a release that starts or ends while the batch is being scored cannot
make two models decide the same transaction, or none decide it.

Roles (``marts.predictions.role``) and their decisions (``marts.predictions.decides``):

- ``champion``: decides every transaction, except the canary's share while a canary runs;
- ``canary``: decides its share of the day (a stable hash of the id, :mod:`dataops.release.shares`);
- ``shadow``, ``green``, ``standby``: score every transaction, decide none (a shadow challenger, the green slot
  of a blue/green release, the previous champion kept warm after a release).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from dataops.release.config import ReleaseConfig
from dataops.release.shares import in_share

CHALLENGER_ROLES = ("canary", "green", "shadow", "standby")
"""Aliases that score beside the champion, in the order a plan lists them."""


@dataclass(frozen=True)
class Slot:
    """One model version scoring the batch.

    :param role: ``champion``, ``canary``, ``green``, ``shadow`` or ``standby``.
    :param version: registry version.
    :param share: the day's canary share (champion and canary slots), else 0.
    """

    role: str
    version: str
    share: float = 0.0

    def decides(self, ids: Any) -> np.ndarray:
        """Which of ``ids`` this slot decides (boolean mask)."""
        n = len(ids)
        if self.role == "champion":
            return ~in_share(ids, self.share) if self.share else np.ones(n, dtype=bool)
        if self.role == "canary":
            return in_share(ids, self.share) if self.share else np.zeros(n, dtype=bool)
        return np.zeros(n, dtype=bool)

    def decision_share(self) -> str:
        """The share of the batch this slot decides, for the logs: ``all``, ``95%``, ``5%`` or ``none``."""
        if self.role == "champion":
            return f"{1 - self.share:.0%}" if self.share else "all"
        return f"{self.share:.0%}" if self.role == "canary" else "none"


@dataclass(frozen=True)
class ScorePlan:
    """The slots scoring ``batch_date`` (champion first) and the release they belong to."""

    batch_date: str
    slots: tuple[Slot, ...] = ()
    release: dict[str, Any] = field(default_factory=dict)

    def slot(self, role: str) -> Slot | None:
        return next((s for s in self.slots if s.role == role), None)

    @property
    def challenger(self) -> Slot | None:
        """The slot scoring beside the champion (at most one is active at a time)."""
        return next((s for s in self.slots if s.role != "champion"), None)

    def to_dict(self) -> dict[str, Any]:
        return {"batch_date": self.batch_date, "slots": [asdict(s) for s in self.slots], "release": self.release}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ScorePlan:
        return cls(raw["batch_date"], tuple(Slot(**s) for s in raw["slots"]), dict(raw.get("release") or {}))


def canary_share(config: ReleaseConfig, started_on: date, batch_date: date) -> tuple[float, int]:
    """(share, day index) of a canary started on ``started_on`` for ``batch_date``.

    A batch before the start is not the canary's to decide (share 0, e.g. a backfill); past the schedule's
    last day the share stays at the full rollout until the canary is promoted.
    """
    index = (batch_date - started_on).days
    if index < 0:
        return 0.0, index
    passed = 0
    for step in config.canary:
        passed += step.days
        if index < passed:
            return step.share, index
    return 1.0, index


def release_of(move: dict[str, Any] | None) -> tuple[ReleaseConfig, date] | None:
    """The release configuration and first batch date recorded with the alias move that started a release."""
    details = (move or {}).get("details") or {}
    if "release" not in details:
        return None
    return ReleaseConfig.from_dict(details["release"]), date.fromisoformat(details["started_on"])


def plan_for(registry: Any, batch_date: str) -> ScorePlan:
    """The score plan of ``batch_date`` from the registry's aliases now.

    :param registry: a :class:`~dataops.registry.ModelRegistry`.
    :param batch_date: ``YYYY-MM-DD``.
    """
    aliases = registry.aliases()
    champion = aliases.get("champion")
    if champion is None:
        return ScorePlan(batch_date)
    role = next((r for r in CHALLENGER_ROLES if r in aliases), None)
    if role is None:
        return ScorePlan(batch_date, (Slot("champion", champion),))
    move = latest_move(registry, role, aliases[role])
    release = release_of(move)
    info: dict[str, Any] = {"alias": role, "version": aliases[role]}
    share = 0.0
    if release is not None:
        config, started_on = release
        info.update(strategy=config.strategy, started_on=started_on.isoformat())
        if role == "canary":
            share, index = canary_share(config, started_on, date.fromisoformat(batch_date))
            info.update(share=share, day=index + 1, days=config.canary_days)
    slots = (Slot("champion", champion, share), Slot(role, aliases[role], share))
    return ScorePlan(batch_date, slots, info)


def latest_move(registry: Any, alias: str, current: str | None = None) -> dict[str, Any] | None:
    """The alias_history row that set ``alias`` to its current version (``current``: already read)."""
    current = current or registry.get_alias_version(alias)
    moves = [h for h in registry.history(alias) if h["to_version"] == current and h["action"] != "remove"]
    return moves[-1] if moves else None
