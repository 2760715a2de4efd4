"""Model rollback: move the champion back to its previous version, in one step, with a reason."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

from dataops.datasets import list_datasets, load_dataset
from dataops_airflow.notifiers import OpsFailureNotifier

# one registered model per dataset YAML (repository configuration, read at parse time)
MODELS = sorted({load_dataset(name).model_name for name in list_datasets()})

DOC = """
### Roll the champion back

Trigger with the form (**Trigger DAG w/ config**): pick the model, write why. The `champion` alias moves
back to the version it pointed at before its last move — or, after a canary or blue/green release, switches
back to the previous champion still warm as `standby` — in one transaction, and the move is appended to the
alias history with your reason — `python -m dataops registry history` shows every move.
The Value Pipeline's next run scores with the restored version.

Same thing from a shell: `python -m dataops registry rollback --reason "..."`.
"""


@dag(
    dag_id="model_rollback",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    doc_md=DOC,
    tags=["innovation-pipeline", "operations"],
    default_args={"owner": "ml-platform", "retries": 1, "retry_delay": timedelta(seconds=30),
                  "on_failure_callback": OpsFailureNotifier()},
    params={
        "model": Param(MODELS[0] if MODELS else None, type="string", enum=MODELS, description="registered model"),
        "reason": Param("", type="string", minLength=5, description="why (recorded in the alias history)"),
    },
)
def model_rollback():
    @task(doc_md="Moves `champion` one step back and returns the move.")
    def rollback_champion(params=None, dag_run=None) -> dict:
        from dataops.release.rollback import rollback_champion
        from dataops_airflow.hooks import RegistryHook

        registry = RegistryHook(model_name=params["model"]).get_conn()
        actor = getattr(dag_run, "triggering_user_name", None) or "model_rollback"
        move = rollback_champion(registry, reason=params["reason"], actor=actor)
        print(f"champion of {params['model']}: {move.from_version} -> {move.to_version}")
        return {"from": move.from_version, "to": move.to_version}

    rollback_champion()


model_rollback()
