"""The ``/dataops`` app: Data Docs and gate results from the reports store, evaluation reports from S3.

Mounted by the plugin (``fastapi_apps``) on the Airflow API server; every route depends on
:func:`~dataops_airflow.ui.auth.require_ui_user`. Files are resolved by :mod:`dataops.weblinks` (never outside
the reports store: the folder, or the ``DATAOPS_REPORTS_BUCKET`` in production); evaluation reports are read
through the registry (``RegistryHook``: ``registry_default`` and ``aws_default``). Data Docs pages are served
with their CDN links onto the plugin's vendored copies (:mod:`dataops_airflow.ui.assets`), so they render on a
network without internet access.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from dataops.reports_store import FolderReportsStore, ReportsStore, media_type, open_reports_store
from dataops.weblinks import ReportNotFound, evaluation_report_key
from dataops_airflow.ui.assets import assets_router, is_page, rewritten_page
from dataops_airflow.ui.auth import require_ui_user
from dataops_airflow.ui.view import view_router

HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def hook_registry(model_name: str) -> Any:
    """The model's registry from the Airflow connections (the app's default registry factory)."""
    from dataops_airflow.hooks import RegistryHook

    return RegistryHook(model_name=model_name).get_conn()


def hook_reports_store() -> ReportsStore:
    """The reports store (the app's default): the bucket through ``aws_default``, or the reports folder."""

    def s3_client() -> Any:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        return S3Hook(aws_conn_id="aws_default").get_conn()

    return open_reports_store(s3_client)


def _not_found(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))


def create_app(*, folder: Path | None = None, registry_factory: Callable[[str], Any] = hook_registry,
               reports_factory: Callable[[], ReportsStore] = hook_reports_store) -> FastAPI:
    """The reports app.

    :param folder: serve this reports folder (default: ``reports_factory``'s store at request time).
    :param registry_factory: model name -> :class:`dataops.registry.ModelRegistry`.
    :param reports_factory: the :class:`~dataops.reports_store.ReportsStore` of Data Docs and gate results.
    """
    app = FastAPI(title="DataOps reports", dependencies=[Depends(require_ui_user)], docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.include_router(view_router(registry_factory))  # the DataOps view: /view/...
    app.include_router(assets_router())  # Data Docs' CSS, scripts and fonts: /assets/vendor/...

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse("<!DOCTYPE html><html><head><title>DataOps reports</title></head><body>"
                            "<h1>DataOps reports</h1><ul><li><a href='reports/data_docs/index.html'>Data Docs</a>"
                            "</li></ul></body></html>", headers=HEADERS)

    @app.get("/reports/{path:path}")
    def report_file(path: str, request: Request) -> Response:
        store = FolderReportsStore(folder) if folder else reports_factory()
        try:
            body = store.read(path)
        except ReportNotFound as exc:
            raise _not_found(exc) from exc
        if is_page(path):  # its CDN links onto the vendored copies (served pages work on a closed network)
            return rewritten_page(body, request, HEADERS)
        return Response(body, media_type=media_type(path), headers=HEADERS)

    @app.get("/models/{model_name}/versions/{version}/report")
    def evaluation_report(model_name: str, version: str, decision_id: str | None = None,
                          file: str = Query("report.html")) -> Response:
        from dataops.datasets import list_datasets
        from dataops.registry.artifacts import content_type
        from dataops.registry.errors import ArtifactIntegrityError

        if model_name not in list_datasets():  # a configured model, never a name built into a key or a query
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no model named {model_name!r}")
        registry = registry_factory(model_name)
        try:
            key = evaluation_report_key(registry, version, decision_id, file)
            body = registry.store.get(key)
        except (ReportNotFound, ArtifactIntegrityError) as exc:
            raise _not_found(exc) from exc
        return Response(body, media_type=content_type(file), headers=HEADERS)

    @app.exception_handler(HTTPException)
    async def page(_request, exc: HTTPException) -> Response:
        return HTMLResponse(f"<!DOCTYPE html><html><head><title>{exc.status_code}</title></head><body><h1>"
                            f"{exc.status_code}</h1><p>{html.escape(str(exc.detail))}</p></body></html>",
                            status_code=exc.status_code, headers={**HEADERS, **(exc.headers or {})})

    return app


#: The app the plugin mounts under ``/dataops``.
app = create_app()
