"""Root cause first: which ingest rejection of the batch explains which findings of the quality gate.

The ingest rejects a landed file whole when it breaks the file contract (or its checksum differs from the
manifest's, or it repeats another file of the delivery); its rows go to ``raw.quarantine`` and the ledger
``raw.ingest_files`` keeps the file's row with ``status = 'rejected'`` (or ``duplicate_file``) and the reason. The gate then measures what is left, so one renamed column shows up
as a collapsed ``row_count``, a ``quarantine_rate`` of 1 and the ``contract.rejected_files`` finding. The
analysts should read the cause first, not "-568 sigma on row_count".

Attribution rule (per landed source S with at least one rejected file in the batch's latest ingest version):

* ``contract.rejected_files`` *is* the cause (its finding is shown as the cause, not as a metric);
* when nothing of S was loaded (every file rejected), every finding of a metric measured on S follows from
  the rejection (there are no loaded rows left to judge);
* otherwise, a finding of a metric measured on S follows from it when it moves the way losing whole files
  moves it: ``row_count`` below its centre, ``quarantine_rate`` above it, and the rates over landed rows
  whose rejected rows dilute them (``null_rate``, ``duplicate_key_rate``) below it;
* anything else (other sources, GX row checks, amounts, category shares of the rows that did load, score
  metrics) is an independent finding.

Rows quarantined one by one (a bad value, a duplicate key) are no cause of their own: their most frequent
reasons are shown with the ``quarantine_rate`` finding of their source (:func:`load_quarantine_reasons`).

Order of the e-mail: causes (main source first), each with the findings that follow from it; then the
independent findings worst first (severity, new before continuing, then distance from the centre); then
the metrics back in control.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dataops.alerts.state import Digest, Item

#: The gate's evaluation of the file contract (``dataops.quality.gate.CONTRACT_METRIC``).
CONTRACT_METRIC = "contract.rejected_files"
#: Ledger of the ingest (``dataops.ingest.tables.LEDGER``), read with plain SQL on both engines.
LEDGER_SCHEMA, LEDGER_TABLE = "raw", "ingest_files"
#: Ledger statuses of a file rejected whole (its rows all quarantined).
REJECTED_STATUSES = ("rejected", "duplicate_file")
#: Quarantined-row reasons shown per source.
MAX_REASONS = 3
#: Metric kinds a rejected file moves, and the direction it moves them (-1 down, +1 up).
CONSEQUENCE_DIRECTION = {"row_count": -1, "quarantine_rate": 1, "null_rate": -1, "duplicate_key_rate": -1}


@dataclass(frozen=True)
class Rejection:
    """A landed file the ingest rejected whole.

    :param source: the landed source (e.g. ``transactions``).
    :param file_key: the file's S3 key.
    :param reason: why, without the ``contract: <key>:`` prefix the ledger message carries.
    :param rows: the file's rows (all quarantined with it).
    """

    source: str
    file_key: str
    reason: str
    rows: int = 0


@dataclass(frozen=True)
class MetricOrigin:
    """Where a metric comes from: its landed ``source`` and its ``kind`` (``row_count``, ``log_mean`` ...)."""

    source: str
    kind: str


@dataclass(frozen=True)
class Cause:
    """The rejected files of one source and the findings that follow from them.

    :param contract: the ``contract.rejected_files`` item of the digest, if flagged.
    :param follow: findings explained by the rejection, worst first.
    :param nothing_loaded: every file of the source was rejected.
    """

    source: str
    rejections: tuple[Rejection, ...]
    follow: tuple[Item, ...] = ()
    contract: Item | None = None
    nothing_loaded: bool = False

    @property
    def headline(self) -> str:
        """``file rejected - <key>: <reason>`` (``and N more files`` when several)."""
        first = self.rejections[0]
        more = len(self.rejections) - 1
        extra = f" (and {more} more file{'s' if more > 1 else ''})" if more else ""
        return f"file rejected - {first.file_key}: {first.reason}{extra}"


@dataclass(frozen=True)
class AlertPlan:
    """The digest in the order the e-mail tells it: causes, independent findings, recoveries."""

    causes: tuple[Cause, ...]
    independent: tuple[Item, ...]
    recovered: tuple[Item, ...]
    #: metric -> a line of detail (the quarantined rows' reasons of a ``quarantine_rate`` finding).
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> tuple[Item, ...]:
        """Every flagged item in e-mail order (the charts follow it): consequences first."""
        return (*(i for c in self.causes for i in c.follow), *self.independent)


def short_reason(file_key: str, message: str) -> str:
    """The ledger message without its ``contract: `` and ``<file_key>: `` prefixes.

    :param file_key: the rejected file.
    :param message: the ledger's ``message`` column.
    """
    text = (message or "").strip()
    if text.startswith("contract: "):
        text = "contract: " + text[len("contract: "):].removeprefix(f"{file_key}: ")
    return text.removeprefix(f"{file_key}: ") or "rejected"


def load_rejections(con: Any, dataset: str, batch_date: str) -> tuple[list[Rejection], dict[str, int]]:
    """Rejected files of the batch's latest ingest version per source, and the rows loaded per source.

    :param con: an open warehouse connection (:meth:`dataops.warehouse.Warehouse.connect`).
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    :return: (rejections ordered by source and file, source -> rows loaded); empty without a ledger.
    """
    if not _table_exists(con, LEDGER_SCHEMA, LEDGER_TABLE):
        return [], {}
    ledger = f"{LEDGER_SCHEMA}.{LEDGER_TABLE}"
    rows = con.execute(
        f"SELECT l.source, l.file_key, l.status, l.message, l.rows_landed, l.rows_loaded FROM {ledger} l "
        f"WHERE l.dataset = ? AND l.batch_date = CAST(? AS DATE) AND l.version = (SELECT max(v.version) "
        f"FROM {ledger} v WHERE v.dataset = l.dataset AND v.source = l.source AND v.batch_date = l.batch_date) "
        "ORDER BY l.source, l.file_key", [dataset, batch_date]).fetchall()
    rejections: list[Rejection] = []
    loaded: dict[str, int] = {}
    for source, key, status, message, landed, rows_loaded in rows:
        loaded[source] = loaded.get(source, 0) + int(rows_loaded or 0)
        if status in REJECTED_STATUSES:
            rejections.append(Rejection(source, key, short_reason(key, message), int(landed or 0)))
    return rejections, loaded


def _table_exists(con: Any, schema: str, table: str) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                      [schema, table]).fetchone()
    return bool(row and row[0])


def reason_kind(reason: str) -> str:
    """A quarantine reason without its value: ``amount: below 0.01: 0.001`` -> ``amount: below 0.01``."""
    text = (reason or "").strip()
    if text.startswith("duplicate_key:"):
        return "duplicate_key"
    return ": ".join(text.split(": ")[:2]) or "no reason"


def load_quarantine_reasons(con: Any, dataset: str, batch_date: str, rejected_files: Iterable[str] = ()
                            ) -> dict[str, tuple[tuple[str, int], ...]]:
    """The most frequent reasons of the batch's rows quarantined one by one, per source.

    :param con: an open warehouse connection.
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    :param rejected_files: keys of files rejected whole (their rows are left out: the file is the cause).
    :return: source -> ((reason kind, rows), ...), at most :data:`MAX_REASONS`, most frequent first.
    """
    if not _table_exists(con, "raw", "quarantine"):
        return {}
    skip = set(rejected_files)
    counts: dict[str, dict[str, int]] = {}
    for source, key, reason, n in con.execute(
            "SELECT source, source_file, reason, count(*) FROM raw.quarantine WHERE dataset = ? "
            "AND batch_date = CAST(? AS DATE) GROUP BY source, source_file, reason", [dataset, batch_date]
            ).fetchall():
        if key not in skip:
            by_kind = counts.setdefault(source, {})
            by_kind[reason_kind(reason)] = by_kind.get(reason_kind(reason), 0) + int(n)
    return {s: tuple(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_REASONS]) for s, c in counts.items()}


def with_reasons(plan: AlertPlan, reasons: Mapping[str, tuple[tuple[str, int], ...]],
                 origins: Mapping[str, MetricOrigin]) -> AlertPlan:
    """The plan with a "quarantined rows" detail on each flagged ``quarantine_rate`` finding of a source with
    rows quarantined one by one.

    :param reasons: from :func:`load_quarantine_reasons`.
    :param origins: metric -> source and kind.
    """
    details = dict(plan.details)
    for item in plan.flagged:
        origin = origins.get(item.result.metric)
        if origin is not None and origin.kind == "quarantine_rate" and reasons.get(origin.source):
            details[item.result.metric] = "quarantined rows by reason: " + ", ".join(
                f"{kind} ({n})" for kind, n in reasons[origin.source])
    return replace(plan, details=details)


def metric_origins(dataset: str, metrics: Iterable[str]) -> tuple[str, dict[str, MetricOrigin]]:
    """The main source, and the source and kind of each metric, from the dataset's quality configuration.

    A metric the configuration does not know (or a dataset without one) is read from its name: a known
    ``<source>.`` prefix is dropped, the kind is the first dotted part (``null_rate.mcc`` -> ``null_rate``),
    and an unprefixed metric belongs to the main source (the configuration's, else the dataset's name).

    :param dataset: dataset name.
    :param metrics: the metric names of the digest.
    :return: (main source, metric -> origin).
    """
    specs: dict[str, MetricOrigin] = {}
    main = dataset
    try:
        from dataops.quality.config import load_quality_config

        cfg = load_quality_config(dataset)
    except (FileNotFoundError, ValueError):
        cfg = None
    if cfg is not None:
        main = cfg.source
        specs = {m.name: MetricOrigin(cfg.source_of(m), m.kind) for m in cfg.metrics}
    known_sources = {o.source for o in specs.values()} | {main}
    out: dict[str, MetricOrigin] = {}
    for name in metrics:
        if name in specs:
            out[name] = specs[name]
            continue
        head, _, rest = name.partition(".")
        source, base = (head, rest) if rest and head in known_sources else (main, name)
        out[name] = MetricOrigin(source, base.split(".", 1)[0])
    return main, out


def _direction(item: Item) -> int:
    """+1 above the centre, -1 below, 0 unknown."""
    r = item.result
    if r.value is not None and r.centre is not None and r.value != r.centre:
        return 1 if r.value > r.centre else -1
    if r.z:
        return 1 if r.z > 0 else -1
    return 0


def follows_from(item: Item, origin: MetricOrigin | None, rejected: Mapping[str, bool]) -> bool:
    """Does ``item``'s finding follow from a rejected file of its source (the module's rule)?

    :param item: a flagged digest item.
    :param origin: the metric's source and kind (``None``: unknown, never a consequence).
    :param rejected: source -> True when nothing of it was loaded, for every source with a rejected file.
    """
    if origin is None or origin.source not in rejected:
        return False
    if rejected[origin.source]:
        return True
    expected = CONSEQUENCE_DIRECTION.get(origin.kind)
    if expected is None:
        return False
    moved = _direction(item)
    return moved == 0 or moved == expected


def plan_alert(digest: Digest, rejections: list[Rejection], loaded: Mapping[str, int],
               origins: Mapping[str, MetricOrigin], main_source: str | None = None) -> AlertPlan:
    """Attribute the digest's findings to the batch's rejections and order them (module docstring).

    A source's rejections become a cause only when something tells of them: the flagged contract finding
    or at least one finding that follows (a post-scoring digest never leads with yesterday's ingest).

    :param digest: today's digest (:func:`dataops.alerts.state.build_digest`).
    :param rejections: from :func:`load_rejections`.
    :param loaded: rows loaded per source, from :func:`load_rejections`.
    :param origins: metric -> source and kind (:func:`metric_origins`).
    :param main_source: the dataset's main source (its cause comes first).
    """
    by_source: dict[str, list[Rejection]] = {}
    for r in rejections:
        by_source.setdefault(r.source, []).append(r)
    rejected = {s: loaded.get(s, 0) == 0 for s in by_source}
    contract = next((i for i in digest.flagged if i.result.metric == CONTRACT_METRIC), None)
    follow: dict[str, list[Item]] = {s: [] for s in by_source}
    independent: list[Item] = []
    for item in digest.flagged:
        if item is contract and by_source:
            continue
        origin = origins.get(item.result.metric)
        if follows_from(item, origin, rejected):
            follow[origin.source].append(item)  # type: ignore[union-attr]  # follows_from checked it
        else:
            independent.append(item)
    causes = []
    for source in sorted(by_source, key=lambda s: (s != main_source, s)):
        if follow[source] or contract is not None:
            causes.append(Cause(source, tuple(by_source[source]), tuple(follow[source]), contract,
                                rejected[source]))
    return AlertPlan(tuple(causes), tuple(independent), digest.recovered)
