"""Score one batch date with the registered champion (or shadow challenger)."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from dataops_airflow.settings import WAREHOUSE_POOL


class ScoreBatchOperator(BaseOperator):
    """Load the model behind ``role`` from the registry and score the day's feature rows.

    Skips (does not fail) with a clear message when the registry has no model under that alias yet.
    Returns a small summary (rows, flagged, model version) for XCom.

    :param dataset: dataset name; also the registry's model name.
    :param role: registry alias: ``champion`` (decisions used) or ``shadow`` (recorded, not acted on).
    :param batch_date: ``YYYY-MM-DD`` (templated; default ``{{ ds }}``).
    :param chunk_size: rows per chunk (bounds memory).
    :param part: ``(index, count)`` to score one hash partition only (for mapped scale-out).
    :param warehouse_conn_id: connection of the warehouse.
    :param registry_conn_id: connection of the registry database.
    :param aws_conn_id: connection of the S3 endpoint with the model artifacts.
    """

    template_fields: Sequence[str] = ("dataset", "role", "batch_date")
    ui_color = "#eef8e8"

    def __init__(self, *, dataset: str, role: str = "champion", batch_date: str = "{{ ds }}",
                 chunk_size: int = 100_000, part: tuple[int, int] | None = None,
                 warehouse_conn_id: str = "warehouse_default", registry_conn_id: str = "registry_default",
                 aws_conn_id: str = "aws_default", **kwargs) -> None:
        kwargs.setdefault("pool", WAREHOUSE_POOL)
        super().__init__(**kwargs)
        self.dataset = dataset
        self.role = role
        self.batch_date = batch_date
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
        model = registry.load(self.role)
        if model is None:
            raise AirflowSkipException(
                f"No model has the alias {self.role!r} in the registry yet: nothing to score. "
                "Run the Innovation Pipeline to train and promote one."
            )
        report = score_batch(WarehouseHook(self.warehouse_conn_id).get_location(), load_dataset(self.dataset),
                             self.batch_date, model, role=self.role, chunk_size=self.chunk_size, part=self.part)
        return report.to_dict()
