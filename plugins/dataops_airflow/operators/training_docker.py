"""The training step in the project's image (imported only when ``DATAOPS_TRAINING_RUNNER=docker``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from airflow.providers.docker.operators.docker import DockerOperator
from docker.types import Mount

from dataops import settings
from dataops_airflow.operators.training import registered_training, service_urls, train_command


class TrainInDockerOperator(DockerOperator):
    """Run ``python -m dataops train ... --run-key <run>`` in the project's image, then return the version
    the run registered (read from the registry; the container's log is only a log).

    :param dataset: dataset name (also the registered model's name).
    :param request: the training request (templated; e.g. the plan task's output).
    :param run_key: the DAG run (templated).
    """

    template_fields: Sequence[str] = (*DockerOperator.template_fields, "request", "run_key")

    def __init__(self, *, dataset: str, request: Any, run_key: str, **kwargs) -> None:
        kwargs.setdefault("image", settings.get("DATAOPS_DOCKER_IMAGE"))
        kwargs.setdefault("network_mode", settings.get("DATAOPS_DOCKER_NETWORK"))
        kwargs.setdefault("docker_url", os.environ.get("DOCKER_HOST", "unix://var/run/docker.sock"))
        super().__init__(command=None, entrypoint=[], mounts=[Mount(target="/tmp/dataops", source=None, type="tmpfs")],
                         mount_tmp_dir=False, auto_remove="success", **kwargs)
        self.dataset = dataset
        self.request = request
        self.run_key = run_key

    def container_command(self) -> list[str]:
        """The CLI invocation for the rendered request and run key."""
        return train_command(self.dataset, self.request, run_key=self.run_key)

    # The XCom is the registered training, not DockerOperator's log line (its declared return type).
    def execute(self, context) -> dict:  # type: ignore[override]
        self.command = self.container_command()
        self.environment = {**(self.environment or {}), **service_urls()}
        super().execute(context)  # its return value (the log's last line) is not the result
        return registered_training(self.run_key, self.dataset)
