"""The named input classes of hostile and broken landed files: one row of the reliability table each.

Every class draws its variants from a seeded generator, so a catalogue is the same on every run; each case has
a clean sibling part next to the hostile one (a rejected file must not take its neighbours with it).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from dataops.reliability.cases import Case, CasePlan, PartPlan, build_case

START = date(2027, 1, 1)


def _clean(rng: random.Random) -> PartPlan:
    return PartPlan(rows=rng.randint(1, 25))


def _faulty(rng: random.Random, faults: list[str], rows: int = 24, share: float = 0.3) -> PartPlan:
    """A part of ``rows`` rows of which about ``share`` arrive broken, each by one of ``faults``."""
    chosen = rng.sample(range(rows), max(1, int(rows * share)))
    return PartPlan(rows=rows, faults=tuple((i, rng.choice(faults)) for i in sorted(chosen)))


def _with_clean(rng: random.Random, hostile: PartPlan, manifest: str = "honest") -> CasePlan:
    parts = (hostile, _clean(rng)) if rng.random() < 0.5 else (_clean(rng), hostile)
    return CasePlan(parts=parts, manifest=manifest)


def _encoded(*encodings: str) -> Callable[[random.Random], CasePlan]:
    def plan(rng: random.Random) -> CasePlan:
        return _with_clean(rng, PartPlan(rows=rng.randint(1, 30), encoding=rng.choice(encodings)))
    return plan


def _lines(*faults: str, share: float = 0.3) -> Callable[[random.Random], CasePlan]:
    def plan(rng: random.Random) -> CasePlan:
        return _with_clean(rng, _faulty(rng, list(faults), rng.randint(4, 30), share))
    return plan


def _manifest(*kinds: str) -> Callable[[random.Random], CasePlan]:
    def plan(rng: random.Random) -> CasePlan:
        return CasePlan(parts=(_clean(rng), _clean(rng)), manifest=rng.choice(kinds))
    return plan


def _newlines(rng: random.Random) -> CasePlan:
    newline = rng.choice([b"\r\n", b"\r"])
    hostile = PartPlan(rows=rng.randint(1, 30), newline=newline,
                       encoding=rng.choice(["gzip", "no_final_newline", "gzip_members"]))
    return _with_clean(rng, hostile)


def _header_only(rng: random.Random) -> CasePlan:
    return _with_clean(rng, PartPlan(rows=0, encoding=rng.choice(["gzip", "no_final_newline"])))


def _long_lines(rng: random.Random) -> CasePlan:
    if rng.random() < 0.2:  # one line beyond the 8 MiB limit: the file is refused whole
        return _with_clean(rng, PartPlan(rows=3, faults=((1, "oversized_field"),)))
    return _with_clean(rng, _faulty(rng, ["long_field"], rng.randint(2, 12), 0.3))


def _headers(rng: random.Random) -> CasePlan:
    header = rng.choice(["duplicated", "duplicated", "missing", "extra", "renamed", "reordered"])
    return _with_clean(rng, PartPlan(rows=rng.randint(1, 20), header=header))


def _duplicates(rng: random.Random) -> CasePlan:
    rows = rng.randint(2, 20)
    hostile = PartPlan(rows=rows, duplicates=tuple(rng.sample(range(rows), rng.randint(1, rows))),
                       blanks=rng.randint(0, 3))
    return _with_clean(rng, hostile)


def _twice(rng: random.Random) -> CasePlan:
    if rng.random() < 0.5:
        return CasePlan(parts=(_clean(rng), _clean(rng)), manifest="listed_twice")
    return CasePlan(parts=(_clean(rng), _clean(rng)), duplicate_delivery=True)


#: input class -> a plan drawn from a seeded generator
CLASSES: dict[str, Callable[[random.Random], CasePlan]] = {
    "clean batch (reference)": lambda rng: CasePlan(parts=(_clean(rng), _clean(rng))),
    "truncated or corrupt gzip": _encoded("truncated_gzip", "corrupt_gzip"),
    "wrong compression": _encoded("plain", "bzip2", "zip", "noise"),
    "empty file": _encoded("empty", "gzip_empty"),
    "header only": _header_only,
    "byte order mark": _encoded("bom"),
    "CRLF / CR line ends": _newlines,
    "quotes and delimiters in fields": _lines("quotes_in_field", "delimiter_in_field"),
    "very long lines": _long_lines,
    "invalid UTF-8": _lines("invalid_utf8"),
    "numbers in other locales": _lines("locale_number"),
    "dates out of range": _lines("date_out_of_range", "not_finite", share=0.25),
    "control characters": _lines("control_character", "lone_carriage_return"),
    "markup and SQL in text fields": _lines("markup", "padded", share=0.5),
    "truncated lines, missing values": _lines("truncated_line", "missing_value", share=0.25),
    "duplicated rows and blank lines": _duplicates,
    "duplicated / missing / extra headers": _headers,
    "manifest checksum lies": _manifest("checksum_lie"),
    "manifest row counts lie": _manifest("rows_lie"),
    "manifest keys lie (missing, not JSON, malformed)": _manifest("missing_part", "not_json", "malformed"),
    "keys outside the date partition": _manifest("outside_partition"),
    "parts listed or delivered twice": _twice,
}


def catalogue(variants: int = 6, start: date = START, classes: list[str] | None = None) -> list[Case]:
    """``variants`` cases of every class (or of ``classes``), each on its own batch date from ``start``.

    :param variants: cases per class.
    :param start: the first batch date.
    :param classes: only these classes (default: all of :data:`CLASSES`).
    """
    cases, day = [], start
    for cls in classes or list(CLASSES):
        for i in range(variants):
            rng = random.Random(f"{cls}/{i}")
            cases.append(build_case(cls, f"{i + 1}", day, CLASSES[cls](rng), seed=i))
            day += timedelta(days=1)
    return cases
