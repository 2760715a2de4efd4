"""Starting a release: the Innovation Pipeline's promotion of a challenger that won its evaluation.

One release at a time: a challenger cannot start while another is in shadow, canary or the green slot; a
previous champion still warm as ``standby`` is let go in the same transaction (its watch is superseded).
The alias move that starts a release records the configuration and its first batch date, which the Value
Pipeline's score plan and daily step read back (:mod:`dataops.release.plan`, :mod:`dataops.release.step`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dataops.registry import AliasMove
from dataops.release.config import ReleaseConfig

IN_PROGRESS = ("shadow", "canary", "green")
SLOT = {"canary": "canary", "blue_green": "green"}


class ReleaseInProgress(RuntimeError):
    """Another challenger is being released; decide it (or roll it back) first."""


def start_release(registry: Any, version: str, config: ReleaseConfig, *, actor: str, reason: str,
                  expected_champion: Any, started_on: date) -> list[AliasMove]:
    """Start releasing ``version`` the way ``config.strategy`` says, in one registry transaction.

    - ``direct``: ``champion`` moves now (undone with the one-step rollback; no watch);
    - ``shadow``: ``shadow`` is set for ``shadow_days`` (reviewed by :func:`dataops.evaluation.shadow.review_shadow`);
    - ``canary``: ``canary`` is set; it decides its first share from ``started_on``;
    - ``blue_green``: ``green`` is set; it scores the next batch beside the champion, then switches or not.

    :param registry: the model registry.
    :param version: the challenger that won its evaluation.
    :param config: the release configuration (the dataset's, with the run's overrides).
    :param actor: who starts it (the DAG run, or the approver).
    :param reason: why (the decision), recorded with every move.
    :param expected_champion: the champion the decision was made against (compare-and-set).
    :param started_on: the first batch date the release applies to (the day the decision moves the alias: that
        day's batch is scored after midnight).
    :raises ReleaseInProgress: another challenger is in shadow, canary or the green slot.
    :raises ValueError: a canary or blue/green has no champion to run beside.
    """
    aliases = registry.aliases()
    busy = {a: aliases[a] for a in IN_PROGRESS if a in aliases}
    if busy:
        raise ReleaseInProgress(f"cannot start releasing {version}: " + ", ".join(
            f"{v} is {a}" for a, v in busy.items()) + "; it is decided (or rolled back) first")
    # (a version that already holds an alias is no error here: a retried promotion finds its own move made)
    if config.strategy in SLOT and "champion" not in aliases:
        raise ValueError(f"a {config.strategy} release runs beside a champion and there is none: release "
                         f"{version} with strategy direct")
    details = {"release": config.to_dict(), "started_on": started_on.isoformat()}
    with registry.transaction(actor=actor) as tx:
        if "standby" in aliases:
            tx.remove("standby", reason=f"superseded by the release of {version}", expected_version=aliases["standby"])
        if config.strategy == "direct":
            tx.set("champion", version, reason=reason, expected_version=expected_champion, details=details)
        elif config.strategy == "shadow":  # the period's length recorded with the move, as start_shadow does
            tx.set("shadow", version, reason=reason, expected_version=None,
                   details={**details, "shadow_days": config.shadow_days})
        else:
            champion = aliases.get("champion")
            if champion != expected_champion:
                from dataops.registry import ConcurrentAliasUpdate

                raise ConcurrentAliasUpdate(f"champion is {champion!r}, the decision was made against "
                                            f"{expected_champion!r}: re-evaluate")
            tx.set(SLOT[config.strategy], version, reason=reason, expected_version=None, details=details)
    return tx.moves
