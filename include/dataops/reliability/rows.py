"""Rows of hostile landed files: clean ``transactions`` rows, and the ways a row can arrive broken.

Every line the generator writes that stands for a row carries its row id (``tx_id``, unique per case) as its
first 17 characters, whatever else is wrong with it, so the accounting can find every row again: loaded in
``raw.transactions``, quarantined in ``raw.quarantine`` (the id is in its ``raw_record``), or kept in a file
rejected whole. A line also says what must become of it: ``load`` (loaded with exactly ``values``),
``quarantine`` (quarantined with a reason) or ``any`` (either, a reason if quarantined).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from dataops.simulator.geography import CHANNELS

COLUMNS = ("tx_id", "tx_ts", "customer_id", "terminal_id", "amount", "mcc", "channel", "country", "currency")
HEADER = ",".join(COLUMNS)
LOAD, QUARANTINE, ANY = "load", "quarantine", "any"
CHANNEL = COLUMNS.index("channel")
AMOUNT = COLUMNS.index("amount")
TX_TS = COLUMNS.index("tx_ts")


@dataclass(frozen=True)
class Line:
    """One data line as written (without its line end).

    :param data: the line's bytes.
    :param row_id: the row id written in it (None for a line that stands for no row: a blank line).
    :param expect: ``load``, ``quarantine`` or ``any``.
    :param values: with ``load``, the fields ``raw.transactions`` must hold, in contract order.
    """

    data: bytes
    row_id: str | None
    expect: str
    values: tuple[str, ...] = ()


def row_id(day: date, n: int) -> str:
    """``YYYYMMDD-0000000n``: the contract's id pattern, unique per batch date and ``n``."""
    return f"{day:%Y%m%d}-{n:08d}"


def clean_values(day: date, n: int) -> tuple[str, ...]:
    """The fields of a valid row ``n`` of ``day`` (every contract rule holds)."""
    return (row_id(day, n), f"{day.isoformat()} {n % 24:02d}:{n * 7 % 60:02d}:{n * 13 % 60:02d}", f"C{n:07d}",
            f"T{n % 997:06d}", f"{1 + n % 500}.{n * 37 % 100:02d}", f"{5411 + n % 7}", CHANNELS[n % 3],
            ("NL", "DE", "FR", "BE")[n % 4], "EUR")


def join(values: tuple[str, ...]) -> bytes:
    return ",".join(values).encode("utf-8")


def clean_line(day: date, n: int) -> Line:
    """A valid row, to be loaded exactly as written."""
    values = clean_values(day, n)
    return Line(join(values), values[0], LOAD, values)


def _with(values: tuple[str, ...], index: int, value: str) -> tuple[str, ...]:
    return (*values[:index], value, *values[index + 1:])


def _quarantined(values: tuple[str, ...], index: int, value: str) -> Line:
    return Line(join(_with(values, index, value)), values[0], QUARANTINE)


def _loaded(values: tuple[str, ...], index: int, value: str, stored: str | None = None) -> Line:
    """A line loaded with ``value`` written at ``index``, stored as ``stored`` (default: as written)."""
    written = _with(values, index, value)
    return Line(join(written), values[0], LOAD, _with(values, index, value if stored is None else stored))


# -- ways a row arrives broken (or merely unusual) -------------------------------------------------------------
def delimiter_in_field(values: tuple[str, ...], rng: random.Random) -> Line:
    """A comma inside a field (quoted or not): one field too many."""
    return _quarantined(values, CHANNEL, rng.choice(['"p,os"', "po,s", '"a ""b"", c"']))


def quotes_in_field(values: tuple[str, ...], rng: random.Random) -> Line:
    """Quotes are data in this contract (no quoting): loaded as written."""
    return _loaded(values, CHANNEL, rng.choice(['"pos"', "po\"s", "'ecom'", '""']))


def locale_number(values: tuple[str, ...], rng: random.Random) -> Line:
    """An amount written the way another locale writes it."""
    return _quarantined(values, AMOUNT, rng.choice(["12,50", "1.234,56", "12 345.00", "\u0661\u0662.\u0665\u0660",
                                                    "12.50 EUR", "1'234.50", "\u20ac12.50"]))


