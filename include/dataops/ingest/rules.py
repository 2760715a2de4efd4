"""SQL (DuckDB, run in the staging connection) that splits raw CSV lines into columns and names the first rule each row breaks.

Landed files are read line by line, so every row keeps its source line number and nothing is silently
skipped: a line either parses into the contract's columns or gets a reason. The upstream contract is
plain comma-separated values without quoting (values never contain commas), no control characters (a tab
aside), finite numbers and timestamps between :data:`TIMESTAMP_MIN` and :data:`TIMESTAMP_MAX` (the range
every engine and library downstream represents: pandas' nanosecond timestamps end in 2262).
"""

from __future__ import annotations

from dataops.datasets.config import ColumnSpec

#: Contract types as SQL types valid on DuckDB and PostgreSQL alike (``DOUBLE PRECISION`` is DuckDB's
#: ``DOUBLE``): the staging casts and the warehouse DDL use the same names on both engines.
_SQL_TYPES = {"string": "VARCHAR", "timestamp": "TIMESTAMP", "double": "DOUBLE PRECISION", "integer": "BIGINT",
              "date": "DATE"}


#: Timestamps and dates outside [TIMESTAMP_MIN, TIMESTAMP_MAX) are quarantined (``infinity`` included).
TIMESTAMP_MIN, TIMESTAMP_MAX = "1900-01-01", "2200-01-01"
#: C0 control characters but the tab, and DEL: never in a field (NUL cannot even be stored by PostgreSQL).
CONTROL_CHARACTERS = r"[\x00-\x08\x0a-\x1f\x7f]"
#: A line as stored in ``raw.quarantine.raw_record``: NUL bytes written as the four characters ``\x00``.
RAW_RECORD = "replace(line, chr(0), '\\x00')"


def sql_type(col: ColumnSpec) -> str:
    """The SQL type of a contract column (the same on DuckDB and PostgreSQL)."""
    return _SQL_TYPES[col.type]


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def field(position: int) -> str:
    """The raw text of the field at 0-based ``position`` (NULL when empty)."""
    return f"nullif(trim(fields[{position + 1}]), '')"


def type_failure(col: ColumnSpec, position: int) -> str | None:
    """SQL predicate: the field has a value that does not cast to the column's type."""
    if col.type == "string":
        return None
    v = field(position)
    return f"({v} IS NOT NULL AND TRY_CAST({v} AS {sql_type(col)}) IS NULL)"


def column_checks(col: ColumnSpec, position: int) -> list[tuple[str, str]]:
    """(predicate, reason expression) pairs for one column, in the order they are reported."""
    v = field(position)
    name = col.name
    checks: list[tuple[str, str]] = []
    if not col.nullable:
        checks.append((f"{v} IS NULL", quote_literal(f"{name}: missing value")))
    failure = type_failure(col, position)
    if failure:
        checks.append((failure, f"{quote_literal(f'{name}: not a {col.type}: ')} || left({v}, 60)"))
    if col.pattern:
        checks.append((f"({v} IS NOT NULL AND NOT regexp_full_match({v}, {quote_literal(col.pattern)}))",
                       f"{quote_literal(f'{name}: does not match {col.pattern}: ')} || left({v}, 60)"))
    if col.allowed:
        values = ", ".join(quote_literal(a) for a in col.allowed)
        checks.append((f"({v} IS NOT NULL AND {v} NOT IN ({values}))",
                       f"{quote_literal(f'{name}: not an accepted value: ')} || left({v}, 60)"))
    if col.type == "double":
        number = f"TRY_CAST({v} AS DOUBLE)"
        checks.append((f"({number} IS NOT NULL AND NOT isfinite({number}))",
                       f"{quote_literal(f'{name}: not a finite number: ')} || left({v}, 60)"))
    if col.type in ("timestamp", "date"):
        stamp = f"TRY_CAST({v} AS {sql_type(col)})"
        checks.append((f"({stamp} < DATE {quote_literal(TIMESTAMP_MIN)} OR {stamp} >= DATE "
                       f"{quote_literal(TIMESTAMP_MAX)})",
                       f"{quote_literal(f'{name}: out of range [{TIMESTAMP_MIN}, {TIMESTAMP_MAX}): ')} || left({v}, 60)"))
    if col.min is not None:
        checks.append((f"(TRY_CAST({v} AS DOUBLE) < {float(col.min)})",
                       f"{quote_literal(f'{name}: below {col.min}: ')} || {v}"))
    return checks


def reason_expression(columns: list[ColumnSpec], positions: dict[str, int]) -> str:
    """A SQL expression giving the first broken rule of a line, or NULL for a good row."""
    n = len(positions)
    whens = [
        ("flaw IS NOT NULL", "flaw"),
        ("line IS NULL OR trim(line) = ''", quote_literal("empty line")),
        (f"regexp_matches(line, {quote_literal(CONTROL_CHARACTERS)})",
         quote_literal("control character in the line (only printable text and tabs are accepted)")),
        (f"len(fields) <> {n}", f"'unparseable: expected {n} fields, found ' || len(fields)"),
    ]
    for col in columns:
        whens.extend(column_checks(col, positions[col.name]))
    body = " ".join(f"WHEN {pred} THEN {reason}" for pred, reason in whens)
    return f"CASE {body} ELSE NULL END"


def typed_select(columns: list[ColumnSpec], positions: dict[str, int]) -> str:
    """SELECT list that casts a good row's fields to the contract's types, in contract order."""
    return ", ".join(
        f"CAST({field(positions[c.name])} AS {sql_type(c)}) AS {c.name}" for c in columns
    )
