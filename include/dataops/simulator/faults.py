"""Fault injection: which faults exist, their parameters, and the schedule of a run.

A fault is switched on for one day (``concept_drift`` stays on from its day), from the command line
``--fault 2026-03-14:volume_drop:share=0.5`` or from a scenario YAML::

    faults:
      - {date: 2026-03-14, kind: volume_drop, params: {share: 0.5}}
      - {date: 2026-03-20, kind: schema_change, params: {variant: type_changed}}

Kinds and their parameters (defaults in :data:`FAULT_KINDS`):

* ``volume_drop`` ``share``: an upstream outage, that share of the day's transactions never happened
  (so no chargeback will come for the lost frauds).
* ``duplicated_file`` ``dataset, part``: part number ``part`` is landed a second time under the next
  free part name; the manifest lists both.
* ``duplicated_rows`` ``dataset, share``: that share of rows repeated right after the original.
* ``null_column`` ``dataset, column, share``: the column is empty on that share of rows.
* ``schema_change`` ``variant, column, new_name, dataset``: ``renamed`` (``amount`` -> ``amount_eur``),
  ``missing`` (``currency`` dropped), ``extra`` (a ``device_id`` column appended) or ``type_changed``
  (amount written as ``"12,50 EUR"``) in the transactions file; with ``dataset=chargebacks`` the
  chargeback file breaks its contract instead (defaults: ``reported_at`` -> ``reported_on``, ``reason_code``
  dropped, ``reported_at`` written as ``"31/12/2026"``).
* ``unparseable_rows`` ``dataset, share``: rows truncated, padded with extra fields or replaced by garbage.
* ``amount_shift`` ``factor``: every amount multiplied (``factor=100`` is the cents-as-euros bug).
* ``new_category`` ``column, value, share``: a never-seen channel (``moto``) or mcc (``7995``).
* ``late_file`` ``dataset``: the batch is withheld by ``land`` unless ``--include-late`` is given
  (``dataset`` may be ``transactions``, ``chargebacks`` or ``all``).
* ``concept_drift`` ``mcc, share, old_scale``: from this day on a new fraud scenario (small domestic
  bursts at a previously safe merchant category) appears and the older ones shrink.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dataops.simulator.frauds import DriftParams

DATASETS: tuple[str, ...] = ("transactions", "chargebacks")

FAULT_KINDS: dict[str, dict[str, Any]] = {
    "volume_drop": {"share": 0.7},
    "duplicated_file": {"dataset": "transactions", "part": 0},
    "duplicated_rows": {"dataset": "transactions", "share": 0.02},
    "null_column": {"dataset": "transactions", "column": "", "share": 0.4},
    "schema_change": {"variant": "renamed", "column": "", "new_name": "", "dataset": "transactions"},
    "unparseable_rows": {"dataset": "transactions", "share": 0.01},
    "amount_shift": {"factor": 1.5},
    "new_category": {"column": "channel", "value": "", "share": 0.05},
    "late_file": {"dataset": "transactions"},
    "concept_drift": {"mcc": "5814", "share": 0.003, "old_scale": 0.5},
}
SCHEMA_VARIANTS: tuple[str, ...] = ("renamed", "missing", "extra", "type_changed")
#: The parameter a bare ``--fault DATE:KIND:value`` token sets.
_BARE_PARAM = {"schema_change": "variant", "late_file": "dataset", "new_category": "column"}


def _coerce(kind: str, name: str, value: Any) -> Any:
    default = FAULT_KINDS[kind][name]
    try:
        if isinstance(default, bool):
            return str(value).lower() in {"1", "true", "yes"}
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fault {kind}: parameter {name}={value!r} is not a {type(default).__name__}") from exc
    return str(value)


@dataclass(frozen=True)
class FaultSpec:
    """One fault on one day.

    :param date: the day (for ``concept_drift``: the first day).
    :param kind: one of :data:`FAULT_KINDS`.
    :param params: parameters, defaults filled in.
    """

    date: dt.date
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def dataset(self) -> str:
        """Dataset whose files the fault touches."""
        if self.kind in {"volume_drop", "amount_shift", "new_category", "concept_drift"}:
            return "transactions"
        return str(self.params["dataset"])

    def label(self) -> str:
        """Short text for summaries, e.g. ``volume_drop(share=0.7)``."""
        args = ",".join(f"{k}={v}" for k, v in self.params.items() if v != "")
        return f"{self.kind}({args})" if args else self.kind


def make_fault(date: dt.date | str, kind: str, params: dict[str, Any] | None = None) -> FaultSpec:
    """Validated fault with defaults filled in.

    :param date: day of the fault (date or ``YYYY-MM-DD``).
    :param kind: fault kind.
    :param params: parameters overriding the defaults.
    :raises ValueError: unknown kind, unknown parameter or invalid value.
    """
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
    day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    merged = dict(FAULT_KINDS[kind])
    for name, value in (params or {}).items():
        if name not in merged:
            raise ValueError(f"fault {kind}: unknown parameter {name!r}; known: {', '.join(merged) or 'none'}")
        merged[name] = _coerce(kind, name, value)
    allowed_ds = (*DATASETS, "all") if kind == "late_file" else DATASETS
    if "dataset" in merged and merged["dataset"] not in allowed_ds:
        raise ValueError(f"fault {kind}: dataset must be one of {allowed_ds}, got {merged['dataset']!r}")
    if kind == "schema_change" and merged["variant"] not in SCHEMA_VARIANTS:
        raise ValueError(f"schema_change: variant must be one of {SCHEMA_VARIANTS}, got {merged['variant']!r}")
    if kind == "new_category" and merged["column"] not in {"channel", "mcc"}:
        raise ValueError("new_category: column must be channel or mcc")
    for name in ("share", "old_scale"):
        if name in merged and not 0.0 <= float(merged[name]) <= 1.0:
            raise ValueError(f"fault {kind}: {name} must be within [0, 1]")
    if kind == "amount_shift" and merged["factor"] <= 0:
        raise ValueError("amount_shift: factor must be positive")
    return FaultSpec(date=day, kind=kind, params=merged)


def parse_fault(text: str) -> FaultSpec:
    """Parse ``DATE:KIND[:k=v,...]`` (a bare value sets the main parameter, e.g. ``schema_change:missing``).

    :param text: the ``--fault`` argument.
    :raises ValueError: malformed text.
    """
    pieces = text.split(":", 2)
    if len(pieces) < 2:
        raise ValueError(f"--fault expects DATE:KIND[:k=v,...], got {text!r}")
    date, kind = pieces[0].strip(), pieces[1].strip()
    params: dict[str, Any] = {}
    if len(pieces) == 3 and pieces[2].strip():
        for item in pieces[2].split(","):
            if "=" in item:
                key, value = item.split("=", 1)
                params[key.strip()] = value.strip()
            elif kind in _BARE_PARAM:
                params[_BARE_PARAM[kind]] = item.strip()
            else:
                raise ValueError(f"--fault {text!r}: expected k=v, got {item!r}")
    return make_fault(date, kind, params)


def load_scenario(path: str | Path) -> list[FaultSpec]:
    """Faults of a scenario YAML file (``faults: [{date:, kind:, params: {}}]``).

    :param path: YAML file.
    :raises ValueError: malformed file.
    """
    raw = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(raw, dict) or set(raw) - {"faults", "description"}:
        raise ValueError(f"{path}: expected a mapping with key 'faults' (and optional 'description')")
    faults = []
    for i, entry in enumerate(raw.get("faults") or []):
        if not isinstance(entry, dict) or "date" not in entry or "kind" not in entry:
            raise ValueError(f"{path}: faults[{i}] needs 'date' and 'kind'")
        if set(entry) - {"date", "kind", "params"}:
            raise ValueError(f"{path}: faults[{i}] has unknown keys {sorted(set(entry) - {'date', 'kind', 'params'})}")
        faults.append(make_fault(entry["date"], entry["kind"], entry.get("params") or {}))
    return faults


@dataclass(frozen=True)
class FaultSchedule:
    """All faults of a run, queried per day."""

    faults: tuple[FaultSpec, ...] = ()

    def on(self, day: dt.date) -> list[FaultSpec]:
        """Faults switched on for ``day`` (a concept drift only on its first day)."""
        return [f for f in self.faults if f.date == day]

    def file_faults(self, day: dt.date, dataset: str, kind: str) -> list[FaultSpec]:
        """Faults of ``kind`` that touch the files of ``dataset`` on ``day``."""
        return [f for f in self.on(day) if f.kind == kind and f.dataset in {dataset, "all"}]

    def is_late(self, day: dt.date, dataset: str) -> bool:
        """Whether the ``dataset`` batch of ``day`` is a late file."""
        return bool(self.file_faults(day, dataset, "late_file"))

    def drift_of(self, day: dt.date) -> DriftParams | None:
        """The concept drift active on ``day`` (the latest one started on or before it)."""
        started = [f for f in self.faults if f.kind == "concept_drift" and f.date <= day]
        if not started:
            return None
        f = max(started, key=lambda s: s.date)
        return DriftParams(
            start=f.date, mcc=f.params["mcc"], share=f.params["share"], old_scale=f.params["old_scale"]
        )

    def volume_drop_of(self, day: dt.date) -> float:
        """Share of the day's transactions lost to volume drops (0 when none)."""
        keep = 1.0
        for f in self.on(day):
            if f.kind == "volume_drop":
                keep *= 1.0 - f.params["share"]
        return 1.0 - keep
