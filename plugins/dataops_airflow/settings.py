"""Constants the operators share. Bucket names and other settings live in :mod:`dataops.settings`."""

from __future__ import annotations

from dataops.settings import artifact_bucket, landing_bucket

#: Airflow pool that serialises warehouse writes (DuckDB allows one writer at a time).
WAREHOUSE_POOL = "warehouse"

__all__ = ["WAREHOUSE_POOL", "artifact_bucket", "landing_bucket"]
