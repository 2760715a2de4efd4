"""Did the score distribution drift on a batch? (Read from the SPC history the post-score gate wrote.)"""

from __future__ import annotations

from dataops.warehouse import WarehouseLocation

SCORE_METRICS = ("score_mean", "score_flag_rate")


def score_drift(location: WarehouseLocation, dataset: str, batch_date: str) -> list[str]:
    """Names of the score metrics whose verdict on ``batch_date`` was ``warning`` or ``critical``."""
    with location.duckdb_connection() as con:
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quality' "
                             "AND table_name = 'metric_history'").fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "SELECT metric FROM quality.metric_history WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
            f"AND metric IN {SCORE_METRICS} AND verdict IN ('warning', 'critical') ORDER BY metric",
            [dataset, batch_date]).fetchall()
    return [r[0] for r in rows]
