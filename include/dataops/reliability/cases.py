"""Cases: one hostile batch each (its parts and its manifest), built from a plan of explicit choices.

A :class:`CasePlan` says, per part, how many rows, which rows arrive broken and how (:data:`LINE_FAULTS`),
which rows come twice, how many blank lines, the header, the line end and the encoding; and how the manifest
lies. :func:`build_case` turns it into bytes deterministically (a seed drives the details), so the named
catalogue (:mod:`dataops.reliability.catalogue`) and the property-based test (hypothesis draws the plans) build
their cases the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date

from dataops.reliability.files import GZIP, LANDS_NOTHING, Part
from dataops.reliability.rows import (
    COLUMNS,
    HEADER,
    LINE_FAULTS,
    LOAD,
    Line,
    blank_line,
    clean_line,
    duplicate_of,
    join,
)

#: header variants: the columns written, in order (``None``: the contract's header)
HEADERS: dict[str, tuple[str, ...] | None] = {
    "plain": None,
    "reordered": tuple(reversed(COLUMNS)),
    "duplicated": (*COLUMNS[:5], "amount", *COLUMNS[5:]),
    "missing": COLUMNS[:-1],
    "extra": (*COLUMNS, "device_id"),
    "renamed": ("TX_ID", *COLUMNS[1:]),
}
#: header variants the contract accepts (the others reject the file whole)
ACCEPTED_HEADERS = frozenset({"plain", "reordered"})


@dataclass(frozen=True)
class PartPlan:
    """How one part of a case is written.

    :param rows: clean rows before faults.
    :param faults: ``(row index, line fault)``: that row is written broken (:data:`LINE_FAULTS`).
    :param duplicates: row indexes written again at the end of the part (same id: duplicate keys).
    :param blanks: blank lines inserted after the first row.
    :param header: a key of :data:`HEADERS`.
    :param encoding: a key of :data:`dataops.reliability.files.ENCODINGS`.
    :param newline: ``\\n``, ``\\r\\n`` or ``\\r``.
    """

    rows: int
    faults: tuple[tuple[int, str], ...] = ()
    duplicates: tuple[int, ...] = ()
    blanks: int = 0
    header: str = "plain"
    encoding: str = GZIP
    newline: bytes = b"\n"


@dataclass(frozen=True)
class CasePlan:
    """A batch: its parts, the manifest's lie (a key of :data:`dataops.reliability.files.MANIFESTS`) and whether
    the first part is delivered a second time under another name (a duplicate delivery)."""

    parts: tuple[PartPlan, ...]
    manifest: str = "honest"
    duplicate_delivery: bool = False


@dataclass
class Case:
    """One batch to land and ingest.

    :param cls: the input class (a row of the table).
    :param name: the case inside its class.
    :param day: its batch date.
    :param parts: its files.
    :param manifest: how its manifest lies.
    :param seed: drives the byte-level details (truncation points, random bytes, manifest lies).
    """

    cls: str
    name: str
    day: date
    parts: list[Part]
    manifest: str = "honest"
    seed: int = 0
    plan: CasePlan | None = field(default=None, repr=False)


def _reordered(line: Line, columns: tuple[str, ...]) -> Line:
    """A line to be loaded, written in the order of ``columns`` (other lines are left as they are)."""
    if line.expect != LOAD:
        return line
    by_name = dict(zip(COLUMNS, line.values, strict=True))
    return replace(line, data=join(tuple(by_name[c] for c in columns)))


def _lines(day: date, first: int, plan: PartPlan, rng: random.Random) -> list[Line]:
    lines = [clean_line(day, first + i) for i in range(plan.rows)]
    for index, fault in plan.faults:
        if 0 <= index < len(lines) and lines[index].values:  # a row already broken beyond loading stays so
            lines[index] = LINE_FAULTS[fault](lines[index].values, rng)
    dupes = [duplicate_of(lines[i]) for i in plan.duplicates
             if 0 <= i < len(lines) and lines[i].expect == LOAD]
    return [*lines[:1], *(blank_line() for _ in range(plan.blanks)), *lines[1:], *dupes]


def build_part(day: date, name: str, first: int, plan: PartPlan, rng: random.Random) -> Part:
    """The part ``name`` of a case on ``day``, its rows numbered from ``first``.

    :param day: the batch date (in the row ids and timestamps).
    :param name: file name inside the partition.
    :param first: number of its first row (unique across the case's parts).
    :param plan: how it is written.
    :param rng: drives the faults' details.
    """
    lines = [] if plan.encoding in LANDS_NOTHING else _lines(day, first, plan, rng)
    columns = HEADERS[plan.header]
    if plan.header == "reordered" and columns:
        lines = [_reordered(line, columns) for line in lines]
    header = ",".join(columns) if columns else HEADER
    return Part(name=name, lines=lines, header=header, encoding=plan.encoding, newline=plan.newline)


def build_case(cls: str, name: str, day: date, plan: CasePlan, seed: int) -> Case:
    """The case of ``plan`` on ``day`` (deterministic for a given seed)."""
    rng = random.Random(f"{cls}/{name}/{seed}")
    parts, first = [], 1
    for i, part_plan in enumerate(plan.parts):
        parts.append(build_part(day, f"part-{i:05d}.csv.gz", first, part_plan, rng))
        first += part_plan.rows + 1
    if plan.duplicate_delivery and parts:
        copy = parts[0]
        parts.append(replace(copy, name=f"part-{len(parts):05d}.csv.gz", copy_of=copy.name,
                             lines=[duplicate_of(x) if x.row_id else x for x in copy.lines]))
    return Case(cls=cls, name=name, day=day, parts=parts, manifest=plan.manifest, seed=seed, plan=plan)
