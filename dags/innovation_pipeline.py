"""Innovation Pipeline: retrain a challenger, evaluate it against the champion, promote only if better."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task, task_group

from dataops_airflow.assets import champion_asset, score_drift_asset
from dataops_airflow.notifiers import OpsFailureNotifier
from dataops_airflow.operators.training import train_command, training_operator

DATASET = "transactions"
CHAMPION = champion_asset(DATASET)
SCORE_DRIFT = score_drift_asset(DATASET)
PLAN = "build_training_set.plan_training"

DOC = f"""
### Innovation Pipeline — `{DATASET}`

Model development as a pipeline. **Runs** every Monday 04:00 UTC, and also as soon as the Value Pipeline
reports drift in the score distribution (it emits the `{SCORE_DRIFT.uri}` Asset only on a drift day).

| group | what it does |
|---|---|
| `review_shadow` | if a challenger has been scoring in shadow for `shadow_days` and the labels of those batches have matured, judges it against the champion on exactly those batches and promotes it or records the rejection |
| `build_training_set` | picks the cutoff (the run's data interval end), the train / validation / holdout windows and the batch dates the quality gate marked `out_of_control` or `known_bad` (left out unless `keep_excluded`) |
| `train` | `python -m dataops train ...` — LightGBM on labels matured by the cutoff; in-process here, in the project's image through `DockerOperator` in production (`DATAOPS_TRAINING_RUNNER=docker`) |
| `evaluate` | champion and challenger scored on the same out-of-time holdout; paired bootstrap CI of the gain; report (metrics, slices, PR curve, calibration) next to the challenger's artifacts — see the task's log for its URL |
| `promote` | moves `champion` (or `shadow`, when `shadow_days` > 0) in one transaction, or records the rejection with its reasons; emits `{CHAMPION.uri}` on promotion |

Every decision, promote or reject, is recorded in the registry (`python -m dataops registry decisions`).
A bad promotion is undone in one step with the `model_rollback` DAG or `python -m dataops registry rollback`.
"""

DEFAULT_ARGS = {"owner": "ml-platform", "retries": 1, "retry_delay": timedelta(minutes=2),
                "execution_timeout": timedelta(hours=2), "on_failure_callback": OpsFailureNotifier()}


@dag(
    dag_id="innovation_pipeline",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 4 * * 1", timezone="UTC"), assets=SCORE_DRIFT),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=DOC,
    tags=["innovation-pipeline", "model-development", DATASET],
    params={
        "cutoff": Param(None, type=["null", "string"], format="date",
                        description="knowledge date; default: the run's data interval end"),
        "train_days": Param(28, type="integer", minimum=7),
        "valid_days": Param(7, type="integer", minimum=1),
        "holdout_days": Param(7, type="integer", minimum=1),
        "keep_excluded": Param(False, type="boolean", description="train on out-of-control batches too"),
        "lgbm_params": Param({}, type="object", description="LightGBM parameter overrides"),
        "shadow_days": Param(0, type="integer", minimum=0,
                             description="score live batches in shadow for N days before the final decision"),
    },
)
def innovation_pipeline():
    @task_group(group_id="review_shadow")
    def review_shadow():
        @task(doc_md="Final decision on a shadow challenger once its shadow batches' labels have matured.")
        def review_shadow_challenger(params=None, data_interval_end=None) -> dict:
            from dataops.datasets import load_dataset
            from dataops.evaluation.shadow import review_shadow as review
            from dataops_airflow.hooks import RegistryHook, WarehouseHook

            outcome = review(RegistryHook(model_name=DATASET).get_conn(), WarehouseHook().get_location().engine(),
                             load_dataset(DATASET), shadow_days=max(params["shadow_days"], 1),
                             today=data_interval_end.date(), actor="innovation_pipeline")
            print(f"shadow review: {outcome}")
            return outcome

        return review_shadow_challenger()

    @task_group(group_id="build_training_set")
    def build_training_set():
        @task(doc_md="Cutoff, windows and the quality gate's excluded batch dates (small JSON for XCom).")
        def plan_training(params=None, data_interval_end=None) -> dict:
            from dataops.training.plan import plan_training_run
            from dataops_airflow.hooks import WarehouseHook

            cutoff = params.get("cutoff") or data_interval_end.date().isoformat()
            return plan_training_run(WarehouseHook().get_location(), DATASET, cutoff=cutoff,
                                     keep_excluded=params["keep_excluded"])

        return plan_training()

    @task_group(group_id="train")
    def train():
        return training_operator(
            "train_challenger",
            command=train_command(
                DATASET,
                cutoff=f"{{{{ ti.xcom_pull(task_ids='{PLAN}')['cutoff'] }}}}",
                train_days="{{ params.train_days }}",
                valid_days="{{ params.valid_days }}",
                holdout_days="{{ params.holdout_days }}",
                excluded=f"{{{{ ti.xcom_pull(task_ids='{PLAN}')['excluded'] | tojson }}}}",
                params_json="{{ params.lgbm_params | tojson }}",
            ),
            doc_md="Trains and registers the challenger (same CLI command in-process or in the project's image).",
        )

    @task_group(group_id="evaluate")
    def evaluate():
        @task(doc_md="Champion vs challenger on the same holdout; writes the report; records the decision.")
        def evaluate_challenger(ti=None) -> dict:
            from dataops.evaluation import decide
            from dataops_airflow.hooks import RegistryHook, WarehouseHook

            version = ti.xcom_pull(task_ids="train.train_challenger")["version"]
            registry = RegistryHook(model_name=DATASET).get_conn()
            decision = decide(registry, version, warehouse=WarehouseHook().get_location().engine(),
                              actor="innovation_pipeline")
            print(f"Evaluation report: {decision.report_uri}")
            return {"version": version, "promote": decision.promote, "reasons": decision.reasons,
                    "report_uri": decision.report_uri, "decision_id": decision.decision_id,
                    "champion_version": decision.champion_version}

        return evaluate_challenger()

    @task_group(group_id="promote")
    def promote(result):
        @task(outlets=[CHAMPION], doc_md="Moves the alias (one transaction) or skips with the rejection reasons.")
        def promote_or_reject(result: dict, params=None) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from dataops.registry import ANY
            from dataops_airflow.hooks import RegistryHook

            if not result["promote"]:
                raise AirflowSkipException(f"challenger {result['version']} rejected: " + "; ".join(result["reasons"]))
            registry = RegistryHook(model_name=DATASET).get_conn()
            alias = "shadow" if params["shadow_days"] else "champion"
            # champion: compare-and-set against the champion the decision was made against; shadow: any
            expected = result["champion_version"] if alias == "champion" else ANY
            move = registry.promote(result["version"], actor="innovation_pipeline", alias=alias,
                                    reason=f"decision {result['decision_id']}: {result['reasons'][0]}",
                                    expected_version=expected)
            return {"alias": alias, "version": result["version"], "from": move.from_version}

        return promote_or_reject(result)

    plan = build_training_set()
    review_shadow() >> plan
    trained = train()
    plan >> trained
    evaluated = evaluate()
    trained >> evaluated
    promote(evaluated)


innovation_pipeline()
