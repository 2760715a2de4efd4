"""Load and validate dataset YAML files from this folder (or ``DATAOPS_DATASETS_DIR``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dataops import settings
from dataops.identifiers import checked_name
from dataops.release.config import ReleaseConfig

_HERE = Path(__file__).resolve().parent
_TYPES = {"string", "timestamp", "double", "integer", "date"}
_FEATURE_TYPES = {"numeric", "categorical"}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a landed file.

    :param name: column name in the CSV header.
    :param type: logical type: string, timestamp, double, integer or date.
    :param nullable: whether an empty value is allowed.
    :param allowed: accepted values (None means any).
    :param pattern: regular expression the value must match (None means any).
    :param min: smallest accepted value for numbers (None means no bound).
    """

    name: str
    type: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    min: float | None = None


@dataclass(frozen=True)
class FeatureSpec:
    """One model feature read from the feature table.

    :param name: column of the feature table.
    :param type: ``numeric`` or ``categorical``.
    :param min: smallest valid value of a numeric feature (a value below is counted by numerical stability).
    :param max: largest valid value of a numeric feature.
    """

    name: str
    type: str  # numeric | categorical
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class SourceSpec:
    """A landed source of a dataset (for example the transactions feed or the chargebacks feed)."""

    name: str
    prefix: str
    key: str
    columns: tuple[ColumnSpec, ...]
    raw_table: str

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class DatasetConfig:
    """Everything the pipelines need to know about one dataset.

    ``dbt_select`` (dbt selectors the Value Pipeline builds for a batch) and ``marts`` (the tables it
    announces as Assets) come from the file's ``pipeline:`` section; ``require_approval`` (a human approves
    each promotion of the Innovation Pipeline) and ``release`` (how a winning challenger reaches production,
    :class:`~dataops.release.config.ReleaseConfig`) from its ``promotion:`` section.
    """

    name: str
    description: str
    sources: dict[str, SourceSpec]
    feature_table: str
    id_column: str
    features: tuple[FeatureSpec, ...]
    decision_threshold: float
    alert_recipients: tuple[str, ...] = field(default_factory=tuple)
    label_maturity_days: int = 45
    dbt_select: tuple[str, ...] = ()
    marts: tuple[str, ...] = ()
    require_approval: bool = False
    release: ReleaseConfig = field(default_factory=ReleaseConfig)

    @property
    def model_name(self) -> str:
        """The registered model that scores this dataset (the dataset's name)."""
        return self.name

    @property
    def numeric_features(self) -> list[str]:
        return [f.name for f in self.features if f.type == "numeric"]

    @property
    def categorical_features(self) -> list[str]:
        return [f.name for f in self.features if f.type == "categorical"]

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]


def _datasets_dir() -> Path:
    return settings.path("DATAOPS_DATASETS_DIR")


def list_datasets() -> list[str]:
    """Names of the configured datasets (one ``<name>.yaml`` each)."""
    return sorted(p.stem for p in _datasets_dir().glob("*.yaml"))


def _column(raw: dict) -> ColumnSpec:
    if raw.get("type") not in _TYPES:
        raise ValueError(f"column {raw.get('name')!r}: type must be one of {sorted(_TYPES)}, got {raw.get('type')!r}")
    allowed = raw.get("allowed")
    return ColumnSpec(
        name=raw["name"],
        type=raw["type"],
        nullable=bool(raw.get("nullable", False)),
        allowed=tuple(str(v) for v in allowed) if allowed else None,
        pattern=raw.get("pattern"),
        min=raw.get("min"),
    )


def _feature(raw: dict) -> FeatureSpec:
    if raw["type"] not in _FEATURE_TYPES:
        raise ValueError(f"feature {raw['name']!r}: type must be numeric or categorical, got {raw['type']!r}")
    bounds = {k: float(raw[k]) for k in ("min", "max") if raw.get(k) is not None}
    if bounds and raw["type"] != "numeric":
        raise ValueError(f"feature {raw['name']!r}: min/max are for numeric features")
    return FeatureSpec(name=raw["name"], type=raw["type"], **bounds)


def load_dataset(name: str) -> DatasetConfig:
    """Read ``<name>.yaml`` and return its validated configuration.

    :param name: dataset name, e.g. ``transactions``.
    :raises FileNotFoundError: no such dataset file.
    :raises ValueError: not a plain name (a path, SQL ...), or the file is malformed (the message names the
        offending entry).
    """
    path = _datasets_dir() / f"{checked_name(name, 'dataset')}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"dataset {name!r} is not configured: {path} does not exist")
    raw = yaml.safe_load(path.read_text())
    sources = {
        src_name: SourceSpec(
            name=src_name,
            prefix=src["prefix"],
            key=src["key"],
            columns=tuple(_column(c) for c in src["columns"]),
            raw_table=src["raw_table"],
        )
        for src_name, src in raw["sources"].items()
    }
    pipeline = raw.get("pipeline") or {}
    return DatasetConfig(
        name=raw["name"],
        description=raw.get("description", ""),
        sources=sources,
        feature_table=raw["feature_table"],
        id_column=raw["id_column"],
        features=tuple(_feature(f) for f in raw["features"]),
        decision_threshold=float(raw["decision_threshold"]),
        alert_recipients=tuple(raw.get("alert_recipients", [])),
        label_maturity_days=int(raw.get("label_maturity_days", 45)),
        dbt_select=tuple(pipeline.get("dbt_select") or ()),
        marts=tuple(pipeline.get("marts") or ()),
        require_approval=bool((raw.get("promotion") or {}).get("require_approval", False)),
        release=_release(name, (raw.get("promotion") or {}).get("release")),
    )


def _release(name: str, raw: dict | None) -> ReleaseConfig:
    try:
        return ReleaseConfig.from_dict(raw)
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"dataset {name!r}: promotion.release: {exc}") from exc
