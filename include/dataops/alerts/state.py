"""Alert state per (dataset, metric): turns today's verdicts into new alerts, digest lines and recoveries.

A metric is *out of control* while its verdict is ``warning`` or ``critical``. The first flagged batch is a
new alert; every further flagged batch is one "still out of control, day N" line; the first ``in_control``
batch after that is a "back in control" note. ``learning`` (no verdict possible) leaves the state alone.

The stored row keeps the state before the last batch too (``prev_*``), so re-evaluating the same batch
(a rerun after labelling, a new run key for the same date) gives the same day count instead of counting twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from dataops.alerts.inputs import IN_CONTROL, MetricResult, as_date


@dataclass(frozen=True)
class MetricState:
    """What is known about one metric after its last evaluated batch.

    :param since_date: first batch of the current out-of-control episode (``None`` when in control).
    :param days_out: flagged batches in a row in the current episode (0 when in control).
    :param last_verdict: verdict of the last evaluated batch.
    :param last_batch_date: the last evaluated batch.
    """

    since_date: date | None = None
    days_out: int = 0
    last_verdict: str | None = None
    last_batch_date: date | None = None

    @property
    def out_of_control(self) -> bool:
        return self.days_out > 0


@dataclass(frozen=True)
class StoredState:
    """A row of ``quality.alert_state``: the current state and the one before the last batch."""

    current: MetricState
    previous: MetricState = field(default_factory=MetricState)

    def before(self, batch_date: date) -> MetricState | None:
        """The state to judge ``batch_date`` against; ``None`` for a batch older than the last one."""
        last = self.current.last_batch_date
        if last is None or batch_date > last:
            return self.current
        if batch_date == last:
            return self.previous
        return None


@dataclass(frozen=True)
class Item:
    """One line of the e-mail.

    :param kind: ``new`` (first flagged batch), ``continuing`` (still out of control) or ``recovered``.
    :param days_out: day N of the episode (``continuing``) or its length (``recovered``).
    :param since_date: first batch of the episode.
    """

    kind: str
    result: MetricResult
    days_out: int
    since_date: date | None


@dataclass(frozen=True)
class Digest:
    """Everything today's batch has to tell, and the state rows to write."""

    new: tuple[Item, ...] = ()
    continuing: tuple[Item, ...] = ()
    recovered: tuple[Item, ...] = ()
    updates: Mapping[str, MetricState] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.new or self.continuing or self.recovered)

    @property
    def flagged(self) -> tuple[Item, ...]:
        """New and continuing items, worst first (severity, then new before continuing, then |z|)."""
        items = [*self.new, *self.continuing]
        return tuple(sorted(items, key=lambda i: (i.result.sort_key()[0], i.kind != "new",
                                                  i.result.sort_key()[1])))

    @property
    def items(self) -> tuple[Item, ...]:
        return (*self.flagged, *self.recovered)


def build_digest(results: Iterable[MetricResult], states: Mapping[str, StoredState], batch_date: str
                 ) -> Digest:
    """Compare today's results with the stored state.

    :param results: normalised evaluations of the batch (one per metric).
    :param states: stored state per metric of the dataset.
    :param batch_date: the batch under test (ISO date).
    """
    day = as_date(batch_date)
    new, continuing, recovered, updates = [], [], [], {}
    for r in results:
        stored = states.get(r.metric)
        prev = stored.before(day) if stored is not None else MetricState()
        out_of_order = prev is None
        prev = prev or MetricState()
        if r.flagged:
            if prev.out_of_control:
                state = MetricState(prev.since_date or day, prev.days_out + 1, r.verdict, day)
                continuing.append(Item("continuing", r, state.days_out, state.since_date))
            else:
                state = MetricState(day, 1, r.verdict, day)
                new.append(Item("new", r, 1, day))
        elif r.verdict == IN_CONTROL:
            if prev.out_of_control:
                recovered.append(Item("recovered", r, prev.days_out, prev.since_date))
            state = MetricState(None, 0, r.verdict, day)
        else:  # learning or unknown: no information about control
            state = replace(prev, last_verdict=r.verdict, last_batch_date=day)
        if not out_of_order:  # a backfill of an older batch must not rewrite today's state
            updates[r.metric] = state
    by_worst = lambda i: i.result.sort_key()  # noqa: E731
    return Digest(new=tuple(sorted(new, key=by_worst)), continuing=tuple(sorted(continuing, key=by_worst)),
                  recovered=tuple(sorted(recovered, key=lambda i: i.result.metric)), updates=updates)
