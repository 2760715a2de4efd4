"""Apply faults to a batch on its way to the landing zone: columns, lines and parts.

Every function takes the fault and a random generator derived from ``(seed, day, fault kind)`` so a
faulty batch is as reproducible as a clean one.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataops.simulator.faults import FaultSpec

NEW_CATEGORY_DEFAULTS = {"channel": "moto", "mcc": "7995"}
NULL_COLUMN_DEFAULTS = {"transactions": "mcc", "chargebacks": "reason_code"}
RENAME_DEFAULTS = {"amount": "amount_eur", "reported_at": "reported_on"}


def _mask(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Exactly ``round(n * share)`` random rows (at least one when ``share > 0`` and rows exist)."""
    k = min(n, max(1, int(round(n * share)))) if share > 0 and n else 0
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=k, replace=False)] = True
    return mask


def _require(table: pa.Table, column: str, fault: FaultSpec) -> None:
    if column not in table.column_names:
        raise ValueError(f"fault {fault.kind}: column {column!r} not in {table.column_names}")


def new_category(table: pa.Table, fault: FaultSpec, rng: np.random.Generator) -> pa.Table:
    """Replace a share of ``column`` values by a value never seen before."""
    column = fault.params["column"]
    _require(table, column, fault)
    value = fault.params["value"] or NEW_CATEGORY_DEFAULTS[column]
    mask = pa.array(_mask(rng, table.num_rows, fault.params["share"]))
    i = table.column_names.index(column)
    return table.set_column(i, column, pc.if_else(mask, value, table.column(column)))


def duplicated_rows(table: pa.Table, fault: FaultSpec, rng: np.random.Generator) -> pa.Table:
    """Repeat a share of the rows right after their original."""
    n = table.num_rows
    dup = np.flatnonzero(_mask(rng, n, fault.params["share"]))
    return table.take(pa.array(np.sort(np.concatenate([np.arange(n), dup]), kind="stable")))


def null_column(table: pa.Table, fault: FaultSpec, rng: np.random.Generator, dataset: str) -> pa.Table:
    """Empty a share of a column's values."""
    column = fault.params["column"] or NULL_COLUMN_DEFAULTS[dataset]
    _require(table, column, fault)
    mask = pa.array(_mask(rng, table.num_rows, fault.params["share"]))
    i = table.column_names.index(column)
    col = table.column(column)
    return table.set_column(i, column, pc.if_else(mask, pa.scalar(None, col.type), col))


#: dataset -> (column renamed, column dropped, column retyped) when the fault names none
SCHEMA_DEFAULTS = {"transactions": ("amount", "currency", "amount"),
                   "chargebacks": ("reported_at", "reason_code", "reported_at")}


def schema_change(table: pa.Table, fault: FaultSpec, rng: np.random.Generator) -> pa.Table:
    """Rename, drop, add or retype a column of the fault's dataset (see :mod:`dataops.simulator.faults`)."""
    variant = fault.params["variant"]
    renamed, dropped, retyped = SCHEMA_DEFAULTS[fault.dataset]
    if variant == "renamed":
        column = fault.params["column"] or renamed
        _require(table, column, fault)
        new = fault.params["new_name"] or RENAME_DEFAULTS.get(column, f"{column}_v2")
        return table.rename_columns([new if c == column else c for c in table.column_names])
    if variant == "missing":
        column = fault.params["column"] or dropped
        _require(table, column, fault)
        return table.drop_columns([column])
    if variant == "extra":
        name = fault.params["new_name"] or "device_id"
        digits = pc.utf8_lpad(
            pc.cast(pa.array(rng.integers(0, 10**8, size=table.num_rows)), pa.string()), width=8, padding="0"
        )
        return table.append_column(name, pc.binary_join_element_wise("D", digits, ""))
    column = fault.params["column"] or retyped
    _require(table, column, fault)
    return table.set_column(table.column_names.index(column), column, _retyped(table, column))


def _retyped(table: pa.Table, column: str) -> pa.Array:
    """type_changed: an amount as a quoted European money string (``"12,50 EUR"``), a timestamp as a
    quoted day-first date (``"31/12/2026"``)."""
    col = table.column(column)
    if column.endswith(("_at", "_ts")):  # written as "YYYY-MM-DD HH:MM:SS" text
        day_first = pc.replace_substring_regex(col, r"^(\d{4})-(\d{2})-(\d{2}).*$", r"\3/\2/\1")
        return pc.binary_join_element_wise('"', day_first, '"', "")
    value = pc.replace_substring(col, ".", ",")
    if "currency" in table.column_names:
        value = pc.binary_join_element_wise(value, table.column("currency"), " ")
    return pc.binary_join_element_wise('"', value, '"', "")


def unparseable_rows(lines: pa.Array, fault: FaultSpec, rng: np.random.Generator) -> pa.Array:
    """Damage a share of CSV lines: truncated, with extra fields, or garbage (one line each)."""
    rows = np.flatnonzero(_mask(rng, len(lines), fault.params["share"]))
    if len(rows) == 0:
        return lines
    originals = lines.take(pa.array(rows)).to_pylist()
    kinds = rng.integers(0, 3, size=len(rows))
    cuts = rng.random(len(rows))
    noise = rng.integers(0, 16**8, size=len(rows))
    damaged = []
    for line, kind, cut, junk in zip(originals, kinds, cuts, noise, strict=True):
        fields = line.rstrip("\n").split(",")
        if kind == 0:
            keep = 1 + int(cut * max(len(fields) - 2, 1))
            text = ",".join(fields[:keep])
        elif kind == 1:
            text = ",".join([*fields, "x", f"{junk:08x}"])
        else:
            text = f"\ufffd\ufffd corrupted record {junk:08x} \ufffd"
        damaged.append(text + "\n")
    mask = np.zeros(len(lines), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(lines, pa.array(mask), pa.array(damaged, pa.string()))
