"""Which quality metrics a dataset has and how each is judged: ``expectations/metrics/<dataset>.yaml``.

Every configured metric expands into one or more concrete metrics (``null_rate`` over nine columns gives
``null_rate.tx_id`` ... ``null_rate.currency``), each with its own :class:`~dataops.spc.MetricConfig`.
``DATAOPS_QUALITY_SPC_OVERRIDES`` (a JSON object, e.g. ``{"min_baseline_points": 10}``) is applied on top of
every metric's SPC settings: tests and demos with a short history use it instead of editing the YAML.
A ``category_share`` entry may give ``other_spc`` (settings of its ``<name>.other`` metric only): shifts in
the mix of known values are worth a warning, a never-seen value is critical.

A metric may name another landed ``source`` of the dataset than the file's main one (e.g. the chargeback
label feed): it is then measured on that source's raw table and ledger, and that source's file contract is
judged by the gate too (a rejected label file is as critical as a rejected transactions file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dataops import settings
from dataops.identifiers import checked_name
from dataops.spc import MetricConfig

KINDS = ("row_count", "null_rate", "duplicate_key_rate", "quarantine_rate", "log_mean", "log_std",
         "category_share", "score_mean", "score_flag_rate", "lateness_days", "feature_psi", "invalid_features",
         "invalid_scores", "model_age_days", "outcome_precision_at_k", "outcome_recall_at_fpr",
         "outcome_average_precision", "hours_since_landed", "hours_since_scored", "training_serving_skew",
         "task_seconds", "task_rows_per_second")
#: kinds judged by fixed ``limits`` (``warning`` / ``critical``), not by SPC: no baseline needed to be wrong
LIMIT_KINDS = ("invalid_features", "invalid_scores", "model_age_days", "hours_since_landed", "hours_since_scored",
               "training_serving_skew")
#: kinds about the scoring model: measured after scoring only (``stage: post_score``)
MODEL_KINDS = ("feature_psi", "invalid_features", "invalid_scores", "model_age_days", "training_serving_skew")
#: kinds measured by the data-freshness check (``stage: freshness``; dataops.monitoring.freshness)
FRESHNESS_KINDS = ("hours_since_landed", "hours_since_scored")
STAGES = ("batch", "post_score", "outcome", "freshness", "pipeline")
#: kinds measured on a scoring day whose labels have matured (``stage: outcome``; dataops.monitoring.outcomes)
OUTCOME_KINDS = ("outcome_precision_at_k", "outcome_recall_at_fpr", "outcome_average_precision")
#: kinds about the pipeline's own speed, from the run's task-instance records (``stage: pipeline``;
#: dataops.monitoring.speed)
PIPELINE_KINDS = ("task_seconds", "task_rows_per_second")
#: stages whose kinds are theirs alone
_STAGE_KINDS = {"freshness": FRESHNESS_KINDS, "outcome": OUTCOME_KINDS, "pipeline": PIPELINE_KINDS}
#: what a metric watches, by kind (the DataOps view groups its tiles so); any other kind watches the batch data
FAMILIES = {"score_mean": "scores", "score_flag_rate": "scores", "feature_psi": "feature drift",
            "training_serving_skew": "training/serving skew", "invalid_features": "numerical stability",
            "invalid_scores": "numerical stability", "model_age_days": "staleness", "hours_since_landed": "staleness",
            "hours_since_scored": "staleness", "outcome_precision_at_k": "outcome quality",
            "outcome_recall_at_fpr": "outcome quality", "outcome_average_precision": "outcome quality",
            "task_seconds": "pipeline speed", "task_rows_per_second": "pipeline speed"}
DATA_FAMILY = "batch data"
#: who a metric's alert goes to: the dataset's ``alert_recipients`` or operations (``DATAOPS_OPS_RECIPIENTS``)
AUDIENCES = ("analysts", "operations")
OTHER = "other"
_REPO = Path(__file__).resolve().parents[3]


def expectations_dir() -> Path:
    """``DATAOPS_EXPECTATIONS_DIR`` or the repository's ``expectations/`` folder."""
    return settings.path("DATAOPS_EXPECTATIONS_DIR")


