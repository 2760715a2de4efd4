"""The warehouse interface on a DuckDB file (the embedded default).

Every connection is a plain ``duckdb.connect(path)``: within one process DuckDB shares one database instance
per file, so the staging connection, a streaming cursor and dbt-duckdb can all be open at once (a second
process gets a lock error: the Airflow ``warehouse`` pool keeps writers apart).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dataops.warehouse.base import Params, StagedLoad, Warehouse


def _frame(batch: Any) -> Any:
    """An Arrow record batch as a pandas frame, DECIMAL columns as floats (as on PostgreSQL)."""
    import pyarrow as pa

    if not any(pa.types.is_decimal(f.type) for f in batch.schema):
        return batch.to_pandas()
    columns = [c.cast(pa.float64()) if pa.types.is_decimal(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names).to_pandas()


class DuckDBWarehouse(Warehouse):
    kind = "duckdb"
    default_schema = "main"
    service = "DuckDB"
    hint = ("another process holds the file (a notebook, the duckdb CLI, a second writer outside the Airflow "
            "'warehouse' pool): close it, then retry the task")

    def where(self) -> str:
        return f"file {self.location.path}"

    def _gone(self, err: BaseException) -> bool:
        from dataops.warehouse.retries import duckdb_locked

        return duckdb_locked(err)

    def _open(self) -> Any:
        import duckdb

        path = str(self.location.path)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return duckdb.connect(path)

    @contextmanager
    def staging(self) -> Iterator[Any]:
        """The warehouse file itself: staged temp tables are loaded with ``INSERT ... SELECT``."""
        with self.connect() as con:
            yield con

    def stream(self, sql: str, params: Params = None, *, batch_size: int = 100_000) -> Iterator[Any]:
        con = self._open()
        try:
            # .sql(...).to_arrow_reader streams; .execute(...).to_arrow_reader would copy the whole result first.
            reader = con.sql(sql, params=list(params) if params else None).to_arrow_reader(batch_size)
            for batch in reader:
                yield _frame(batch)
        finally:
            con.close()

    @contextmanager
    def _writer(self, staging: Any) -> Iterator[Any]:
        """The staging connection is the warehouse file: ``replace`` writes through it (INSERT ... SELECT)."""
        yield staging

    def _load(self, con: Any, staging: Any, load: StagedLoad) -> None:
        con.execute(f"INSERT INTO {load.table} ({', '.join(load.columns)}) {load.select}", load.params)

    def hash_bucket(self, expr: str, count: int) -> str:
        return f"hash({expr}) % {int(count)}"
