"""The Assets that link the DAGs (one place, so producers and consumers agree on the URIs)."""

from __future__ import annotations

from airflow.sdk import Asset


def table_asset(table: str) -> Asset:
    """A warehouse table, e.g. ``warehouse://marts.predictions``."""
    return Asset(f"warehouse://{table}")


def predictions_asset(dataset: str) -> Asset:
    """One dataset's predictions in ``marts.predictions`` (rows keyed by dataset), e.g.
    ``warehouse://marts.predictions/transactions``: a consumer of one dataset is not woken by another's scores."""
    return Asset(f"warehouse://marts.predictions/{dataset}")


def score_drift_asset(dataset: str) -> Asset:
    """Emitted by the Value Pipeline on a day whose score-distribution SPC reports drift."""
    return Asset(f"quality://{dataset}/score_drift")


def outcome_drift_asset(dataset: str) -> Asset:
    """Emitted by the Value Pipeline when the champion's outcome on a matured scoring day (precision at the
    alert budget, recall at the fixed false-positive rate, average precision) dropped out of control."""
    return Asset(f"quality://{dataset}/outcome_drift")


def champion_asset(dataset: str) -> Asset:
    """Emitted by the Innovation Pipeline when it promotes a new champion."""
    return Asset(f"model://{dataset}/champion")
