"""Innovation Pipeline: retrain a challenger, evaluate it against the champion, promote only if better.

One DAG per dataset YAML (``innovation_pipeline_<dataset>``); the registered model is the dataset's
``model_name``. The dataset files are read at parse time (repository configuration, no service).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from dataops.datasets import DatasetConfig, list_datasets, load_dataset
from dataops.release.config import STRATEGIES, ReleaseConfig
from dataops.settings import approval_timeout, retry_delay
from dataops_airflow.assets import champion_asset, outcome_drift_asset, score_drift_asset
from dataops_airflow.notifiers import OpsFailureNotifier
from dataops_airflow.operators.approval import PromotionApprovalOperator
from dataops_airflow.operators.training import RUN_KEY, training_operator
from dataops_airflow.settings import WAREHOUSE_POOL

DOC = """
### Innovation Pipeline — `{dataset}` (model `{model}`)

Model development as a pipeline. **Runs** every Monday 04:00 UTC, and also as soon as the Value Pipeline
reports drift in the score distribution (the `{score_drift}` Asset, only on a drift day) or a drop of the
champion's outcome on a scoring day whose labels matured (the `{outcome_drift}` Asset: concept drift seen in
the outcomes themselves).

| task | what it does |
|---|---|
| `review_shadow_challenger` | if a challenger has been scoring in shadow for the `shadow_days` recorded when its shadow started and the labels of those batches have matured, judges it against the champion on exactly those batches (one decision per shadow period), promotes it or records the rejection, and removes `shadow`; emits `{champion}` only when it promoted (skipped otherwise) |
| `plan_training` | picks the cutoff (the `cutoff` param, else `DATAOPS_INNOVATION_CUTOFF`, else the run's data interval end), the train / validation / holdout windows and the batch dates the quality gate marked `out_of_control` or `known_bad` (left out unless `keep_excluded`) |
| `train_challenger` | LightGBM on labels matured by the cutoff, registered under this run's key (a retry reuses it); in-process here, `python -m dataops train` in the project's image through `DockerOperator` in production (`DATAOPS_TRAINING_RUNNER=docker`) |
| `evaluate_challenger` | champion and challenger scored on the same out-of-time holdout; paired bootstrap CI of the gain; report (metrics, slices, PR curve, calibration) next to the challenger's artifacts, one per decision — its "Evaluation report" extra link opens it |
| `needs_approval` | when the dataset requires a human approval (`promotion.require_approval` in its YAML, `DATAOPS_REQUIRE_APPROVAL` for a whole deployment, or the run's `require_approval` param) and the rule says promote: on to `approve_promotion`; otherwise straight to `promote_or_reject` |
| `approve_promotion` | **Required Action**: the evaluation summary (gain, its confidence interval, every check incl. slices, the report link); `Approve` promotes, `Reject` records the rejection with the approver's login; no answer within `DATAOPS_APPROVAL_TIMEOUT` (default 72 h) rejects |
| `promote_or_reject` | starts the release the dataset's `promotion.release.strategy` names (or the run's `release_strategy`): `direct` moves `champion`, `shadow` scores beside it for `shadow_days`, `canary` decides a growing share of the transactions, `blue_green` scores one batch in the green slot before one switch; or records the rejection with its reasons; emits `{champion}` |

Every decision, promote or reject, is recorded in the registry (`python -m dataops registry decisions`).
A bad promotion is undone in one step with the `model_rollback` DAG or `python -m dataops registry rollback`;
a canary or a new champion under watch is rolled back automatically by the Value Pipeline's `release_step`.
"""

DEFAULT_ARGS = {"owner": "ml-platform", "retries": 1, "retry_delay": retry_delay(timedelta(minutes=2)),
                "execution_timeout": timedelta(hours=2), "on_failure_callback": OpsFailureNotifier()}


def _params() -> dict:
    return {
        "cutoff": Param(None, type=["null", "string"], format="date",
                        description="knowledge date; default: the run's data interval end"),
        "train_days": Param(28, type="integer", minimum=7),
        "valid_days": Param(7, type="integer", minimum=1),
        "holdout_days": Param(7, type="integer", minimum=1),
        "keep_excluded": Param(False, type="boolean", description="train on out-of-control batches too"),
        "lgbm_params": Param({}, type="object", description="LightGBM parameter overrides"),
        "release_strategy": Param(None, type=["null", "string"], enum=[None, *STRATEGIES],
                                  description="how a winning challenger reaches production (empty: the dataset's "
                                              "promotion.release.strategy)"),
        "shadow_days": Param(0, type="integer", minimum=0,
                             description="score live batches in shadow for N days before the final decision "
                                         "(> 0 with no strategy given: shadow)"),
        "require_approval": Param(None, type=["null", "boolean"],
                                  description="ask a human to approve a promotion (empty: the dataset's setting)"),
    }


def release_config(cfg: DatasetConfig, params) -> ReleaseConfig:
    """The dataset's release configuration with the run's overrides (``shadow_days`` > 0 alone means shadow)."""
    strategy = params.get("release_strategy") or ("shadow" if params.get("shadow_days") else None)
    return cfg.release.overridden(strategy=strategy, shadow_days=params.get("shadow_days") or None)


def release_day(params) -> date:
    """The first batch date of a release: the day the alias moves (after an approval, maybe days after the
    run began), or the knowledge date a replayed run is pinned to (the ``cutoff`` param,
    ``DATAOPS_INNOVATION_CUTOFF``)."""
    from dataops import settings

    pinned = params.get("cutoff") or settings.get("DATAOPS_INNOVATION_CUTOFF")
    return date.fromisoformat(pinned) if pinned else datetime.now(UTC).date()


def _approval(model: str) -> PromotionApprovalOperator:
    """The ``approve_promotion`` Required Action (its subject and body: the evaluation task's summary)."""
    return PromotionApprovalOperator(
        task_id="approve_promotion", model=model, evaluation_task_id="evaluate_challenger",
        response_timeout=timedelta(seconds=approval_timeout()),
        doc_md="A human approves the promotion the rule proposed (or rejects it; the timeout rejects).")



def _promotion(cfg: DatasetConfig, champion, evaluation) -> None:
    """``needs_approval`` -> (``approve_promotion``) -> ``promote_or_reject`` after the evaluation."""
    model = cfg.model_name

    # short circuit of the approval only: promote_or_reject still runs when the approval is skipped
    @task.short_circuit(ignore_downstream_trigger_rules=False,
                        doc_md="Approval needed (dataset setting, deployment override or run param) and the rule "
                               "says promote: on to `approve_promotion`; otherwise it is skipped.")
    def needs_approval(result: dict, params=None) -> bool:
        from dataops.settings import require_approval

        asked = params.get("require_approval")
        required = require_approval(cfg.require_approval) if asked is None else bool(asked)
        return bool(required and result["promote"])

    @task(outlets=[champion], trigger_rule="none_failed_min_one_success",
          doc_md="Moves the alias (one transaction; the approver's login when approved) or skips with the "
                 "rejection reasons.")
    def promote_or_reject(result: dict, run_key: str, params=None) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from dataops.release.start import ReleaseInProgress, start_release
        from dataops_airflow.hooks import RegistryHook

        if not result["promote"]:
            raise AirflowSkipException(f"challenger {result['version']} rejected: " + "; ".join(result["reasons"]))
        registry = RegistryHook(model_name=model).get_conn()
        actor, reason = "innovation_pipeline", f"decision {result['decision_id']}: {result['reasons'][0]}"
        review = registry.decision_for_run(f"{run_key}/review")  # recorded by approve_promotion, if asked
        if review is not None:  # the approver moves the alias
            if not review["promote"]:
                raise AirflowSkipException(f"challenger {result['version']}: {review['reasons'][0]}")
            actor = review["actor"]
            reason = f"{reason}; approved by {actor} (decision {review['decision_id']})"
        config = release_config(cfg, params)
        # compare-and-set against the champion the decision was made against; the release's configuration and
        # first batch date are recorded with the move (the Value Pipeline's score plan reads them back)
        try:
            moves = start_release(registry, result["version"], config, actor=actor, reason=reason,
                                  expected_champion=result["champion_version"], started_on=release_day(params))
        except ReleaseInProgress as busy:
            raise AirflowSkipException(f"challenger {result['version']} won, not released: {busy}") from busy
        for move in moves:
            print(f"{move.alias} of {model}: {move.from_version} -> {move.to_version} ({move.reason})")
        return {"strategy": config.strategy, "version": result["version"],
                "moves": [[m.alias, m.from_version, m.to_version] for m in moves]}

    approve = _approval(model)
    promote = promote_or_reject(evaluation, run_key=RUN_KEY)
    needs_approval(evaluation) >> approve >> promote


def build_innovation_pipeline(cfg: DatasetConfig):
    dataset, model = cfg.name, cfg.model_name
    champion, score_drift = champion_asset(dataset), score_drift_asset(dataset)
    outcome_drift = outcome_drift_asset(dataset)
    doc = DOC.format(dataset=dataset, model=model, champion=champion.uri, score_drift=score_drift.uri,
                     outcome_drift=outcome_drift.uri)

    @dag(
        dag_id=f"innovation_pipeline_{dataset}",
        schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 4 * * 1", timezone="UTC"),
                                     assets=score_drift | outcome_drift),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        doc_md=doc,
        tags=["innovation-pipeline", "model-development", dataset],
        params=_params(),
    )
    def innovation_pipeline():
        @task(outlets=[champion], pool=WAREHOUSE_POOL,
              doc_md="Final decision on a shadow challenger once its shadow batches' labels have matured; emits "
                     "the champion Asset only when it promoted.")
        def review_shadow_challenger(data_interval_end=None) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from dataops.datasets import load_dataset
            from dataops.evaluation.shadow import review_shadow
            from dataops_airflow.hooks import RegistryHook, WarehouseHook

            outcome = review_shadow(RegistryHook(model_name=model).get_conn(), WarehouseHook().get_location().engine(),
                                    load_dataset(dataset), today=data_interval_end.date(), actor="innovation_pipeline")
            if not outcome.get("promoted"):
                raise AirflowSkipException(f"no shadow challenger promoted: {outcome}")
            print(f"shadow review: {outcome}")
            return outcome

        @task(trigger_rule="none_failed", pool=WAREHOUSE_POOL,
              doc_md="Cutoff, windows, LightGBM overrides and the quality gate's excluded batch dates (small JSON).")
        def plan_training(params=None, data_interval_end=None) -> dict:
            from dataops import settings
            from dataops.training.plan import plan_training_run
            from dataops_airflow.hooks import WarehouseHook

            cutoff = (params.get("cutoff") or settings.get("DATAOPS_INNOVATION_CUTOFF")
                      or data_interval_end.date().isoformat())
            plan = plan_training_run(WarehouseHook().get_location(), dataset, cutoff=cutoff,
                                     keep_excluded=params["keep_excluded"])
            return {**plan, "train_days": params["train_days"], "valid_days": params["valid_days"],
                    "holdout_days": params["holdout_days"], "lgbm_params": params["lgbm_params"]}

        @task(pool=WAREHOUSE_POOL,
              doc_md="Champion vs challenger on the same holdout; writes the report; records the decision (once per "
                     "run).")
        def evaluate_challenger(trained: dict, run_key: str, ti=None) -> dict:
            from dataops.evaluation import decide
            from dataops.weblinks import evaluation_report_url
            from dataops_airflow.hooks import RegistryHook, WarehouseHook
            from dataops_airflow.ui.links import EVALUATION_REPORT_XCOM_KEY

            version = trained["version"]
            registry = RegistryHook(model_name=model).get_conn()
            decision = decide(registry, version, warehouse=WarehouseHook().get_location().engine(),
                              actor="innovation_pipeline", run_key=run_key)
            url = evaluation_report_url(model, version, decision.decision_id)
            ti.xcom_push(key=EVALUATION_REPORT_XCOM_KEY, value=url)  # the task's "Evaluation report" link
            print(f"Evaluation report: {url} (stored at {decision.report_uri})")
            return {"model": model, "version": version, "promote": decision.promote, "reasons": decision.reasons,
                    "report_uri": decision.report_uri, "decision_id": decision.decision_id,
                    "champion_version": decision.champion_version, "metric": decision.metric,
                    "delta": decision.delta, "ci_low": decision.ci_low, "ci_high": decision.ci_high,
                    "report_url": url}

        plan = plan_training()
        review_shadow_challenger() >> plan
        trained = training_operator(
            "train_challenger", dataset=dataset, request=plan, pool=WAREHOUSE_POOL,
            doc_md="Trains and registers the challenger under this run's key (in-process or in the project's image).",
        )
        evaluation = evaluate_challenger(trained.output, run_key=RUN_KEY)  # the key is rendered per run
        _promotion(cfg, champion, evaluation)

    return innovation_pipeline()


for _name in list_datasets():
    build_innovation_pipeline(load_dataset(_name))
