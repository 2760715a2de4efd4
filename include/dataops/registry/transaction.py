"""Several alias moves of one model in one database transaction (a release's promotion, switch or rollback).

Each move is the same compare-and-set as a single one (:mod:`dataops.registry.aliases`); if any of them finds an
alias not where the caller expected, the whole transaction rolls back and no alias has moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from dataops.registry.aliases import ANY, AliasMove, move_alias, remove_alias
from dataops.registry.tables import RegistryTables


class AliasTransaction:
    """The moves made inside one ``ModelRegistry.transaction()`` block, in order (``moves``)."""

    def __init__(self, conn: sa.Connection, tables: RegistryTables, model_name: str, actor: str) -> None:
        self._conn, self._tables, self._model, self._actor = conn, tables, model_name, actor
        self.moves: list[AliasMove] = []

    def set(self, alias: str, version: str, *, reason: str, action: str = "promote", expected_version: Any = ANY,
            details: Mapping | None = None) -> AliasMove:
        """Point ``alias`` at ``version`` (compare-and-set against ``expected_version``)."""
        move = move_alias(self._conn, self._tables, model_name=self._model, alias=alias, to_version=version,
                          action=action, actor=self._actor, reason=reason, expected_version=expected_version,
                          details=details)
        self.moves.append(move)
        return move

    def remove(self, alias: str, *, reason: str, expected_version: Any = ANY,
               details: Mapping | None = None) -> AliasMove:
        """Unset ``alias`` (compare-and-set against ``expected_version``)."""
        move = remove_alias(self._conn, self._tables, model_name=self._model, alias=alias, actor=self._actor,
                            reason=reason, expected_version=expected_version, details=details)
        self.moves.append(move)
        return move
