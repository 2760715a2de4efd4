"""Who may read the reports: a caller Airflow's auth manager knows and lets see the Airflow UI.

Routes of plugin apps are not authenticated by Airflow. :func:`require_ui_user` delegates to the function
Airflow's own routes depend on (``airflow.api_fastapi.core_api.security.get_user``: a bearer token first,
else the UI's ``_token`` cookie) and then asks the auth manager whether the user may see the website. No
credential gives 401, an invalid one 403, a user without access to the UI 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


async def require_ui_user(request: Request, bearer: BearerDep):
    """FastAPI dependency: the authenticated Airflow user allowed to see the UI, or an HTTP error."""
    # Imported here: the plugin module is also loaded by schedulers and workers, which never serve it.
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import get_user

    user = await get_user(request, None, bearer)
    if not get_auth_manager().is_authorized_view(access_view=AccessView.WEBSITE, user=user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden")
    return user
