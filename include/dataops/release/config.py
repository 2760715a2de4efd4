"""A dataset's release strategy: how a challenger that won its evaluation reaches production.

Set in the dataset YAML under ``promotion.release`` and overridable per Innovation Pipeline run::

    promotion:
      release:
        strategy: canary            # direct | shadow | canary | blue_green
        shadow_days: 7              # shadow: batches scored alongside before the final decision
        canary:                     # canary: share of transactions the challenger decides, day by day
          - {share: 0.05, days: 2}
          - {share: 0.25, days: 2}
          - {share: 1.0, days: 2}
        blue_green: {max_score_psi: 0.25, max_flag_rate_ratio: 2.0, min_agreement: 0.95}
        watch_days: 7               # the previous champion stays warm as `standby` this long after a release
        rollback_on: [critical]     # finding severities that roll a canary or a new champion back
        score_alert_side: above     # score metrics judged on this side of the champion's limits (or both)

A canary's (or a new champion's) score metrics are judged against the champion's control limits on the side
that hurts at once: more alerts than the champion ever raised. A model that scores lower is not wrong for it (a
better-calibrated challenger does); whether it misses fraud shows in its outcome metrics once labels mature.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

STRATEGIES = ("direct", "shadow", "canary", "blue_green")
SEVERITIES = ("critical", "warning")
SIDES = ("above", "both")


@dataclass(frozen=True)
class CanaryStep:
    """The canary decides ``share`` of the transactions for ``days`` batches.

    :param share: fraction in (0, 1]; 1.0 is the full rollout before the champion alias moves.
    :param days: number of batch dates at this share (>= 1).
    """

    share: float
    days: int

    def __post_init__(self) -> None:
        if not 0.0 < self.share <= 1.0:
            raise ValueError(f"a canary share is in (0, 1], not {self.share}")
        if self.days < 1:
            raise ValueError(f"a canary step lasts at least one day, not {self.days}")


@dataclass(frozen=True)
class BlueGreenLimits:
    """How close the green slot's outputs must be to the blue slot's on the same batch to switch.

    :param max_score_psi: population stability index of the two score distributions (0.25: a major shift).
    :param max_flag_rate_ratio: green's flag rate over blue's (more alerts than that: no switch; fewer alerts
        are the outcome metrics' to judge).
    :param min_agreement: share of transactions on which both slots take the same decision.
    """

    max_score_psi: float = 0.25
    max_flag_rate_ratio: float = 2.0
    min_agreement: float = 0.95


DEFAULT_CANARY = (CanaryStep(0.05, 2), CanaryStep(0.25, 2), CanaryStep(1.0, 2))


@dataclass(frozen=True)
class ReleaseConfig:
    """One dataset's release strategy (see the module docstring for the YAML)."""

    strategy: str = "direct"
    shadow_days: int = 7
    canary: tuple[CanaryStep, ...] = DEFAULT_CANARY
    blue_green: BlueGreenLimits = field(default_factory=BlueGreenLimits)
    watch_days: int = 7
    rollback_on: tuple[str, ...] = ("critical",)
    score_alert_side: str = "above"

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"release strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if not self.canary or self.canary[-1].share != 1.0:
            raise ValueError("a canary schedule ends with a step of share 1.0 (the full rollout)")
        shares = [s.share for s in self.canary]
        if shares != sorted(shares):
            raise ValueError(f"canary shares only grow: {shares}")
        if self.shadow_days < 1 or self.watch_days < 0:
            raise ValueError("shadow_days >= 1 and watch_days >= 0")
        if self.score_alert_side not in SIDES:
            raise ValueError(f"score_alert_side is one of {', '.join(SIDES)}, not {self.score_alert_side!r}")
        unknown = set(self.rollback_on) - set(SEVERITIES)
        if unknown:
            raise ValueError(f"rollback_on takes {', '.join(SEVERITIES)}, not {', '.join(sorted(unknown))}")

    @property
    def canary_days(self) -> int:
        """Batches from the canary's first day to its promotion."""
        return sum(s.days for s in self.canary)

    def overridden(self, strategy: str | None = None, shadow_days: int | None = None) -> ReleaseConfig:
        """This configuration with a run's overrides (None keeps the dataset's setting)."""
        changes: dict[str, Any] = {}
        if strategy:
            changes["strategy"] = strategy
        if shadow_days:
            changes["shadow_days"] = int(shadow_days)
        return replace(self, **changes) if changes else self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (recorded with the alias move that starts a release)."""
        return {"strategy": self.strategy, "shadow_days": self.shadow_days,
                "canary": [{"share": s.share, "days": s.days} for s in self.canary],
                "blue_green": vars(self.blue_green).copy(), "watch_days": self.watch_days,
                "rollback_on": list(self.rollback_on), "score_alert_side": self.score_alert_side}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> ReleaseConfig:
        """Parse the ``promotion.release`` mapping (missing keys take the defaults).

        :raises ValueError: an unknown key or value; the message names it.
        """
        raw = dict(raw or {})
        unknown = set(raw) - {"strategy", "shadow_days", "canary", "blue_green", "watch_days", "rollback_on",
                              "score_alert_side"}
        if unknown:
            raise ValueError(f"promotion.release: unknown key(s) {', '.join(sorted(unknown))}")
        kw: dict[str, Any] = {k: raw[k] for k in ("strategy", "shadow_days", "watch_days", "score_alert_side")
                              if k in raw}
        if "canary" in raw:
            kw["canary"] = tuple(CanaryStep(float(s["share"]), int(s["days"])) for s in raw["canary"])
        if "blue_green" in raw:
            kw["blue_green"] = BlueGreenLimits(**raw["blue_green"])
        if "rollback_on" in raw:
            kw["rollback_on"] = tuple(raw["rollback_on"])
        return cls(**kw)
