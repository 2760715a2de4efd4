"""Alias moves (promote, rollback) as single compare-and-set transactions.

An alias row carries a ``revision`` counter. A move, in one transaction:
1. reads the alias row (``SELECT ... FOR UPDATE`` on PostgreSQL, so a concurrent mover waits),
2. checks the version the caller expects to replace (``expected_version``),
3. updates the row only ``WHERE revision = <revision read>`` and checks exactly one row changed,
4. appends an ``alias_history`` row whose ``(model_name, alias, revision)`` is unique.
Whichever of two racing moves commits second finds the alias changed (or hits the unique history step)
and fails with :class:`ConcurrentAliasUpdate`; the registry is never left half-moved.

A removal (e.g. the ``shadow`` alias once its challenger is decided) deletes the row the same way and is
recorded as a ``remove`` step; the alias's revision counter continues from its history when it is set again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dataops.registry.errors import ConcurrentAliasUpdate, NoPreviousVersion, VersionNotFound
from dataops.registry.provenance import utcnow
from dataops.registry.tables import RegistryTables

ANY = object()
"""``expected_version`` sentinel: move whatever the alias currently points to."""

KNOWN_ALIASES = ("champion", "challenger", "shadow", "canary", "green", "standby")


@dataclass(frozen=True)
class AliasMove:
    """One recorded alias move (a row of ``alias_history``)."""

    model_name: str
    alias: str
    revision: int
    action: str
    from_version: str | None
    to_version: str | None
    actor: str
    reason: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


def lineage(history: Sequence[Any]) -> list[str]:
    """The stack of versions an alias went through, with rolled-back steps popped.

    ``promote v1, promote v2, promote v3, rollback`` gives ``[v1, v2]``: a second rollback goes to ``v1``,
    not back to ``v3``. A removal ends the lineage: the alias starts afresh when it is set again.

    :param history: alias_history rows of one alias in revision order (objects with ``action`` and
        ``to_version``).
    """
    stack: list[str] = []
    for row in history:
        if row.action == "remove":
            stack = []
        elif row.action == "rollback":
            if stack:
                stack.pop()
            if not stack or stack[-1] != row.to_version:
                stack.append(row.to_version)  # history written by hand: trust the recorded target
        else:
            stack.append(row.to_version)
    return stack


def read_alias(conn: sa.Connection, t: RegistryTables, model_name: str, alias: str, *,
               lock: bool = False) -> Any | None:
    """The alias row (or None). ``lock`` takes a row lock on PostgreSQL until the transaction ends."""
    stmt = sa.select(t.model_aliases).where(
        t.model_aliases.c.model_name == model_name, t.model_aliases.c.alias == alias
    )
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def read_history(conn: sa.Connection, t: RegistryTables, model_name: str, alias: str | None = None) -> list[Any]:
    """alias_history rows of a model (optionally one alias), oldest first."""
    h = t.alias_history
    stmt = sa.select(h).where(h.c.model_name == model_name)
    if alias is not None:
        # One alias: its revision counter is the authoritative order.
        return list(conn.execute(stmt.where(h.c.alias == alias).order_by(h.c.revision)).all())
    return list(conn.execute(stmt.order_by(h.c.at, h.c.alias, h.c.revision)).all())


def _require_ready(conn: sa.Connection, t: RegistryTables, model_name: str, version: str) -> None:
    v = t.model_versions
    status = conn.execute(
        sa.select(v.c.status).where(v.c.model_name == model_name, v.c.version == version)
    ).scalar()
    if status is None:
        raise VersionNotFound(f"model {model_name!r} has no version {version!r}")
    if status != "ready":
        raise VersionNotFound(f"model {model_name!r} version {version!r} is {status!r}, not ready")


def _check_expected(current_version: str | None, expected_version: Any, model_name: str, alias: str) -> None:
    if expected_version is not ANY and expected_version != current_version:
        raise ConcurrentAliasUpdate(
            f"alias {alias!r} of {model_name!r} points to {current_version!r}, expected {expected_version!r}: "
            "another move happened first; re-read the registry and decide again"
        )


def _next_revision(conn: sa.Connection, t: RegistryTables, model_name: str, alias: str, current: Any) -> int:
    """The revision after the current row's, or after the last recorded step of an alias set again."""
    if current is not None:
        return current.revision + 1
    h = t.alias_history
    top = conn.execute(sa.select(sa.func.max(h.c.revision))
                       .where(h.c.model_name == model_name, h.c.alias == alias)).scalar()
    return int(top or 0) + 1


