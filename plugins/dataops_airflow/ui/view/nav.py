"""Where the view appears in the Airflow UI: the ``external_views`` of the plugin.

Airflow 3 shows an external view in an iframe (same origin, scripts and forms allowed) at
``/plugin/<url_route>`` (nav) or ``/dags/<dag>/runs/<run>/plugin/<url_route>`` (``dag_run``: a tab of every
run; ``{DAG_ID}`` and ``{RUN_ID}`` in ``href`` are replaced by the UI). The hrefs are paths on the Airflow
host, prefixed with the path of ``AIRFLOW__API__BASE_URL`` when Airflow is served under one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from dataops.weblinks import APP_PREFIX, base_url

NAV_ROUTE = "dataops"
RUN_ROUTE = "dataops-batch"


def view_path(suffix: str = "/") -> str:
    """The path of a page of the view on the Airflow host (``/dataops/view/`` + ``suffix``).

    :param suffix: the page inside the view, starting with ``/``.
    """
    return f"{urlparse(base_url()).path.rstrip('/')}{APP_PREFIX}/view{suffix}"


def external_views() -> list[dict[str, Any]]:
    """The entry of the navigation bar (no category: a top-level item) and the tab on DAG runs (the run's batch; other DAGs get a note)."""
    return [
        {"name": "DataOps", "href": view_path("/"), "destination": "nav", "url_route": NAV_ROUTE},
        {"name": "DataOps", "href": view_path("/runs/{DAG_ID}/{RUN_ID}"), "destination": "dag_run",
         "url_route": RUN_ROUTE},
    ]
