"""Defaults the operators share, read from the environment at execution time (never at parse time)."""

from __future__ import annotations

import os

#: Airflow pool that serialises warehouse writes (DuckDB allows one writer at a time).
WAREHOUSE_POOL = "warehouse"


def landing_bucket(explicit: str | None = None) -> str:
    return explicit or os.environ.get("DATAOPS_LANDING_BUCKET", "landing")


def artifact_bucket(explicit: str | None = None) -> str:
    return explicit or os.environ.get("DATAOPS_ARTIFACT_BUCKET", "models")
