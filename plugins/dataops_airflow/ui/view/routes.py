"""The view's routes (mounted by :func:`dataops_airflow.ui.app.create_app` under ``/dataops/view``).

Every route depends on :func:`~dataops_airflow.ui.auth.require_ui_user`; the rollback also needs a same-origin
post and the auth manager's permission to trigger ``model_rollback`` (:mod:`.security`). What is shown is
read by the core (:mod:`dataops.overview`); a source that cannot be read (warehouse locked by a writer,
registry unreachable) shows its error in its own section instead of failing the page. The core (numpy,
the SPC engine) is imported when a page is asked for: the plugin module is loaded by every Airflow process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dataops_airflow.ui.auth import require_ui_user
from dataops_airflow.ui.view import sources
from dataops_airflow.ui.view.pages import render, safe_svg
from dataops_airflow.ui.view.security import may_read_dag, may_roll_back, same_origin

VIEW_ROUTE = "/view"
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
RUN_CHARTS = 4
REFUSAL_STATUS = {"invalid": status.HTTP_400_BAD_REQUEST}
UserDep = Annotated[Any, Depends(require_ui_user)]


@dataclass(frozen=True)
class Sources:
    """Where the view reads: model name -> registry, and the warehouse location."""

    registry: Callable[[str], Any]
    warehouse: Callable[[], Any]


def _root(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/") + VIEW_ROUTE


def _page(body: str, code: int = status.HTTP_200_OK) -> HTMLResponse:
    return HTMLResponse(body, status_code=code, headers=HEADERS)


def _attempt(read: Callable[[], Any]) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, message)`` when the source cannot be read."""
    try:
        return read(), None
    except Exception as exc:  # noqa: BLE001 - shown on the page, the rest of the page still renders
        return None, f"cannot read it now: {type(exc).__name__}: {exc}"


def _tiles(src: Sources, names: list[str], as_of: date | None) -> tuple[list[Any], dict[str, str]]:
    """Each dataset's tiles (an empty one when unreadable) and, per dataset, why it could not be read."""
    from dataops.overview import DatasetTiles, dataset_tiles

    location, failed = _attempt(src.warehouse)
    out, errors = [], {}
    for name in names:
        tiles, error = (None, failed) if failed else _attempt(partial(dataset_tiles, location, name, as_of))
        out.append(tiles or DatasetTiles(name, None, ()))
        if error:
            errors[name] = f"Warehouse {error}"
    return out, errors


def _registry_overview(src: Sources, name: str) -> Any:
    from dataops.overview import registry_overview

    return registry_overview(src.registry(name))


def _decided(src: Sources, name: str) -> Any:
    from dataops.overview.decided import decided_by

    return decided_by(src.warehouse(), name)


