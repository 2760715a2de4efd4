"""Who may roll back, and from where: the auth manager's DAG permission and a same-origin form post.

The rollback POST is refused unless its ``Origin`` (or, without one, its ``Referer``) is the host the request
was sent to or the public Airflow URL, so a page on another site cannot post the logged-in user's cookie; and
unless the auth manager lets the user trigger runs of the ``model_rollback`` DAG (a viewer cannot).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi import Request

from dataops.weblinks import base_url

ROLLBACK_DAG_ID = "model_rollback"


def _origin_of(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin is not None:
        return None if origin.strip().lower() == "null" else origin
    return request.headers.get("referer")


def same_origin(request: Request) -> bool:
    """Whether a state-changing request comes from a page of this site.

    :param request: the request.
    """
    claimed = _origin_of(request)
    if not claimed:
        return False
    parsed = urlparse(claimed)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return False
    allowed = {request.headers.get("host", ""), urlparse(base_url()).netloc}
    return parsed.netloc in allowed - {""}


def may_roll_back(user: Any) -> bool:
    """Whether the auth manager lets ``user`` trigger runs of the ``model_rollback`` DAG.

    :param user: the authenticated Airflow user.
    """
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return get_auth_manager().is_authorized_dag(method="POST", access_entity=DagAccessEntity.RUN,
                                                details=DagDetails(id=ROLLBACK_DAG_ID), user=user)


def may_read_dag(user: Any, dag_id: str) -> bool:
    """Whether the auth manager lets ``user`` read the runs of ``dag_id``.

    :param user: the authenticated Airflow user.
    :param dag_id: the DAG.
    """
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return get_auth_manager().is_authorized_dag(method="GET", access_entity=DagAccessEntity.RUN,
                                                details=DagDetails(id=dag_id), user=user)
