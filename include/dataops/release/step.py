"""The release's daily step, after a batch was scored by its plan (the Value Pipeline's ``judge_release``).

- **canary**: judged against the champion's limits (:func:`~dataops.release.judge.judge_slot`); a failure rolls
  it back (the ``canary`` alias removed, the day's decisions handed back to the champion); on the last day of its
  schedule it becomes the champion and the previous champion stays warm as ``standby``; otherwise it holds and
  the schedule raises its share by date.
- **green** (blue/green): compared with the blue slot on the same batch (:func:`~dataops.release.judge.compare_slots`);
  within the limits, one transaction switches ``champion`` to it and keeps the blue version as ``standby``;
  otherwise the green slot is dropped.
- **standby** (a new champion under watch): the champion is judged like a canary; a failure switches back to
  the standby in one transaction; after ``watch_days`` clean batches the standby is let go.
- **shadow**: nothing here; the Innovation Pipeline's review decides on matured labels.

Every alias move is recorded in the alias history with the batch date and the day's decision changes, so a
retry of the step finds the move already made and only re-applies those changes (they are idempotent).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from dataops.registry import ConcurrentAliasUpdate
from dataops.release.config import ReleaseConfig
from dataops.release.decisions import ROLLED_BACK, RoleChange, reassign
from dataops.release.judge import compare_slots, judge_slot
from dataops.release.plan import ScorePlan, Slot, latest_move, release_of
from dataops.scoring.batch import PREDICTIONS

UNSET = None
"""``expected_version`` of a new standby: the alias must be unset (one release at a time)."""


@dataclass(frozen=True)
class Move:
    """One alias move of a step: ``kind`` is ``remove`` or the recorded action (``promote``, ``rollback``)."""

    kind: str
    alias: str
    version: str | None
    expected: str | None
    details: dict[str, Any] | None = None


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _release_details(config: ReleaseConfig, started_on: str, **more: Any) -> dict[str, Any]:
    return {"release": config.to_dict(), "started_on": started_on, **more}


def _outcome(action: str, slot: Slot, day: str, reason: str, **more: Any) -> dict[str, Any]:
    return {"action": action, "role": slot.role, "version": slot.version, "day": day, "reason": reason,
            "alert": action in ("rollback", "reject"), **more}


class ReleaseStep:
    """One day's step of the release in ``plan`` (see the module docstring).

    :param registry: the model registry.
    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param ds_cfg: the dataset configuration.
    :param plan: the score plan the batch was scored with.
    :param actor: recorded on the alias moves (the DAG run).
    """

    def __init__(self, registry: Any, warehouse: Any, ds_cfg: Any, plan: ScorePlan, *, actor: str) -> None:
        self.registry, self.warehouse, self.ds_cfg, self.plan, self.actor = registry, warehouse, ds_cfg, plan, actor
        self.day = plan.batch_date

    def run(self) -> dict[str, Any]:
        slot, champion = self.plan.challenger, self.plan.slot("champion")
        if slot is None or champion is None or slot.role == "shadow":
            return {"action": "none", "day": self.day, "reason": "no release in progress"}
        done = self._already_done(slot)
        if done is not None:
            return done
        release = release_of(latest_move(self.registry, slot.role)) or (ReleaseConfig(), date.fromisoformat(self.day))
        config, started_on = release
        if date.fromisoformat(self.day) < started_on:  # a rerun or backfill of a day before the release
            return _outcome("none", slot, self.day, f"{self.day} is before the release of {slot.version} began "
                            f"({started_on}): it does not judge it")
        scored = self._rows(champion), self._rows(slot)
        if not scored[0]:
            return _outcome("none", slot, self.day, f"the champion {champion.version} did not score {self.day}")
        if slot.role == "canary":
            return self._canary(slot, champion, config, started_on, scored)
        if slot.role == "green":
            return self._green(slot, champion, config, scored)
        return self._watch(slot, champion, config, started_on, scored)

    def _rows(self, slot: Slot) -> int:
        """Rows ``slot``'s model scored of the batch in its role (fewer than the champion's: its task failed)."""
        row = self.warehouse.fetchone(f"SELECT count(*) FROM {PREDICTIONS} WHERE dataset = ? "
                                      "AND batch_date = CAST(? AS DATE) AND role = ? AND model_version = ?",
                                      [self.ds_cfg.name, self.day, slot.role, slot.version])
        return int(row[0] or 0) if row else 0

    # ---------------------------------------------------------------- retries
    def _already_done(self, slot: Slot) -> dict[str, Any] | None:
        """An earlier try of this step moved the aliases: re-apply the day's decision changes only."""
        if self.registry.get_alias_version(slot.role) == slot.version:
            return None
        for move in reversed(self.registry.history()):
            details = move.get("details") or {}
            if details.get("batch_date") == self.day and details.get("slot") == [slot.role, slot.version]:
                reassign(self.warehouse, self.ds_cfg.name, self.day,
                         [RoleChange(**c) for c in details.get("changes", [])])
                return {**details["outcome"], "retried": True}
        return {"action": "none", "day": self.day, "reason": f"{slot.role} {slot.version} was moved by someone "
                "else since the batch was planned; nothing to do"}

    def _apply(self, slot: Slot, outcome: dict[str, Any], changes: list[RoleChange], moves: list[Move]) -> dict:
        """The alias moves in one registry transaction, then the day's decisions in one warehouse transaction."""
        record = {"batch_date": self.day, "slot": [slot.role, slot.version], "outcome": outcome,
                  "changes": [asdict(c) for c in changes]}
        try:
            self._move(outcome, moves, record)
        except ConcurrentAliasUpdate as moved:
            return {"action": "none", "day": self.day, "alert": False,
                    "reason": f"{slot.role} {slot.version}: the aliases moved meanwhile ({moved}); nothing done"}
        reassign(self.warehouse, self.ds_cfg.name, self.day, changes)
        return outcome

    def _move(self, outcome: dict[str, Any], moves: list[Move], record: dict[str, Any]) -> None:
        with self.registry.transaction(actor=self.actor) as tx:
            for i, m in enumerate(moves):
                extra = {**(m.details or {}), **(record if i == 0 else {})}
                if m.kind == "remove":
                    tx.remove(m.alias, reason=outcome["reason"], expected_version=m.expected, details=extra)
                else:
                    tx.set(m.alias, str(m.version), action=m.kind, reason=outcome["reason"],
                           expected_version=m.expected, details=extra)

    # ---------------------------------------------------------------- strategies
    def _canary(self, slot: Slot, champion: Slot, config: ReleaseConfig, started_on: date,
                scored: tuple[int, int]) -> dict[str, Any]:
        judgement = judge_slot(self.warehouse, self.ds_cfg, self.day, "canary", slot.version,
                               score_side=config.score_alert_side, champion=champion.version)
        checks = [c.line() for c in judgement.checks]
        failures = [c.line() for c in judgement.failures(config.rollback_on)]
        if scored[1] < scored[0]:  # its scoring failed: its share would be left undecided
            failures.insert(0, f"the canary scored {scored[1]:,} of the {scored[0]:,} transactions of {self.day}")
        if failures:
            reason = (f"automatic rollback of canary {slot.version} on {self.day} ({slot.share:.0%} of decisions): "
                      + "; ".join(failures))
            outcome = _outcome("rollback", slot, self.day, reason, checks=checks, share=slot.share)
            changes = [RoleChange(slot.version, "canary", ROLLED_BACK, False),
                       RoleChange(champion.version, "champion", "champion", True)]
            return self._apply(slot, outcome, changes, [Move("remove", "canary", None, slot.version, None)])
        index = (date.fromisoformat(self.day) - started_on).days
        if slot.share < 1.0 or index < config.canary_days - 1:
            reason = f"canary {slot.version} holds at {slot.share:.0%} on day {index + 1} of {config.canary_days}"
            return _outcome("hold", slot, self.day, reason, checks=checks, share=slot.share)
        reason = (f"canary {slot.version} promoted after {config.canary_days} days in control "
                  f"({', '.join(f'{s.share:.0%} x {s.days}' for s in config.canary)})")
        outcome = _outcome("promote", slot, self.day, reason, checks=checks, share=slot.share)
        return self._promote(slot, champion, config, outcome, "canary")

    def _promote(self, slot: Slot, champion: Slot, config: ReleaseConfig, outcome: dict, alias: str) -> dict:
        """``alias``'s version becomes the champion; the old champion stays warm as ``standby``."""
        changes = [RoleChange(champion.version, "champion", "standby", False),
                   RoleChange(slot.version, alias, "champion", True)]
        watch = _release_details(config, _next_day(self.day))
        moves = [Move("promote", "champion", slot.version, champion.version, None),
                 Move("remove", alias, None, slot.version, None)]
        if config.watch_days:
            moves.append(Move("promote", "standby", champion.version, UNSET, watch))
        else:
            changes[0] = RoleChange(champion.version, "champion", ROLLED_BACK, False)
        return self._apply(slot, outcome, changes, moves)

    def _green(self, slot: Slot, champion: Slot, config: ReleaseConfig, scored: tuple[int, int]) -> dict[str, Any]:
        comparison = compare_slots(self.warehouse, self.ds_cfg, self.day, config.blue_green)
        failures = list(comparison.failures)
        if scored[1] < scored[0]:
            failures.insert(0, f"the green slot scored {scored[1]:,} of the {scored[0]:,} transactions of {self.day}")
        if failures:
            reason = f"green {slot.version} not switched to: " + "; ".join(failures)
            outcome = _outcome("reject", slot, self.day, reason, comparison=comparison.to_dict())
            return self._apply(slot, outcome, [], [Move("remove", "green", None, slot.version, None)])
        reason = f"blue/green switch to {slot.version}: {comparison.line()}"
        outcome = _outcome("switch", slot, self.day, reason, comparison=comparison.to_dict())
        return self._promote(slot, champion, config, outcome, "green")

    def _watch(self, slot: Slot, champion: Slot, config: ReleaseConfig, started_on: date,
               scored: tuple[int, int]) -> dict[str, Any]:
        judgement = judge_slot(self.warehouse, self.ds_cfg, self.day, "champion", champion.version,
                               score_side=config.score_alert_side, champion=slot.version)
        checks = [c.line() for c in judgement.checks]
        failures = judgement.failures(config.rollback_on)
        if failures:
            reason = (f"automatic rollback of champion {champion.version} to standby {slot.version} on {self.day}: "
                      + "; ".join(c.line() for c in failures))
            outcome = _outcome("rollback", slot, self.day, reason, checks=checks, rolled_back=champion.version)
            changes = [RoleChange(champion.version, "champion", ROLLED_BACK, False),
                       RoleChange(slot.version, "standby", "champion", True)]
            if scored[1] < scored[0]:  # the standby did not score the whole batch: the day stays decided as it is
                changes, outcome["reason"] = [], reason + f" (the standby scored {scored[1]:,} of {scored[0]:,} " \
                    f"transactions of {self.day}: that batch's decisions stay the rolled-back champion's)"
            moves = [Move("rollback", "champion", slot.version, champion.version, None),
                     Move("remove", "standby", None, slot.version, None)]
            return self._apply(slot, outcome, changes, moves)
        watched = (date.fromisoformat(self.day) - started_on).days + 1
        if watched < config.watch_days:
            return _outcome("hold", slot, self.day, f"champion {champion.version} watched {watched} of "
                            f"{config.watch_days} days, standby {slot.version} warm", checks=checks)
        outcome = _outcome("released", slot, self.day, f"champion {champion.version} in control for "
                           f"{config.watch_days} days: standby {slot.version} let go", checks=checks)
        return self._apply(slot, outcome, [], [Move("remove", "standby", None, slot.version, None)])


def release_step(registry: Any, warehouse: Any, ds_cfg: Any, plan: ScorePlan, *, actor: str) -> dict[str, Any]:
    """Run the day's release step (see :class:`ReleaseStep`); returns a small JSON outcome."""
    return ReleaseStep(registry, warehouse, ds_cfg, plan, actor=actor).run()
