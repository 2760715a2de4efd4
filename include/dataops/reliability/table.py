"""The reliability table: per input class, cases run and how they ended, rows lost and rows duplicated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dataops.reliability.accounting import IDENTICAL, REJECTED, CaseResult

HEAD = ("input class", "cases", "files", "rows", "identical", "rejected cleanly", "other", "rows lost",
        "rows duplicated")


@dataclass
class ClassRow:
    """One line of the table."""

    cls: str
    cases: int = 0
    files: int = 0
    rows: int = 0
    identical: int = 0
    rejected: int = 0
    other: int = 0
    lost: int = 0
    duplicated: int = 0

    def add(self, r: CaseResult) -> None:
        self.cases += 1
        self.files += r.files
        self.rows += r.rows
        self.identical += r.outcome == IDENTICAL
        self.rejected += r.outcome == REJECTED
        self.other += r.outcome not in (IDENTICAL, REJECTED)
        self.lost += r.lost
        self.duplicated += r.duplicated

    def cells(self) -> tuple[str, ...]:
        return (self.cls, *(str(v) for v in (self.cases, self.files, self.rows, self.identical, self.rejected,
                                             self.other, self.lost, self.duplicated)))


def summarise(results: Iterable[CaseResult]) -> list[ClassRow]:
    """One row per class in the order first seen, then the total."""
    rows: dict[str, ClassRow] = {}
    total = ClassRow("total")
    for r in results:
        rows.setdefault(r.cls, ClassRow(r.cls)).add(r)
        total.add(r)
    return [*rows.values(), total]


def render(rows: list[ClassRow], kind: str = HEAD[0]) -> str:
    """The table as aligned text (numbers right-aligned).

    :param kind: the first column's title (``fault class`` for the process faults).
    """
    lines = [(kind, *HEAD[1:]), *(r.cells() for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEAD))]
    out = []
    for n, line in enumerate(lines):
        cells = [c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)]
        out.append("  ".join(cells).rstrip())
        if n == 0 or n == len(lines) - 2:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def passed(rows: list[ClassRow]) -> bool:
    """No row lost or duplicated, and every case identical or rejected cleanly."""
    total = rows[-1]
    return total.lost == 0 and total.duplicated == 0 and total.other == 0
