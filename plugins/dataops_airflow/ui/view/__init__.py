"""The DataOps view inside the Airflow UI (``/dataops/view/``): tiles, control charts, incidents, registry.

The read models are the core's (:mod:`dataops.overview`); this package renders them (server-side HTML with
inline SVG, no script, nothing fetched from elsewhere) and serves them from the plugin app:

* ``GET /dataops/view/`` -- every dataset's tiles, open incidents, every model's registry (the nav page);
* ``GET /dataops/view/datasets/<dataset>/metrics/<metric>`` -- one metric's control chart (90 batches);
* ``GET /dataops/view/runs/<dag_id>/<run_id>`` -- the page of one Value Pipeline run's batch;
* ``POST /dataops/view/models/<model>/rollback`` -- roll the champion back (same-origin form, a user allowed
  to trigger the ``model_rollback`` DAG, a reason and a confirmation); done: 303 to the overview, which shows
  the move (``?rolled_back=<model>``); refused: a page saying why (400, 403, 409). A GET of that path goes
  back to the overview.
"""

from dataops_airflow.ui.view.routes import VIEW_ROUTE, view_router

__all__ = ["VIEW_ROUTE", "view_router"]