@dataclass(frozen=True)
class MetricSpec:
    """One concrete metric.

    :param name: metric name as stored in ``quality.metric_history`` (e.g. ``null_rate.mcc``).
    :param kind: one of :data:`KINDS`.
    :param column: measured column (None for table-level metrics; the task id of a ``pipeline`` metric).
    :param value: category value (``category_share``; ``other`` means every unlisted value); the row count a
        ``task_rows_per_second`` metric divides.
    :param values: the listed values of the categorical column (``category_share``).
    :param stage: ``batch`` (the quality gate), ``post_score`` (after scoring), ``outcome`` (a scoring day
        whose labels matured), ``freshness`` (the data-freshness check) or ``pipeline`` (the run's own speed).
    :param spc: SPC settings.
    :param source: landed source measured (None: the configuration's main ``source``).
    :param since: start column of ``lateness_days`` (days from ``since`` to ``column``).
    :param limits: ``(warning, critical)`` of a :data:`LIMIT_KINDS` metric (the value must not exceed them).
    :param notify: who its alert goes to, one of :data:`AUDIENCES`.
    """

    name: str
    kind: str
    spc: MetricConfig
    column: str | None = None
    value: str | None = None
    values: tuple[str, ...] = ()
    stage: str = "batch"
    source: str | None = None
    since: str | None = None
    limits: tuple[float | None, float | None] = (None, None)
    notify: str = "analysts"

    @property
    def family(self) -> str:
        """What the metric watches: ``batch data``, ``scores``, ``feature drift``, ``training/serving skew``,
        ``numerical stability``, ``staleness``, ``outcome quality`` or ``pipeline speed``."""
        return FAMILIES.get(self.kind, DATA_FAMILY)

    @property
    def is_limit(self) -> bool:
        """Judged by fixed limits rather than SPC."""
        return self.kind in LIMIT_KINDS

    @property
    def is_rate(self) -> bool:
        return self.spc.is_p_chart


@dataclass(frozen=True)
class QualityConfig:
    """The quality configuration of one dataset.

    :param dataset: dataset name.
    :param source: landed source whose raw table is measured.
    :param metrics: concrete metrics, in file order.
    :param gx_suites: GX suites run on every batch.
    :param gx_checkpoint: GX checkpoint that runs them (and builds Data Docs).
    :param gx_contract: row-level contract of the generated ``<dataset>_contract`` suite (``not_null``,
        ``unique``: column lists; ``between``: column -> [min, max]; ``in_set``: column -> values).
    """

    dataset: str
    source: str
    metrics: tuple[MetricSpec, ...]
    gx_suites: tuple[str, ...] = ()
    gx_checkpoint: str | None = None
    gx_contract: dict[str, Any] = field(default_factory=dict)

    def stage(self, stage: str) -> list[MetricSpec]:
        """Metrics computed at ``stage`` (``batch`` or ``post_score``)."""
        return [m for m in self.metrics if m.stage == stage]

    def source_of(self, metric: MetricSpec) -> str:
        """The landed source a metric is measured on."""
        return metric.source or self.source

    @property
    def sources(self) -> tuple[str, ...]:
        """Every landed source the gate judges: the main one first, then those named by metrics."""
        out = [self.source]
        for m in self.metrics:
            if self.source_of(m) not in out:
                out.append(self.source_of(m))
        return tuple(out)

    def audiences(self, evaluations: list[dict]) -> dict[str, list[dict]]:
        """``evaluations`` (dicts with a ``metric``) by who is told of them; an unknown metric (the file
        contract, a GX expectation) goes to the analysts."""
        notify = {m.name: m.notify for m in self.metrics}
        out: dict[str, list[dict]] = {a: [] for a in AUDIENCES}
        for ev in evaluations:
            out[notify.get(ev["metric"], "analysts")].append(ev)
        return out

    def metric(self, name: str) -> MetricSpec:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"dataset {self.dataset!r} has no quality metric {name!r}")


def _overrides() -> dict[str, Any]:
    raw = (settings.get("DATAOPS_QUALITY_SPC_OVERRIDES") or "").strip()
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("DATAOPS_QUALITY_SPC_OVERRIDES must be a JSON object")
    return data


