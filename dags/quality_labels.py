"""Quality labels: an analyst marks a batch's SPC points ``known_bad`` or ``false_positive``."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

from dataops.datasets import list_datasets
from dataops_airflow.notifiers import OpsFailureNotifier

DATASETS = list_datasets()  # the dataset YAML files (repository configuration, read at parse time)

DOC = """
### Quality labels

Manual DAG (trigger it with the form) for analysts answering a quality alert.

| verdict | effect |
|---|---|
| `known_bad` | the batch's points stay **out of every future baseline** (a real incident) |
| `false_positive` | the points go **back into the baseline** (the alert was harmless) and the batch is re-judged at once |

The label is attributed to the **authenticated user who triggered the run** (the UI, REST API or CLI
user recorded on the DAG run); the form does not ask for a name and a `user` in the conf is ignored.

What it does: updates `quality.metric_history.status` of the batch's metrics (all of them, or the
comma-separated `metrics`), writes who / when / why to `quality.label_audit`, and for a false positive
re-evaluates the batch from its recorded values with the same core function as the gate
(`dataops.quality.gate.reevaluate_batch`) and records the result. Critical findings on points labelled
`false_positive` no longer block: **clear the `quality.spc_gate` task** of that day's Value Pipeline run to
let scoring continue. A rerun of the gate never overwrites an analyst's label.
"""


@dag(
    dag_id="quality_labels",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data-quality", "retries": 1, "retry_delay": timedelta(seconds=30),
                  "on_failure_callback": OpsFailureNotifier()},
    doc_md=DOC,
    tags=["quality", "labels", "manual"],
    params={
        "dataset": Param(DATASETS[0] if DATASETS else None, type="string", enum=DATASETS, title="Dataset"),
        "batch_date": Param(type="string", format="date", title="Batch date",
                            description="The batch the alert was about (YYYY-MM-DD)."),
        "verdict": Param("false_positive", type="string", enum=["known_bad", "false_positive"], title="Verdict"),
        "metrics": Param("", type="string", title="Metrics (optional)",
                         description="Comma-separated metric names; empty = every metric of the batch."),
        "comment": Param(type="string", minLength=3, title="Comment", description="Why (kept in the audit)."),
    },
)
def quality_labels():
    @task(pool="warehouse", doc_md="Sets the label, audits it and (false positive) re-judges the batch.")
    def apply_label(params=None, dag_run=None, ti=None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from dataops.quality.labels import apply_label as apply
        from dataops_airflow.hooks import WarehouseHook

        # Who labelled is the authenticated user who triggered the run (UI, API or CLI), never the form or
        # the conf: a "user" key in the conf is ignored, anyone could type any name there.
        user = getattr(dag_run, "triggering_user_name", None)
        if not user:
            raise AirflowFailException("this run has no authenticated triggering user: trigger quality_labels "
                                       "from the UI, the REST API or `airflow dags trigger` so the label is "
                                       "attributed")
        metrics = [m.strip() for m in (params.get("metrics") or "").split(",") if m.strip()]
        return apply(WarehouseHook().get_location(), params["dataset"], params["batch_date"], params["verdict"],
                     comment=params["comment"], labelled_by=str(user), metrics=metrics or None,
                     run_id=ti.run_id if ti is not None else None)

    apply_label()


quality_labels()
