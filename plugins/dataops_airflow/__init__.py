"""The Airflow layer of the DataOps suite: hooks, operators and notifiers over the ``dataops`` core library.

Heavy libraries (pandas, duckdb, lightgbm, great_expectations, dbt) are imported inside ``execute()``,
never at module level, so that DAG parsing stays fast.
"""
