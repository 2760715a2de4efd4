"""Every route the plugin registers refuses anonymous callers and bad tokens: the routes are enumerated from
the plugin itself (each FastAPI app it mounts, every router and mounted sub-app in it), so a new route cannot
be forgotten. Real auth manager (SimpleAuthManager) and real JWTs."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

SAMPLE = {"path": "data_docs/index.html", "model_name": "transactions", "version": "v1", "model": "transactions",
          "dataset": "transactions", "metric": "row_count", "dag_id": "value_pipeline_transactions",
          "run_id": "scheduled__2026-02-23T00:00:00+00:00"}


def _routes(routes, prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every route, mounted sub-apps walked."""
    out = []
    for route in routes:
        if isinstance(route, Mount):
            out += _routes(route.routes, prefix + route.path)
        elif getattr(route, "methods", None):
            out += [(method, prefix + route.path) for method in sorted(route.methods) if method != "HEAD"]
    return out


def _plugin_routes() -> list[tuple[FastAPI, str, str, str]]:
    from dataops_plugin import DataOpsPlugin

    out = []
    for entry in DataOpsPlugin.fastapi_apps:
        for method, path in _routes(entry["app"].routes):
            concrete = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE[m.group(1)], path)
            out.append((entry["app"], entry["url_prefix"], method, concrete))
    return out


def test_every_plugin_route_refuses_anonymous_callers_and_bad_tokens(auth_manager, reports, tmp_path):
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    routes = _plugin_routes()
    paths = {p for _, _, _, p in routes}
    assert {"/", "/reports/data_docs/index.html", "/view/", "/view/models/transactions/rollback"} <= paths, paths
    assert len(routes) >= 8, routes
    expired = auth_manager.generate_jwt(SimpleAuthManagerUser(username="ana", role="admin"), expiration_time_in_seconds=-60)
    no_role = auth_manager.generate_jwt(SimpleAuthManagerUser(username="nobody", role=None))
    for app, prefix, method, path in routes:
        parent = FastAPI()
        parent.mount(prefix, app)
        client = TestClient(parent)
        url = prefix + path
        form = {"reason": "anonymous try", "confirm": "yes"} if method == "POST" else None
        same_site = {"Origin": "http://testserver"}
        assert client.request(method, url, headers=same_site, data=form).status_code == 401, (method, url)
        for bad in ("Bearer not-a-jwt", f"Bearer {expired}", f"Bearer {no_role}", f"Basic {no_role}"):
            status = client.request(method, url, headers={**same_site, "Authorization": bad}, data=form).status_code
            assert status in (401, 403), (method, url, bad[:12], status)
        client.cookies.set("_token", "forged.cookie.value")
        assert client.request(method, url, headers=same_site, data=form).status_code in (401, 403), (method, url)
