"""A warehouse with a real quality history: synthetic batches judged by the real gate, then labelled.

Batches from 2026-02-02: 21 clean ones, then
* 2026-02-23 amount shift (x1.5): critical, left open (an incident);
* 2026-02-24 clean;
* 2026-02-25 amount shift: critical, labelled ``known_bad`` by an analyst;
* 2026-02-26 amount shift: critical, labelled ``false_positive``;
* 2026-02-27 clean (the latest batch).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dataops.quality.gate import run_gate
from dataops.quality.labels import apply_label
from dataops.warehouse import WarehouseLocation
from tests.unit.quality import synth

START = date(2026, 2, 2)
OPEN, KNOWN_BAD_DAY, FALSE_POSITIVE_DAY, LATEST = "2026-02-23", "2026-02-25", "2026-02-26", "2026-02-27"
SHIFTED = (OPEN, KNOWN_BAD_DAY, FALSE_POSITIVE_DAY)
#: the SPC override the history is judged with (alerts after 14 baseline batches instead of 20)
OVERRIDES = '{"min_baseline_points": 14}'


def build_history(folder: Path, location: WarehouseLocation | None = None) -> WarehouseLocation:
    """Fill the warehouse and return its location (``DATAOPS_QUALITY_SPC_OVERRIDES`` must be :data:`OVERRIDES`).

    :param folder: an empty folder (the Data Docs of the runs go there too).
    :param location: an empty warehouse (default: ``folder/warehouse.duckdb``).
    """
    location = location or WarehouseLocation.duckdb(folder / "warehouse.duckdb")
    synth.create(location)
    days = synth.fill(location, START, 21)
    for day in ("2026-02-23", "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27"):
        synth.add_batch(location, day, 800, amount_factor=1.5 if day in SHIFTED else 1.0)
        days.append(day)
    for day in days:
        run_gate(location, "transactions", day, run_gx=False, docs_dir=folder / "docs")
        if day == KNOWN_BAD_DAY:
            apply_label(location, "transactions", day, "known_bad", comment="broken feed", labelled_by="ana",
                        metrics=["amount_log_mean"])
        if day == FALSE_POSITIVE_DAY:
            apply_label(location, "transactions", day, "false_positive", comment="price rise", labelled_by="ana",
                        metrics=["amount_log_mean"])
    return location


def fill_registry(registry) -> dict[str, str]:
    """Three registered versions, v1 then v2 promoted (v2 with a decision and its report), v3 in shadow.

    :param registry: an empty :class:`dataops.registry.ModelRegistry` on a real S3 endpoint.
    :returns: ``{"decision": id of v2's decision}``.
    """
    for k in range(3):
        registry.register({"model.txt": f"tree {k}".encode(), "features.json": b"{}"}, created_by="training")
    registry.promote("v1", actor="innovation_pipeline", reason="first model", expected_version=None)
    key = f"{registry.prefix('v2')}report/d2/report.html"
    registry.store.put(key, b"<html><head><title>Evaluation v2</title></head></html>")
    decision = registry.record_decision(challenger_version="v2", champion_version="v1", promote=True,
                                        reasons=["PR-AUC +0.04 (CI above 0)"], actor="innovation_pipeline",
                                        metric="pr_auc", delta=0.04, report_uri=registry.store.uri(key),
                                        decision_id="d2")
    registry.promote("v2", actor="innovation_pipeline", reason="beats v1 on PR-AUC", expected_version="v1")
    registry.promote("v3", alias="shadow", actor="innovation_pipeline", reason="shadow period of v3")
    return {"decision": decision}
