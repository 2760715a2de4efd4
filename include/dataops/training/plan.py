"""What a training run will use: the cutoff and the batch dates the quality gate says to leave out."""

from __future__ import annotations

from datetime import date

from dataops.warehouse import WarehouseLocation

#: Statuses of the SPC metric history whose batches are not trained on (unless told otherwise).
EXCLUDED_STATUSES = ("out_of_control", "known_bad")


def excluded_batch_dates(location: WarehouseLocation, dataset: str) -> list[str]:
    """Batch dates with any metric ``out_of_control`` or ``known_bad`` (empty when there is no history yet)."""
    with location.duckdb_connection(read_only=False) as con:
        exists = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_schema = 'quality' AND table_name = 'metric_history'").fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "SELECT DISTINCT CAST(batch_date AS VARCHAR) FROM quality.metric_history WHERE dataset = ? "
            f"AND status IN {EXCLUDED_STATUSES} ORDER BY 1", [dataset]).fetchall()
    return [r[0] for r in rows]


def plan_training_run(location: WarehouseLocation, dataset: str, *, cutoff: str,
                      keep_excluded: bool = False) -> dict:
    """Small JSON for XCom: the cutoff and the excluded batch dates (empty when ``keep_excluded``).

    :param location: the warehouse.
    :param dataset: dataset name.
    :param cutoff: knowledge date ``YYYY-MM-DD``: only labels reported before it are used.
    :param keep_excluded: train on out-of-control / known-bad batches too.
    """
    date.fromisoformat(cutoff)  # a clear ValueError for a malformed date
    flagged = excluded_batch_dates(location, dataset)
    return {"cutoff": cutoff, "excluded": [] if keep_excluded else flagged, "flagged": flagged,
            "keep_excluded": keep_excluded}
