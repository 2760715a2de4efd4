"""The model registry as the view shows it: champion, shadow and a release's aliases, the alias timeline, the
decisions.

Every move of an alias (promote, rollback, remove) is a row of the registry's append-only alias history
with who moved it and why; every decision links to its evaluation report (served by the ``/dataops`` app).
The champion can be rolled back to a release's warm ``standby``, or else when its lineage has a previous version
(:func:`rollback_target`), exactly as :func:`dataops.release.rollback.rollback_champion` moves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from dataops.registry.aliases import lineage
from dataops.weblinks import evaluation_report_url

CHAMPION, SHADOW = "champion", "shadow"
RELEASE_ALIASES = ("canary", "green", "standby")


@dataclass(frozen=True)
class AliasStep:
    """One move of an alias: who moved it from which version to which, when and why."""

    alias: str
    revision: int
    action: str
    from_version: str | None
    to_version: str | None
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Decision:
    """A promotion decision on a challenger, with its evaluation report's URL (None without a report)."""

    decision_id: str
    challenger_version: str
    champion_version: str | None
    promote: bool
    metric: str | None
    delta: float | None
    reasons: tuple[str, ...]
    actor: str
    decided_at: datetime
    report_url: str | None


@dataclass(frozen=True)
class RegistryOverview:
    """What the view shows of one registered model.

    :param timeline: every alias move, newest first.
    :param decisions: every decision, newest first.
    :param rollback_to: the version a champion rollback would restore (None: nothing to roll back).
    """

    model_name: str
    champion: str | None
    shadow: str | None
    timeline: tuple[AliasStep, ...]
    decisions: tuple[Decision, ...]
    rollback_to: str | None
    releasing: tuple[tuple[str, str], ...] = ()
    """The release's other aliases set now: (alias, version) of ``canary``, ``green``, ``standby``."""


def rollback_target(champion: str | None, history: Sequence[dict[str, Any]]) -> str | None:
    """The version a rollback of the champion would restore, as the registry computes it (its lineage).

    :param champion: the version the champion points to now.
    :param history: the champion's alias history rows, oldest first (dicts with ``action``, ``to_version``).
    """
    stack = lineage([SimpleNamespace(**row) for row in history])
    return stack[-2] if champion is not None and len(stack) >= 2 else None


def _step(row: dict[str, Any]) -> AliasStep:
    return AliasStep(row["alias"], int(row["revision"]), row["action"], row["from_version"], row["to_version"],
                     row["actor"], row["reason"], row["at"])


def _decision(model_name: str, row: dict[str, Any], base: str | None) -> Decision:
    url = (evaluation_report_url(model_name, row["challenger_version"], row["decision_id"], base=base)
           if row.get("report_uri") else None)
    return Decision(row["decision_id"], row["challenger_version"], row["champion_version"], bool(row["promote"]),
                    row["metric"], row["delta"], tuple(row["reasons"] or ()), row["actor"], row["decided_at"], url)


def registry_overview(registry: Any, *, base: str | None = None) -> RegistryOverview:
    """Read one model's aliases, alias history and decisions.

    :param registry: a :class:`dataops.registry.ModelRegistry`.
    :param base: public base URL of the Airflow UI (default ``AIRFLOW__API__BASE_URL``).
    """
    aliases = registry.aliases()
    history = registry.history()
    champion = aliases.get(CHAMPION)
    champion_history = [row for row in history if row["alias"] == CHAMPION]
    champion_history.sort(key=lambda row: row["revision"])
    timeline = sorted((_step(row) for row in history), key=lambda s: (s.at, s.revision), reverse=True)
    decisions = [_decision(registry.model_name, row, base) for row in registry.decisions()]
    releasing = tuple((a, aliases[a]) for a in RELEASE_ALIASES if a in aliases)
    target = aliases.get("standby") or rollback_target(champion, champion_history)
    return RegistryOverview(registry.model_name, champion, aliases.get(SHADOW), tuple(timeline),
                            tuple(reversed(decisions)), target if champion is not None else None, releasing)
