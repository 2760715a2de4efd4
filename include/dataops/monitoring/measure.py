"""The model-monitoring metrics of a scored batch, for the quality gate's ``post_score`` stage.

- ``feature_psi.<feature>`` (kind ``feature_psi``): the PSI of each feature against the training reference of
  the model version that scored the batch as champion; judged with SPC like every metric (no value, hence
  ``learning``, when that version was trained without a reference);
- kind ``invalid_features`` / ``invalid_scores``: non-finite or out-of-range values, judged by fixed limits;
- kind ``model_age_days``: days from the champion's training cutoff to the batch, judged by fixed limits;
- kind ``training_serving_skew``: the sample of scored rows rebuilt through the training-set path, differences
  counted (:mod:`dataops.monitoring.skew`), judged by fixed limits.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from dataops.monitoring.drift import feature_drift
from dataops.monitoring.limits import limit_evaluation
from dataops.monitoring.reference import load_reference
from dataops.monitoring.stability import Stability, feature_stability, score_stability
from dataops.quality.config import MODEL_KINDS, MetricSpec
from dataops.quality.metrics import MetricValue

DRIFT_KIND = "feature_psi"
KINDS = MODEL_KINDS  # the quality configuration's kinds measured after scoring


def scoring_version(warehouse: Any, dataset: str, batch_date: str, role: str = "champion") -> str | None:
    """The model version that scored most of the batch's rows as ``role`` (None when nothing was scored)."""
    from dataops.scoring.batch import PREDICTIONS

    if not warehouse.table_exists(PREDICTIONS):
        return None
    rows = warehouse.fetchall(f"SELECT model_version, count(*) FROM {PREDICTIONS} WHERE dataset = ? "
                              "AND batch_date = CAST(? AS DATE) AND role = ? GROUP BY model_version",
                              [dataset, batch_date, role])
    counts = Counter({v: int(n) for v, n in rows if v is not None})
    return counts.most_common(1)[0][0] if counts else None


SCORE_LEVEL_KINDS = ("score_mean", "score_flag_rate")


def champion_days(warehouse: Any, dataset: str, before: str) -> dict[date, str]:
    """Batch date -> the champion version whose rows decided it, for the batches before ``before``."""
    from dataops.scoring.batch import PREDICTIONS

    if not warehouse.table_exists(PREDICTIONS):
        return {}
    rows = warehouse.fetchall(f"SELECT batch_date, model_version FROM {PREDICTIONS} WHERE dataset = ? "
                              "AND role = 'champion' AND batch_date < CAST(? AS DATE) GROUP BY batch_date, model_version",
                              [dataset, before])
    return {d if isinstance(d, date) else date.fromisoformat(str(d)): str(v) for d, v in rows}


def same_model_history(warehouse: Any, dataset: str, specs: list[MetricSpec], history: dict[str, list[Any]],
                       batch_date: str, version: str | None) -> dict[str, list[Any]]:
    """The score metrics' history restricted to the batches ``version`` scored as champion (other metrics keep
    their whole history)."""
    names = {s.name for s in specs if s.kind in SCORE_LEVEL_KINDS}
    if not names or version is None:
        return history
    days = champion_days(warehouse, dataset, batch_date)
    return {m: [p for p in pts if days.get(p.batch_date) == version] if m in names else pts
            for m, pts in history.items()}


def score_baseline(warehouse: Any, dataset: str, specs: list[MetricSpec], history: dict[str, list[Any]],
                   batch_date: str) -> tuple[list[MetricSpec], dict[str, list[Any]]]:
    """The post-score gate's specs and history for the champion that scored ``batch_date``.

    A model's score level is its own: once a champion has scored enough batches (the metric's
    ``min_baseline_points``) its score metrics are judged against those only (SPC practice: a deliberate change of
    the process starts a new baseline). Until then it inherits its predecessors' limits, judged like a released
    model (:func:`dataops.release.judge.release_rules`): the point rule, on the side that hurts at once (more
    alerts than the champions before it ever raised). A lower level is not a fault of a new model.
    """
    from dataclasses import replace

    from dataops.release.judge import release_rules
    from dataops.spc.evaluate import as_config

    own = same_model_history(warehouse, dataset, specs, history, batch_date,
                             scoring_version(warehouse, dataset, batch_date))
    out_specs, out_history = [], dict(history)
    for spec in specs:
        if spec.kind in SCORE_LEVEL_KINDS:
            inherited = release_rules(spec.spc, "above")
            if len(own[spec.name]) >= as_config(spec.spc).min_baseline_points:
                out_history[spec.name] = own[spec.name]
            elif len(own[spec.name]) < len(history[spec.name]) and inherited is not None:  # a new champion
                spec = replace(spec, spc=inherited)
        out_specs.append(spec)
    return out_specs, out_history


