"""The vendored browser assets of Data Docs (``static/vendor``, see ``scripts/vendor_data_docs_assets.py``),
served at ``/dataops/assets/vendor/<package>@<version>/<path>``, and the rewrite of served Data Docs pages onto
them (:mod:`dataops.quality.docs_assets`).

The app-level dependency (:func:`~dataops_airflow.ui.auth.require_ui_user`) guards these routes too; files are
resolved as report files are (nothing outside the folder). They never change under a versioned path, so the
browser may keep them a year (``private``: they are served to logged-in users only).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, Response

from dataops.quality.docs_assets import VENDOR_ROUTE, rewrite_page
from dataops.weblinks import ReportNotFound, resolve_report_file

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
ASSET_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=31536000, immutable"}
# explicit types: with ``nosniff`` a browser refuses a script or a stylesheet served under a wrong type
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".woff2": "font/woff2",
               ".png": "image/png", ".json": "application/json", ".md": "text/plain; charset=utf-8",
               ".txt": "text/plain; charset=utf-8", "": "text/plain; charset=utf-8"}


def assets_router(folder: Path = VENDOR_DIR) -> APIRouter:
    """The route of the vendored files.

    :param folder: the vendored files (default: the plugin's ``static/vendor``).
    """
    router = APIRouter()

    @router.get(VENDOR_ROUTE + "/{path:path}")
    def vendored_asset(path: str) -> FileResponse:
        try:
            file = resolve_report_file(path, folder)
        except ReportNotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no vendored asset {path!r}") from exc
        return FileResponse(file, media_type=MEDIA_TYPES.get(file.suffix, "application/octet-stream"),
                            headers=ASSET_HEADERS)

    return router


def is_page(path: str) -> bool:
    """Whether a reports file is a page whose CDN links are rewritten."""
    return path.lower().endswith((".html", ".htm"))


def rewritten_page(body: bytes, request: Request, headers: dict[str, str]) -> Response:
    """A Data Docs page with its CDN URLs pointing at the vendored copies under the app's own prefix.

    :param body: the page's bytes.
    :param request: the request (its ``root_path`` is where the app is mounted, e.g. ``/dataops``).
    :param headers: the response headers.
    """
    prefix = request.scope.get("root_path", "")
    return Response(rewrite_page(body, prefix), media_type="text/html; charset=utf-8", headers=headers)