def _record(conn: sa.Connection, t: RegistryTables, model_name: str, alias: str, revision: int, action: str,
            from_version: str | None, to_version: str | None, actor: str, reason: str,
            details: Mapping | None) -> AliasMove:
    now = utcnow()
    conn.execute(sa.insert(t.alias_history).values(
        event_id=uuid.uuid4().hex, model_name=model_name, alias=alias, revision=revision, action=action,
        from_version=from_version, to_version=to_version, actor=actor, reason=reason, at=now,
        details=json.dumps(dict(details), default=str) if details is not None else None,
    ))
    return AliasMove(model_name, alias, revision, action, from_version, to_version, actor, reason, now)


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValueError("an alias move needs a reason")


def move_alias(conn: sa.Connection, t: RegistryTables, *, model_name: str, alias: str, to_version: str | None,
               action: str, actor: str, reason: str, expected_version: Any = ANY,
               details: Mapping | None = None) -> AliasMove:
    """Move ``alias`` inside the caller's transaction (see module docstring).

    :param conn: a connection inside ``engine.begin()``.
    :param t: registry tables.
    :param model_name: registry model name.
    :param alias: ``champion``, ``challenger``, ``shadow`` (or another name).
    :param to_version: target version; None with ``action="rollback"`` means the previous version in history.
    :param action: ``promote`` or ``rollback``.
    :param actor: who moves it (user, DAG run id).
    :param reason: why (mandatory, recorded).
    :param expected_version: the version the caller believes the alias points to now (None: not set yet);
        :data:`ANY` skips the check (the revision check still guards the write).
    :param details: JSON-ready facts recorded with the move (e.g. ``{"shadow_days": 7}``).
    :raises ConcurrentAliasUpdate: the alias is not where the caller expected, or moved during the write.
    :raises NoPreviousVersion: rollback with no earlier version.
    :raises VersionNotFound: the target version does not exist or is not ready.
    """
    _require_reason(reason)
    a = t.model_aliases
    current = read_alias(conn, t, model_name, alias, lock=True)
    current_version = current.version if current is not None else None
    _check_expected(current_version, expected_version, model_name, alias)
    if action == "rollback" and to_version is None:
        stack = lineage(read_history(conn, t, model_name, alias))
        if current_version is None or len(stack) < 2:
            raise NoPreviousVersion(f"alias {alias!r} of {model_name!r} has no previous version to roll back to")
        to_version = stack[-2]
    if to_version is None:
        raise ValueError("to_version is required")
    _require_ready(conn, t, model_name, to_version)

    revision = _next_revision(conn, t, model_name, alias, current)
    values = dict(version=to_version, revision=revision, updated_by=actor, updated_at=utcnow())
    if current is None:
        conn.execute(sa.insert(a).values(model_name=model_name, alias=alias, **values))
    else:
        result = conn.execute(
            sa.update(a)
            .where(a.c.model_name == model_name, a.c.alias == alias, a.c.revision == current.revision)
            .values(**values)
        )
        if result.rowcount != 1:
            raise ConcurrentAliasUpdate(
                f"alias {alias!r} of {model_name!r} changed while moving it to {to_version!r} "
                f"(revision {current.revision} is gone)"
            )
    return _record(conn, t, model_name, alias, revision, action, current_version, to_version, actor, reason,
                   details)


def remove_alias(conn: sa.Connection, t: RegistryTables, *, model_name: str, alias: str, actor: str, reason: str,
                 expected_version: Any = ANY, details: Mapping | None = None) -> AliasMove:
    """Unset ``alias`` inside the caller's transaction, compare-and-set like a move, recorded as ``remove``.

    :param expected_version: the version the caller decided to remove (:data:`ANY`: whatever it points to).
    :param details: JSON-ready facts recorded with the removal (e.g. the findings of a rolled-back canary).
    :raises ConcurrentAliasUpdate: the alias is unset, points elsewhere, or changed during the write.
    """
    _require_reason(reason)
    a = t.model_aliases
    current = read_alias(conn, t, model_name, alias, lock=True)
    if current is None:
        raise ConcurrentAliasUpdate(f"alias {alias!r} of {model_name!r} is not set: nothing to remove")
    _check_expected(current.version, expected_version, model_name, alias)
    result = conn.execute(sa.delete(a).where(a.c.model_name == model_name, a.c.alias == alias,
                                             a.c.revision == current.revision))
    if result.rowcount != 1:
        raise ConcurrentAliasUpdate(f"alias {alias!r} of {model_name!r} changed while removing it "
                                    f"(revision {current.revision} is gone)")
    return _record(conn, t, model_name, alias, current.revision + 1, "remove", current.version, None, actor,
                   reason, details)
