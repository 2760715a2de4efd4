"""The training step: ``dataops.training.train_and_register``, in-process or in the project's image.

On the embedded stack training runs in the worker's own process (the library function, with the Airflow
connections). In the production stack (``DATAOPS_TRAINING_RUNNER=docker``) the Docker provider's
``DockerOperator`` runs ``python -m dataops train`` (which calls the same function) in the project's image
(``DATAOPS_DOCKER_IMAGE``), with the connection settings forwarded as environment. Both register the version
under the DAG run's key, and the task's result is read back from the registry by that key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator

from dataops import settings

#: The run key of the task's DAG run (templated): what makes training and decisions idempotent per run.
RUN_KEY = "{{ dag.dag_id }}/{{ run_id }}"


def train_command(dataset: str, request: Mapping[str, Any], *, run_key: str,
                  actor: str = "innovation_pipeline") -> list[str]:
    """The CLI invocation the container runs, from the training request.

    :param dataset: dataset name.
    :param request: ``cutoff``, ``excluded`` (batch dates), ``train_days``, ``valid_days``, ``holdout_days``
        and ``lgbm_params`` (the plan task's output).
    :param run_key: the run (``dag_id/run_id``) the version is registered under.
    """
    return ["python", "-m", "dataops", "train", "--dataset", dataset, "--cutoff", str(request["cutoff"]),
            "--train-days", str(request["train_days"]), "--valid-days", str(request["valid_days"]),
            "--holdout-days", str(request["holdout_days"]), "--exclude-json", json.dumps(list(request["excluded"])),
            "--params-json", json.dumps(dict(request.get("lgbm_params") or {})), "--actor", actor,
            "--run-key", run_key]


def registered_training(run_key: str, model_name: str) -> dict:
    """The structured result of a training step, whichever runner ran it: the summary of the version the
    run registered, read from the registry (``registry_default`` / ``aws_default`` connections)."""
    from airflow.sdk.exceptions import AirflowException

    from dataops.training.pipeline import training_result
    from dataops_airflow.hooks import RegistryHook

    result = training_result(RegistryHook(model_name=model_name).get_conn(), run_key)
    if result is None:
        raise AirflowException(f"the training step of {run_key!r} registered no version")
    return result


class TrainInProcessOperator(BaseOperator):
    """Train and register a challenger inside the worker process (the library function the ``train`` CLI
    calls), with the warehouse and registry of the Airflow connections; push its summary to XCom.

    A retry of the same DAG run reuses the version the run already registered (keyed by ``run_key``).

    :param dataset: dataset name (also the registered model's name).
    :param request: the training request (templated; e.g. the plan task's output): ``cutoff``,
        ``excluded``, ``train_days``, ``valid_days``, ``holdout_days``, ``lgbm_params``.
    :param run_key: the DAG run (templated, default ``dag_id/run_id``).
    :param warehouse_conn_id: connection of the warehouse.
    :param registry_conn_id: connection of the registry database.
    :param aws_conn_id: connection of the artifact store.
    """

    template_fields: Sequence[str] = ("request", "run_key")

    def __init__(self, *, dataset: str, request: Any, run_key: str = RUN_KEY,
                 warehouse_conn_id: str = "warehouse_default", registry_conn_id: str = "registry_default",
                 aws_conn_id: str = "aws_default", **kwargs) -> None:
        super().__init__(**kwargs)
        self.dataset = dataset
        self.request = request
        self.run_key = run_key
        self.warehouse_conn_id = warehouse_conn_id
        self.registry_conn_id = registry_conn_id
        self.aws_conn_id = aws_conn_id

    def execute(self, context) -> dict:
        from datetime import date

        from dataops.datasets import load_dataset
        from dataops.training.pipeline import train_and_register
        from dataops_airflow.hooks import RegistryHook, WarehouseHook

        r = self.request
        registry = RegistryHook(self.registry_conn_id, self.aws_conn_id, model_name=self.dataset).get_conn()
        run = train_and_register(
            WarehouseHook(self.warehouse_conn_id).get_location().engine(), registry, load_dataset(self.dataset),
            cutoff=date.fromisoformat(str(r["cutoff"])), train_days=int(r["train_days"]),
            valid_days=int(r["valid_days"]), holdout_days=int(r["holdout_days"]),
            excluded_batch_dates=list(r["excluded"]), params=dict(r.get("lgbm_params") or {}),
            created_by="innovation_pipeline", run_key=self.run_key,
        )
        self.log.info("%s version %s for run %s", "reused" if run.reused else "registered", run.version,
                      self.run_key)
        return run.summary()


def training_operator(task_id: str, *, dataset: str, request: Any, run_key: str = RUN_KEY,
                      **kwargs) -> BaseOperator:
    """``TrainInProcessOperator`` by default; a ``DockerOperator`` running ``python -m dataops train`` in the
    project's image when ``DATAOPS_TRAINING_RUNNER=docker``. Either way the version is registered under
    ``run_key`` and :func:`registered_training` reads the result back (the container's log is not parsed).

    Reading an environment variable at parse time is cheap and does no I/O; connections are read at run time.
    """
    if settings.get("DATAOPS_TRAINING_RUNNER") != "docker":
        return TrainInProcessOperator(task_id=task_id, dataset=dataset, request=request, run_key=run_key, **kwargs)
    from dataops_airflow.operators.training_docker import TrainInDockerOperator

    return TrainInDockerOperator(task_id=task_id, dataset=dataset, request=request, run_key=run_key,
                                 environment=container_environment(), **kwargs)


def container_environment() -> dict[str, str]:
    """Environment of the training container that does not name a database, rendered from the ``aws_default``
    connection at run time (so no secret is stored in the serialized DAG; rendered values are masked in the UI).
    The warehouse and registry URLs are added at run time by :func:`service_urls`."""
    return {
        "DATAOPS_S3_ENDPOINT_URL": "{{ conn.aws_default.extra_dejson.get('endpoint_url', '') }}",
        "AWS_ACCESS_KEY_ID": "{{ conn.aws_default.login }}",
        "AWS_SECRET_ACCESS_KEY": "{{ conn.aws_default.password }}",
        "AWS_DEFAULT_REGION": "{{ conn.aws_default.extra_dejson.get('region_name', 'us-east-1') }}",
        "DATAOPS_ARTIFACT_BUCKET": settings.artifact_bucket(),
        "DATAOPS_CODE_REVISION": settings.get("DATAOPS_CODE_REVISION") or "unknown",
        # the image's entrypoint would otherwise wait for an Airflow metadata database
        "CONNECTION_CHECK_MAX_COUNT": "0",
    }


def service_urls(warehouse_conn_id: str = "warehouse_default", registry_conn_id: str = "registry_default"
                 ) -> dict[str, str]:
    """``DATAOPS_WAREHOUSE_URL`` and ``DATAOPS_REGISTRY_URL`` for a process outside Airflow, built from the
    connections by the one URL builder (user and password escaped)."""
    from dataops_airflow.hooks import RegistryHook, WarehouseHook

    return {"DATAOPS_WAREHOUSE_URL": WarehouseHook(warehouse_conn_id).get_location().sqlalchemy_url,
            "DATAOPS_REGISTRY_URL": RegistryHook(registry_conn_id).sqlalchemy_url()}
