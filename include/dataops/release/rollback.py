"""The one-step manual rollback of the champion, aware of a release's warm standby."""

from __future__ import annotations

from typing import Any

from dataops.registry import ANY, AliasMove


def rollback_champion(registry: Any, *, actor: str, reason: str, expected_version: Any = ANY) -> AliasMove:
    """Move ``champion`` back one step, in one transaction.

    With a warm ``standby`` (the champion before a canary or blue/green release), the champion switches back to
    it and the standby is released; otherwise the champion moves back along its alias history
    (:meth:`~dataops.registry.ModelRegistry.rollback`).

    :param expected_version: the champion the caller saw (:data:`~dataops.registry.ANY` skips the check).
    :raises NoPreviousVersion: no standby and no earlier champion.
    :raises ConcurrentAliasUpdate: the champion is not the one the caller saw, or moved meanwhile.
    """
    aliases = registry.aliases()
    standby = aliases.get("standby")
    if standby is None:
        return registry.rollback("champion", actor=actor, reason=reason, expected_version=expected_version)
    with registry.transaction(actor=actor) as tx:
        expected = aliases.get("champion") if expected_version is ANY else expected_version
        move = tx.set("champion", standby, action="rollback", reason=reason, expected_version=expected)
        tx.remove("standby", reason=f"switched back to: {reason}", expected_version=standby)
    return move
