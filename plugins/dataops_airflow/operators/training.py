"""The training step: the same ``python -m dataops train`` command, in-process or in the project's image.

On the embedded stack training runs in the worker's own process. In the production stack
(``DATAOPS_TRAINING_RUNNER=docker``) the Docker provider's ``DockerOperator`` runs the identical command
in the project's image (``DATAOPS_DOCKER_IMAGE``), with the connection settings forwarded as environment.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from airflow.sdk import BaseOperator


def train_command(dataset: str, *, cutoff: str, train_days: str, valid_days: str, holdout_days: str,
                  excluded: str, params_json: str) -> list[str]:
    """The CLI invocation, shared by both runners (each element may be a Jinja template)."""
    return ["python", "-m", "dataops", "train", "--dataset", dataset, "--cutoff", cutoff,
            "--train-days", train_days, "--valid-days", valid_days, "--holdout-days", holdout_days,
            "--exclude-json", excluded, "--params-json", params_json, "--actor", "innovation_pipeline",
            "--one-line"]


class TrainInProcessOperator(BaseOperator):
    """Run ``python -m dataops train ...`` inside the worker process and push its JSON summary to XCom.

    :param command: the CLI argv (templated), as built by :func:`train_command`.
    """

    template_fields: Sequence[str] = ("command",)

    def __init__(self, *, command: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.command = command

    def execute(self, context) -> dict:
        import contextlib
        import io
        import json

        from airflow.sdk.exceptions import AirflowException

        from dataops.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(self.command[3:])  # drop "python -m dataops"
        text = out.getvalue().strip()
        self.log.info("%s", text)
        if code != 0:
            raise AirflowException(f"training failed (exit code {code}): {text[-2000:]}")
        return json.loads(text.splitlines()[-1])


def training_operator(task_id: str, *, command: list[str], **kwargs) -> BaseOperator:
    """``TrainInProcessOperator`` by default; a ``DockerOperator`` when ``DATAOPS_TRAINING_RUNNER=docker``.

    Reading an environment variable at parse time is cheap and does no I/O; connections are read at run time.
    """
    if os.environ.get("DATAOPS_TRAINING_RUNNER", "inprocess") != "docker":
        return TrainInProcessOperator(task_id=task_id, command=command, **kwargs)
    from airflow.providers.docker.operators.docker import DockerOperator
    from docker.types import Mount

    return DockerOperator(
        task_id=task_id,
        image=os.environ.get("DATAOPS_DOCKER_IMAGE", "dataops-suite:latest"),
        command=command,
        environment=container_environment(),
        entrypoint=[],
        network_mode=os.environ.get("DATAOPS_DOCKER_NETWORK", "bridge"),
        docker_url=os.environ.get("DOCKER_HOST", "unix://var/run/docker.sock"),
        mounts=[Mount(target="/tmp/dataops", source=None, type="tmpfs")],
        mount_tmp_dir=False,
        auto_remove="success",
        do_xcom_push=True,
        **kwargs,
    )


def _url(conn_id: str) -> str:
    c = f"conn.{conn_id}"
    return (f"postgresql+psycopg2://{{{{ {c}.login }}}}:{{{{ {c}.password }}}}@{{{{ {c}.host }}}}:"
            f"{{{{ {c}.port or 5432 }}}}/{{{{ {c}.schema }}}}")


def container_environment() -> dict[str, str]:
    """Environment of the training container, rendered from Airflow connections at run time (so no secret
    is stored in the serialized DAG; rendered values are masked in the UI)."""
    return {
        "DATAOPS_WAREHOUSE_URL": _url("warehouse_default"),
        "DATAOPS_REGISTRY_URL": _url("registry_default"),
        "DATAOPS_S3_ENDPOINT_URL": "{{ conn.aws_default.extra_dejson.get('endpoint_url', '') }}",
        "AWS_ACCESS_KEY_ID": "{{ conn.aws_default.login }}",
        "AWS_SECRET_ACCESS_KEY": "{{ conn.aws_default.password }}",
        "AWS_DEFAULT_REGION": "{{ conn.aws_default.extra_dejson.get('region_name', 'us-east-1') }}",
        "DATAOPS_ARTIFACT_BUCKET": os.environ.get("DATAOPS_ARTIFACT_BUCKET", "models"),
        "DATAOPS_CODE_REVISION": os.environ.get("DATAOPS_CODE_REVISION", "unknown"),
        # the image's entrypoint would otherwise wait for an Airflow metadata database
        "CONNECTION_CHECK_MAX_COUNT": "0",
    }
