"""Score one batch date with the registered champion, or the challenger of a release (shadow, canary, green,
standby), as the batch's score plan says."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from dataops_airflow.settings import WAREHOUSE_POOL


class ScoreBatchOperator(BaseOperator):
    """Load the model behind ``role`` from the registry and score the day's feature rows.

    Skips (does not fail) with a clear message when the registry has no model under that alias yet.
    Returns a small summary (rows, flagged, model version) for XCom.

    With ``plan`` (the ``release_plan`` task's :class:`~dataops.release.plan.ScorePlan`, as XCom) the version
    and its share of the decisions come from the plan, read once for the batch: ``role="champion"`` scores the
    plan's champion slot, ``role="challenger"`` whatever slot scores beside it (skipped when there is none).

    :param dataset: dataset name; also the registry's model name.
    :param role: registry alias: ``champion`` (decisions used) or ``shadow`` (recorded, not acted on);
        with ``plan``: ``champion`` or ``challenger``.
    :param plan: the batch's score plan (templated; an XCom of the ``release_plan`` task).
    :param batch_date: ``YYYY-MM-DD`` (templated; default ``{{ ds }}``).
    :param chunk_size: rows per chunk (bounds memory).
    :param part: ``(index, count)`` to score one hash partition only (for mapped scale-out).
    :param warehouse_conn_id: connection of the warehouse.
    :param registry_conn_id: connection of the registry database.
    :param aws_conn_id: connection of the S3 endpoint with the model artifacts.
    """

    template_fields: Sequence[str] = ("dataset", "role", "batch_date", "plan")
    ui_color = "#eef8e8"

    def __init__(self, *, dataset: str, role: str = "champion", batch_date: str = "{{ ds }}", plan: Any = None,
                 chunk_size: int = 100_000, part: tuple[int, int] | None = None,
                 warehouse_conn_id: str = "warehouse_default", registry_conn_id: str = "registry_default",
                 aws_conn_id: str = "aws_default", **kwargs) -> None:
        kwargs.setdefault("pool", WAREHOUSE_POOL)
        super().__init__(**kwargs)
        self.dataset = dataset
        self.role = role
        self.batch_date = batch_date
        self.plan = plan
        self.chunk_size = chunk_size
        self.part = part
        self.warehouse_conn_id = warehouse_conn_id
        self.registry_conn_id = registry_conn_id
        self.aws_conn_id = aws_conn_id

    def execute(self, context) -> dict:
        from dataops.datasets import load_dataset
        from dataops.scoring import score_batch
        from dataops_airflow.hooks import RegistryHook, WarehouseHook

        registry = RegistryHook(self.registry_conn_id, self.aws_conn_id, model_name=self.dataset).get_conn()
        slot = self._slot()
        if self.plan is None:
            model = registry.load(self.role)
        else:
            model = None if slot is None else registry.load_version(slot.version)
        if model is None:
            raise AirflowSkipException(self._nothing_to_score())
        report = score_batch(WarehouseHook(self.warehouse_conn_id).get_location(), load_dataset(self.dataset),
                             self.batch_date, model, role=self.role, chunk_size=self.chunk_size, part=self.part,
                             slot=slot)
        return report.to_dict()

    def _slot(self):
        if self.plan is None:
            return None
        from dataops.release.plan import ScorePlan

        plan = ScorePlan.from_dict(self.plan)
        return plan.challenger if self.role == "challenger" else plan.slot(self.role)

    def _nothing_to_score(self) -> str:
        if self.role == "challenger":
            return "No challenger is being released (shadow, canary, green or standby): nothing to score beside " \
                   "the champion."
        return (f"No model has the alias {self.role!r} in the registry yet: nothing to score. "
                "Run the Innovation Pipeline to train and promote one.")