def drift_values(warehouse: Any, specs: list[MetricSpec], ds_cfg: Any, batch_date: str,
                 reference: dict | None) -> tuple[list[MetricValue], list[str]]:
    """``feature_psi.<feature>`` values (None without a reference) and a note naming the worst features."""
    wanted = [m for m in specs if m.kind == DRIFT_KIND]
    if not wanted:
        return [], []
    if reference is None:
        return [MetricValue(m.name, None) for m in wanted], [
            "feature drift not measured: the scoring model has no training reference (reference.json)"]
    drift = feature_drift(warehouse, ds_cfg.feature_table, batch_date, reference,
                          [m.column for m in wanted if m.column])
    values = [MetricValue(m.name, drift[m.column].psi if m.column in drift else None) for m in wanted]
    worst = sorted(drift.values(), key=lambda d: -d.psi)[:3]
    return values, [f"features that moved most: {'; '.join(d.describe() for d in worst)}"] if worst else []


def _stability_evaluation(m: MetricSpec, batch_date: str, st: Stability, what: str) -> dict[str, Any]:
    description = f"{st.total} invalid {what} value(s) in {st.rows} rows: {st.describe()}" if st.total else ""
    return limit_evaluation(m.name, batch_date, float(st.total), warning=m.limits[0], critical=m.limits[1],
                            description=description, n=st.rows)


def _age_evaluation(m: MetricSpec, batch_date: str, reference: dict | None, version: str | None) -> dict | None:
    cutoff = (reference or {}).get("training_cutoff")
    if not cutoff:
        return None
    age = (date.fromisoformat(batch_date) - date.fromisoformat(cutoff)).days
    return limit_evaluation(m.name, batch_date, float(age), warning=m.limits[0], critical=m.limits[1],
                            description=f"the champion {version} was trained with data up to {cutoff}: {age} "
                                        "days old; retrain it (the Innovation Pipeline) or look at why none "
                                        "was promoted")


def _skew_evaluation(m: MetricSpec, batch_date: str, warehouse: Any, ds_cfg: Any) -> dict[str, Any] | None:
    from dataops.monitoring.skew import compare_sample

    skew = compare_sample(warehouse, ds_cfg, batch_date)
    if skew is None:
        return None  # nothing sampled (an old scoring run, a partitioned scoring)
    return limit_evaluation(m.name, batch_date, float(skew.total), warning=m.limits[0], critical=m.limits[1],
                            n=skew.rows, description=f"{skew.total} feature value(s) of {skew.rows} sampled rows "
                                                     f"differ between scoring and the training-set path: "
                                                     f"{skew.describe()}")


def limit_evaluations(warehouse: Any, specs: list[MetricSpec], ds_cfg: Any, batch_date: str,
                      reference: dict | None, version: str | None) -> list[dict[str, Any]]:
    """The fixed-limit evaluations of the configured ``invalid_*`` and ``model_age_days`` metrics."""
    out = []
    for m in specs:
        if m.kind == "invalid_features":
            st = feature_stability(warehouse, ds_cfg.feature_table, batch_date, ds_cfg.features)
            out.append(_stability_evaluation(m, batch_date, st, "feature"))
        elif m.kind == "invalid_scores":
            out.append(_stability_evaluation(m, batch_date, score_stability(warehouse, ds_cfg.name, batch_date),
                                             "score"))
        elif m.kind == "training_serving_skew":
            ev = _skew_evaluation(m, batch_date, warehouse, ds_cfg)
            if ev is not None:
                out.append(ev)
        elif m.kind == "model_age_days":
            ev = _age_evaluation(m, batch_date, reference, version)
            if ev is not None:
                out.append(ev)
    return out


def measure_model(warehouse: Any, specs: list[MetricSpec], ds_cfg: Any, batch_date: str
                  ) -> tuple[list[MetricValue], list[dict[str, Any]], list[str]]:
    """Every monitoring metric of the batch: SPC values, fixed-limit evaluations and notes for the alert.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param specs: the ``post_score`` metric specs (others are ignored).
    :param ds_cfg: the dataset configuration.
    :param batch_date: ``YYYY-MM-DD``.
    """
    ours = [m for m in specs if m.kind in KINDS]
    if not ours:
        return [], [], []
    version = scoring_version(warehouse, ds_cfg.name, batch_date)
    reference = load_reference(warehouse, ds_cfg.name, version) if version else None
    values, notes = drift_values(warehouse, ours, ds_cfg, batch_date, reference)
    return values, limit_evaluations(warehouse, ours, ds_cfg, batch_date, reference, version), notes
