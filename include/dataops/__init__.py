"""Core library of the DataOps suite: ingest, warehouse access, SPC, scoring, training, registry.

Nothing in this package imports Airflow; the Airflow layer lives in ``plugins/dataops_airflow``.
"""

__version__ = "0.1.0"
