"""Serialise a batch to gzipped CSV parts and describe them in a manifest.

Values are written as they are (no quoting: the simulator's values contain no commas except where a
fault puts them, and that fault writes its own quotes). Each line ends with ``\\n``; a part's ``rows``
is its number of data lines, header excluded, counted from the bytes actually written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MANIFEST_NAME = "_manifest.json"


@dataclass(frozen=True)
class Part:
    """One gzipped CSV object.

    :param key: object key, e.g. ``transactions/batch_date=2026-03-14/part-00000.csv.gz``.
    :param data: gzip bytes.
    :param rows: data lines (header excluded).
    :param sha256: hex digest of ``data``.
    """

    key: str
    data: bytes
    rows: int
    sha256: str


def batch_prefix(dataset: str, day: dt.date) -> str:
    """Folder of a dataset's batch: ``<dataset>/batch_date=YYYY-MM-DD/``."""
    return f"{dataset}/batch_date={day.isoformat()}/"


def part_key(dataset: str, day: dt.date, number: int) -> str:
    """Key of part ``number`` of a batch."""
    return f"{batch_prefix(dataset, day)}part-{number:05d}.csv.gz"


def to_lines(table: pa.Table) -> pa.Array:
    """One ``"v1,v2,...\\n"`` string per row; nulls become empty fields."""
    if table.num_columns == 0 or table.num_rows == 0:
        return pa.array([], pa.string())
    cols = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in table.columns]
    joined = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
    return pc.binary_join_element_wise(joined, "", "\n")


def _concat(lines: pa.Array) -> bytes:
    """The concatenated text of a string array (its data buffer between the first and last offset)."""
    if len(lines) == 0:
        return b""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]].tobytes()


def make_part(key: str, header: str, lines: pa.Array, compresslevel: int = 6) -> Part:
    """Gzip a header line plus ``lines`` into a part (``mtime=0`` keeps the bytes reproducible)."""
    body = (header + "\n").encode("utf-8") + _concat(lines)
    data = gzip.compress(body, compresslevel=compresslevel, mtime=0)
    return Part(key=key, data=data, rows=body.count(b"\n") - 1, sha256=hashlib.sha256(data).hexdigest())


def split_parts(
    dataset: str,
    day: dt.date,
    header: list[str],
    lines: pa.Array,
    rows_per_part: int,
    compresslevel: int = 6,
) -> list[Part]:
    """Cut ``lines`` into parts of at most ``rows_per_part`` rows (one header-only part when empty).

    :param dataset: dataset name (first folder of the keys).
    :param day: batch date.
    :param header: column names.
    :param lines: one string per data line, each ending with a newline.
    :param rows_per_part: largest number of rows per part.
    :param compresslevel: gzip level.
    """
    if rows_per_part < 1:
        raise ValueError("rows_per_part must be >= 1")
    head = ",".join(header)
    starts = list(range(0, max(len(lines), 1), rows_per_part))

    def build(i: int) -> Part:
        return make_part(part_key(dataset, day, i), head, lines.slice(starts[i], rows_per_part), compresslevel)

    if len(starts) == 1:
        return [build(0)]
    # zlib releases the GIL: compress the parts in parallel (order and bytes are unaffected).
    with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool:
        return list(pool.map(build, range(len(starts))))


def manifest(dataset: str, day: dt.date, parts: list[Part], generated_at: dt.datetime | None = None) -> dict:
    """The batch manifest of the landing contract."""
    when = generated_at or dt.datetime.now(dt.UTC)
    return {
        "dataset": dataset,
        "batch_date": day.isoformat(),
        "parts": [{"key": p.key, "rows": p.rows, "sha256": p.sha256} for p in parts],
        "total_rows": sum(p.rows for p in parts),
        "generated_at": when.isoformat(timespec="seconds"),
    }
