"""The same read models on PostgreSQL (the production warehouse): the gate's history, read back."""

from __future__ import annotations

import pytest

from dataops.overview import dataset_tiles, metric_chart, open_incidents
from tests.unit.overview.history import KNOWN_BAD_DAY, LATEST, OPEN, OVERRIDES, build_history


@pytest.mark.postgres
def test_tiles_incidents_and_chart_on_postgres(pg_database, tmp_path, monkeypatch):
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", OVERRIDES)
    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(tmp_path / "reports"))
    location = build_history(tmp_path, pg_database)
    tiles = dataset_tiles(location, "transactions")
    assert tiles.batch_date.isoformat() == LATEST and tiles.count("ok") == len(tiles.tiles) > 40
    states = {t.metric: t.state for t in dataset_tiles(location, "transactions", as_of=KNOWN_BAD_DAY).tiles}
    assert states["amount_log_mean"] == "excluded"
    assert [(i.batch_date.isoformat(), [f.metric for f in i.fired]) for i in open_incidents(location)] == [
        (OPEN, ["amount_log_mean"])]
    chart = metric_chart(location, "transactions", "amount_log_mean")
    assert len(chart.points) == 26 and len(chart.flagged) == 3 and len(chart.hollow) == 3