def _source(key: str, raw: dict, stage: str) -> str | None:
    source = raw.get("source")
    if source is not None and stage != "batch":
        raise ValueError(f"quality metric {key!r}: 'source' is only for batch-stage metrics")
    return source


@dataclass(frozen=True)
class _Entry:
    """One validated entry of the ``metrics`` mapping, before expansion into concrete metrics."""

    key: str
    raw: dict
    kind: str
    stage: str
    source: str | None
    spc_raw: dict[str, Any]
    overrides: dict
    dataset: str

    def spec(self, name: str, spc_raw: dict[str, Any] | None = None, **kw: Any) -> MetricSpec:
        spc = MetricConfig.from_dict(self.spc_raw if spc_raw is None else spc_raw, metric=name)
        notify = self.raw.get("notify", "analysts")
        if notify not in AUDIENCES:
            raise ValueError(f"quality metric {self.key!r}: notify must be one of {AUDIENCES}, got {notify!r}")
        return MetricSpec(name=name, kind=self.kind, spc=spc, stage=self.stage, source=self.source, notify=notify,
                          **kw)


def _expand(key: str, raw: dict, defaults: dict, overrides: dict, dataset: str) -> list[MetricSpec]:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"quality metric {key!r}: kind must be one of {KINDS}, got {kind!r}")
    stage = raw.get("stage", "batch")
    if stage not in STAGES:
        raise ValueError(f"quality metric {key!r}: stage must be one of {STAGES}, got {stage!r}")
    spc_raw = {**defaults, **(raw.get("spc") or {}), **overrides}
    if "baseline_window" in spc_raw and "min_baseline_points" in spc_raw:
        spc_raw["baseline_window"] = max(spc_raw["baseline_window"], spc_raw["min_baseline_points"])
    if kind in MODEL_KINDS and stage != "post_score":
        raise ValueError(f"quality metric {key!r}: {kind} measures the scoring model, it needs stage: post_score")
    for own_stage, kinds in _STAGE_KINDS.items():
        if (kind in kinds) != (stage == own_stage):
            raise ValueError(f"quality metric {key!r}: the {own_stage} kinds {kinds} and only they have "
                             f"stage: {own_stage} (got kind {kind}, stage {stage})")
    entry = _Entry(key, raw, kind, stage, _source(key, raw, stage), spc_raw, overrides, dataset)
    return _EXPANDERS.get(kind, _expand_single)(entry)


def _expand_null_rate(e: _Entry) -> list[MetricSpec]:
    """One ``<key>.<column>`` metric per column."""
    columns = e.raw.get("columns") or []
    if not columns:
        raise ValueError(f"quality metric {e.key!r}: null_rate needs 'columns'")
    return [e.spec(f"{e.key}.{c}", column=c) for c in columns]


def _expand_category_share(e: _Entry) -> list[MetricSpec]:
    """One ``<key>.<value>`` metric per listed value, and ``<key>.other`` (with ``other_spc``)."""
    values = tuple(str(v) for v in e.raw.get("values") or [])
    if not e.raw.get("column") or not values:
        raise ValueError(f"quality metric {e.key!r}: category_share needs 'column' and 'values'")
    if OTHER in values:
        raise ValueError(f"quality metric {e.key!r}: {OTHER!r} is reserved for the unlisted values")
    out = [e.spec(f"{e.key}.{v}", column=e.raw["column"], value=v, values=values) for v in values]
    other_raw = {**e.spc_raw, **(e.raw.get("other_spc") or {}), **e.overrides}
    out.append(e.spec(f"{e.key}.{OTHER}", other_raw, column=e.raw["column"], value=OTHER, values=values))
    return out


def _expand_feature_psi(e: _Entry) -> list[MetricSpec]:
    """One ``<key>.<feature>`` metric per listed ``features`` (default: every feature of the dataset)."""
    features = e.raw.get("features")
    if not features:
        from dataops.datasets import load_dataset

        features = load_dataset(e.dataset).feature_names
    return [e.spec(f"{e.key}.{checked_name(f, 'feature')}", column=f) for f in features]


def _limits(key: str, raw: dict) -> tuple[float | None, float | None]:
    limits = raw.get("limits") or {}
    unknown = set(limits) - {"warning", "critical"}
    if unknown or not limits:
        raise ValueError(f"quality metric {key!r}: limits needs 'warning' and/or 'critical', got {sorted(limits)}")
    return (None if limits.get("warning") is None else float(limits["warning"]),
            None if limits.get("critical") is None else float(limits["critical"]))