def _models(src: Sources, names: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in names:
        overview, error = _attempt(partial(_registry_overview, src, name))
        decided, failed = _attempt(partial(_decided, src, name))
        out.append({"name": name, "overview": overview, "error": error and f"Registry {error}",
                    "decided": decided or [], "decided_error": failed and f"Warehouse {failed}"})
    return out


def _chart_svg(src: Sources, dataset: str, metric: str, until: date | None) -> tuple[Any, str]:
    from dataops.overview import chart_geometry, metric_chart
    from dataops_airflow.ui.view.chart_svg import control_chart_svg

    chart = metric_chart(src.warehouse(), dataset, metric, until=until)
    return chart, control_chart_svg(chart_geometry(chart), f"{dataset} {metric}")


def _run_charts(request: Request, src: Sources, tiles: Any) -> list[dict[str, Any]]:
    flagged = [t for t in tiles.tiles if t.state in ("critical", "warning")][:RUN_CHARTS]
    out = []
    for t in flagged:
        _, svg = _chart_svg(src, tiles.dataset, t.metric, tiles.batch_date)
        href = f"{_root(request)}/datasets/{quote(tiles.dataset)}/metrics/{quote(t.metric)}?until={tiles.batch_date}"
        out.append({"metric": t.metric, "href": href, "svg": safe_svg(svg)})
    return out


def _overview(request: Request, user: Any, src: Sources, names: list[str], *, as_of: date | None, title: str,
              subtitle: str, with_charts: bool = False, rolled_back: str | None = None) -> HTMLResponse:
    from dataops.overview import open_incidents

    tiles, tile_errors = _tiles(src, names, as_of)
    incidents, incidents_error = _attempt(lambda: open_incidents(src.warehouse(), names))
    models = _models(src, names)
    charts = [c for d in tiles if d.batch_date for c in _run_charts(request, src, d)] if with_charts else []
    return _page(render("overview.html", title=title, subtitle=subtitle, root=_root(request), user=user.get_name(),
                        tiles=tiles, tile_errors=tile_errors, charts=charts, incidents=incidents or [],
                        incidents_error=incidents_error and f"Warehouse {incidents_error}",
                        models=models, notice=_notice(models, rolled_back), rolled_back=rolled_back,
                        may_roll_back=may_roll_back(user)))


def _message(request: Request, user: Any, title: str, message: str, code: int) -> HTMLResponse:
    return _page(render("message.html", title=title, message=message, ok=code < 400, root=_root(request),
                        user=user.get_name()), code)


def _known(name: str) -> str:
    if name not in sources.datasets():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no dataset or model named {name!r}")
    return name


def _run_page(request: Request, user: Any, src: Sources, dag_id: str, run_id: str) -> HTMLResponse:
    """The page of one Value Pipeline run: its dataset as of its batch, with the flagged metrics' charts."""
    if not may_read_dag(user, dag_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not read the runs of {dag_id}")
    dataset, batch = sources.dataset_of_dag(dag_id), sources.run_batch_date(dag_id, run_id)
    if dataset is None or batch is None:
        return _message(request, user, "DataOps", f"{dag_id} {run_id} is not a Value Pipeline run with a batch "
                        "date: the DataOps page of a run exists for value_pipeline_<dataset> runs only.", 404)
    return _overview(request, user, src, [dataset], as_of=batch, title=f"DataOps - {dataset} batch {batch}",
                     subtitle=f"Run {run_id} of {dag_id}", with_charts=True)


def _rollback(request: Request, user: Any, src: Sources, model: str, *, reason: str, confirmed: bool,
              expected_version: str | None) -> Response:
    """Roll ``model``'s champion back for ``user``, or say why not (403 cross-site or not allowed, 400 invalid
    input, 409 nothing to roll back or the champion moved)."""
    from dataops.overview import RollbackRefused, roll_back_champion

    if not same_origin(request):
        return _message(request, user, "Rollback refused", "Cross-site request refused: the rollback form must "
                        "be posted from the DataOps view of this Airflow.", status.HTTP_403_FORBIDDEN)
    if not may_roll_back(user):
        return _message(request, user, "Rollback refused", f"{user.get_name()} may not trigger the "
                        "model_rollback DAG, so may not roll a model back.", status.HTTP_403_FORBIDDEN)
    try:
        move = roll_back_champion(src.registry(_known(model)), reason=reason, confirmed=confirmed,
                                  actor=user.get_name(), expected_version=expected_version)
    except RollbackRefused as exc:
        return _message(request, user, "Rollback refused", str(exc),
                        REFUSAL_STATUS.get(exc.kind, status.HTTP_409_CONFLICT))
    return _to_model(request, model, rolled_back=move.to_version is not None)


def _to_model(request: Request, model: str, *, rolled_back: bool = False) -> RedirectResponse:
    """See Other: the overview at the model's section (after a rollback: with its notice), so a reload of the
    page the browser shows never posts again."""
    query = f"?rolled_back={quote(model)}" if rolled_back else ""
    return RedirectResponse(f"{_root(request)}/{query}#model-{quote(model)}", status.HTTP_303_SEE_OTHER, HEADERS)


def _notice(models: list[dict[str, Any]], rolled_back: str | None) -> str | None:
    """The confirmation of a rollback just done: the model's latest alias move, if it is a rollback."""
    for m in models:
        steps = m["overview"].timeline if m["name"] == rolled_back and m["overview"] else ()
        if steps and steps[0].action == "rollback":
            s = steps[0]
            return f"Champion of {m['name']} rolled back from {s.from_version} to {s.to_version} by {s.actor}: {s.reason}"
    return None


def view_router(registry_factory: Callable[[str], Any],
                warehouse_factory: Callable[[], Any] = sources.hook_warehouse) -> APIRouter:
    """The view's routes.

    :param registry_factory: model name -> :class:`dataops.registry.ModelRegistry`.
    :param warehouse_factory: the warehouse location (default: the ``warehouse_default`` connection).
    """
    src = Sources(registry_factory, warehouse_factory)
    router = APIRouter(prefix=VIEW_ROUTE, dependencies=[Depends(require_ui_user)])

    @router.get("/", response_class=HTMLResponse)
    def overview(request: Request, user: UserDep, as_of: date | None = None,
                 rolled_back: str | None = None) -> HTMLResponse:
        subtitle = f"Latest batch of each dataset{f' on or before {as_of}' if as_of else ''}; click a tile for its chart."
        return _overview(request, user, src, sources.datasets(), as_of=as_of, title="DataOps", subtitle=subtitle,
                         rolled_back=rolled_back)

    @router.get("/datasets/{dataset}/metrics/{metric}", response_class=HTMLResponse)
    def chart(request: Request, user: UserDep, dataset: str, metric: str, until: date | None = None) -> HTMLResponse:
        from dataops.overview.chart import is_hollow

        chart, svg = _chart_svg(src, _known(dataset), metric, until)
        if not chart.points:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recorded batch of {dataset} {metric}")
        marked = [p for p in chart.points if p.rules or is_hollow(p.status)]
        return _page(render("chart.html", title=f"{dataset} {metric}", root=_root(request), user=user.get_name(),
                            dataset=dataset, metric=metric, chart=chart, svg=safe_svg(svg), until=until,
                            marked=list(reversed(marked))))

    @router.get("/runs/{dag_id}/{run_id}", response_class=HTMLResponse)
    def run(request: Request, user: UserDep, dag_id: str, run_id: str) -> HTMLResponse:
        return _run_page(request, user, src, dag_id, run_id)

    @router.get("/models/{model}/rollback")
    def rollback_page(request: Request, user: UserDep, model: str) -> RedirectResponse:
        return _to_model(request, _known(model))

    @router.post("/models/{model}/rollback", response_class=HTMLResponse)
    def rollback(request: Request, user: UserDep, model: str, reason: Annotated[str, Form()] = "",
                 confirm: Annotated[str, Form()] = "", expected_version: Annotated[str, Form()] = ""
                 ) -> Response:
        return _rollback(request, user, src, model, reason=reason, confirmed=confirm == "yes",
                         expected_version=expected_version or None)

    return router