def date_out_of_range(values: tuple[str, ...], rng: random.Random) -> Line:
    """A timestamp no calendar, engine or library downstream takes (or not a timestamp at all)."""
    return _quarantined(values, TX_TS, rng.choice([
        "9999-12-31 23:59:59", "1899-12-31 23:59:59", "2026-02-30 10:00:00", "2026-03-14 25:61:00", "infinity",
        "-infinity", "290000-01-01 00:00:00", "0001-01-01 00:00:00 BC", "14/03/2026 10:00", "1e9"]))


def not_finite(values: tuple[str, ...], rng: random.Random) -> Line:
    """An amount that casts to a double but is no amount."""
    return _quarantined(values, AMOUNT, rng.choice(["nan", "NaN", "inf", "-inf", "Infinity", "1e400"]))


def control_character(values: tuple[str, ...], rng: random.Random) -> Line:
    """A control character inside a field (NUL, escape sequences, vertical tab, DEL)."""
    return _quarantined(values, CHANNEL, rng.choice(["p\x00s", "\x1b[31mpos\x1b[0m", "po\x0bs", "pos\x7f", "\x07"]))


def invalid_utf8(values: tuple[str, ...], rng: random.Random) -> Line:
    """Bytes that are not UTF-8 inside a field (Latin-1, a lone continuation byte, an overlong form)."""
    bad = rng.choice([b"caf\xe9", b"\x80pos", b"\xc0\xafpos", b"\xed\xa0\x80", b"pos\xff\xfe"])
    data = join(_with(values, CHANNEL, "@")).replace(b"@", bad)
    return Line(data, values[0], QUARANTINE)


def long_field(values: tuple[str, ...], rng: random.Random) -> Line:
    """A very long field (up to 3 MB, beyond DuckDB's default line limit of 2 MB): loaded as written."""
    return _loaded(values, CHANNEL, "x" * rng.choice([10_000, 300_000, 3_000_000]))


def oversized_field(values: tuple[str, ...], rng: random.Random) -> Line:
    """A field of 9 MiB: its line is beyond the 8 MiB limit, the file is refused whole."""
    return Line(join(_with(values, CHANNEL, "y" * (9 << 20))), values[0], ANY)


def lone_carriage_return(values: tuple[str, ...], rng: random.Random) -> Line:
    """A carriage return inside a field ends the line there: two broken lines."""
    return _quarantined(values, CHANNEL, rng.choice(["po\rs", "\rpos"]))


def truncated_line(values: tuple[str, ...], rng: random.Random) -> Line:
    """The line cut after the id (the rest of its fields missing)."""
    text = ",".join(values)
    return Line(text[:rng.randint(18, len(text) - 4)].encode(), values[0], QUARANTINE)


def missing_value(values: tuple[str, ...], rng: random.Random) -> Line:
    """A required field left empty."""
    return _quarantined(values, rng.choice([AMOUNT, TX_TS, CHANNEL]), "")


def markup(values: tuple[str, ...], rng: random.Random) -> Line:
    """Markup, template and SQL in a free-text field: data like any other, loaded as written."""
    return _loaded(values, CHANNEL, rng.choice([
        "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}", "[x](javascript:alert(1))",
        "'; DROP TABLE raw.transactions;--", "../../etc/passwd", "p\u043es", "\u202epos", "pos\u200b"]))


def padded(values: tuple[str, ...], rng: random.Random) -> Line:
    """Spaces around a field: loaded trimmed."""
    return _loaded(values, CHANNEL, f"  {values[CHANNEL]} ", values[CHANNEL])


LINE_FAULTS: dict[str, Callable[[tuple[str, ...], random.Random], Line]] = {
    "delimiter_in_field": delimiter_in_field, "quotes_in_field": quotes_in_field, "locale_number": locale_number,
    "date_out_of_range": date_out_of_range, "not_finite": not_finite, "control_character": control_character,
    "invalid_utf8": invalid_utf8, "long_field": long_field, "oversized_field": oversized_field, "lone_carriage_return": lone_carriage_return,
    "truncated_line": truncated_line, "missing_value": missing_value, "markup": markup, "padded": padded,
}


def blank_line() -> Line:
    """An empty line between rows: quarantined as an empty line, it stands for no row."""
    return Line(b"", None, QUARANTINE)


def duplicate_of(line: Line) -> Line:
    """The same row again (same id): the later one is quarantined as a duplicate key."""
    return replace(line, expect=QUARANTINE, values=())
