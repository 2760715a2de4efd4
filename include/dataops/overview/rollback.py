"""The champion rollback asked from the view: checked input, the authenticated actor, compare-and-set.

The page shows the champion it would roll back; the form sends that version back and the registry moves the
alias only if it still points there (another move in between is refused, not overridden).
"""

from __future__ import annotations

from typing import Any

from dataops.identifiers import checked_text
from dataops.registry import ANY, ConcurrentAliasUpdate, NoPreviousVersion, VersionNotFound
from dataops.registry.aliases import AliasMove
from dataops.release.rollback import rollback_champion

MIN_REASON = 5
INVALID, NOTHING, STALE = "invalid", "nothing_to_roll_back", "stale"


class RollbackRefused(ValueError):
    """The rollback was not done; ``kind`` says why: ``invalid`` input, ``nothing_to_roll_back`` or ``stale``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def check_request(reason: str, confirmed: bool, actor: str) -> str:
    """The stripped reason, or :class:`RollbackRefused` (``invalid``).

    :param reason: why (at least :data:`MIN_REASON` characters once stripped).
    :param confirmed: the explicit confirmation was given.
    :param actor: who asks (the authenticated user).
    """
    text = (reason or "").strip()
    try:
        checked_text(text, "the reason")
    except ValueError as exc:
        raise RollbackRefused(INVALID, str(exc)) from exc
    if len(text) < MIN_REASON:
        raise RollbackRefused(INVALID, f"a reason of at least {MIN_REASON} characters is required")
    if not confirmed:
        raise RollbackRefused(INVALID, "tick the confirmation box to roll the champion back")
    if not (actor or "").strip():
        raise RollbackRefused(INVALID, "no authenticated user to record the rollback for")
    return text


def roll_back_champion(registry: Any, *, reason: str, confirmed: bool, actor: str,
                       expected_version: str | None | object = ANY) -> AliasMove:
    """Move the champion one step back (to a release's warm standby, else along its lineage) and record who and
    why (:func:`dataops.release.rollback.rollback_champion`).

    :param registry: a :class:`dataops.registry.ModelRegistry`.
    :param reason: why (recorded in the alias history).
    :param confirmed: the explicit confirmation.
    :param actor: the authenticated user (recorded).
    :param expected_version: the champion the caller saw (None: no champion); :data:`ANY` skips the check.
    :raises RollbackRefused: invalid input, nothing to roll back, or the champion moved in the meantime.
    """
    text = check_request(reason, confirmed, actor)
    try:
        return rollback_champion(registry, reason=text, actor=actor.strip(), expected_version=expected_version)
    except NoPreviousVersion as exc:
        raise RollbackRefused(NOTHING, f"nothing to roll back: {exc}") from exc
    except ConcurrentAliasUpdate as exc:
        raise RollbackRefused(STALE, f"the champion changed since the page was shown: {exc}") from exc
    except VersionNotFound as exc:
        raise RollbackRefused(NOTHING, f"nothing to roll back to: {exc}") from exc