def _expand_limit(e: _Entry) -> list[MetricSpec]:
    """A fixed-limit metric named by the key."""
    return [e.spec(e.key, limits=_limits(e.key, e.raw))]


def _expand_single(e: _Entry) -> list[MetricSpec]:
    """Every other kind: one metric named by the key."""
    _check_columns(e.key, e.kind, e.raw)
    return [e.spec(e.key, column=e.raw.get("column"), since=e.raw.get("since"))]


_TASK_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


def _expand_tasks(e: _Entry) -> list[MetricSpec]:
    """One ``<key>.<task_id>`` metric per task: ``tasks`` lists them (``task_seconds``) or maps each to the row
    count it handles (``task_rows_per_second``: ``rows_loaded`` or ``rows_scored``)."""
    from dataops.monitoring.speed import ROW_COUNTS

    tasks = e.raw.get("tasks")
    per_second = e.kind == "task_rows_per_second"
    if not tasks or per_second != isinstance(tasks, dict):
        shape = "a mapping task_id -> rows_loaded | rows_scored" if per_second else "a list of task ids"
        raise ValueError(f"quality metric {e.key!r}: {e.kind} needs 'tasks', {shape}")
    out = []
    for task_id in tasks:
        if not isinstance(task_id, str) or not _TASK_ID.fullmatch(task_id):
            raise ValueError(f"quality metric {e.key!r}: {task_id!r} is not a task id (group.task, lowercase)")
        count = tasks[task_id] if per_second else None
        if per_second and count not in ROW_COUNTS:
            raise ValueError(f"quality metric {e.key!r}: {task_id} counts {count!r}, not one of {ROW_COUNTS}")
        out.append(e.spec(f"{e.key}.{task_id}", column=task_id, value=count))
    return out


# Metric kind -> how its entry expands into concrete metrics (default: :func:`_expand_single`).
_EXPANDERS: dict[str, Callable[[_Entry], list[MetricSpec]]] = {
    "null_rate": _expand_null_rate,
    "category_share": _expand_category_share,
    "feature_psi": _expand_feature_psi,
    **{kind: _expand_limit for kind in LIMIT_KINDS},
    **{kind: _expand_tasks for kind in PIPELINE_KINDS},
}


def _check_columns(key: str, kind: str, raw: dict) -> None:
    if kind in ("log_mean", "log_std", "lateness_days") and not raw.get("column"):
        raise ValueError(f"quality metric {key!r}: {kind} needs 'column'")
    if kind == "lateness_days" and not raw.get("since"):
        raise ValueError(f"quality metric {key!r}: lateness_days needs 'since' (the start column, e.g. tx_ts)")


def load_quality_config(dataset: str, path: str | Path | None = None) -> QualityConfig:
    """Read ``expectations/metrics/<dataset>.yaml``.

    :param dataset: dataset name.
    :param path: explicit file (default: :func:`expectations_dir` ``/metrics/<dataset>.yaml``).
    :raises FileNotFoundError: no such file.
    :raises ValueError: not a plain dataset name, or a malformed entry (the message names it).
    """
    path = Path(path) if path else expectations_dir() / "metrics" / f"{checked_name(dataset, 'dataset')}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no quality metrics configured for {dataset!r}: {path} does not exist")
    raw = yaml.safe_load(path.read_text()) or {}
    defaults, overrides = raw.get("defaults") or {}, _overrides()
    metrics: list[MetricSpec] = []
    for key, entry in (raw.get("metrics") or {}).items():
        metrics.extend(_expand(str(key), entry or {}, defaults, overrides, raw.get("dataset", dataset)))
    names = [m.name for m in metrics]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{path}: duplicate metric names {dupes}")
    return QualityConfig(dataset=raw.get("dataset", dataset), source=raw.get("source", dataset),
                         metrics=tuple(metrics), gx_suites=tuple(raw.get("gx_suites") or ()),
                         gx_checkpoint=raw.get("gx_checkpoint"), gx_contract=dict(raw.get("gx_contract") or {}))
