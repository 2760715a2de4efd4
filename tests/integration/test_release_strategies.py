"""Release strategies with real models on the simulator's concept drift: canary, automatic rollback, blue/green.

A champion trained before the drift scores the days after it, its score metrics judged and recorded by the
post-score gate day by day (the history a release is judged against). A challenger trained on post-drift data
is then released three ways, each batch going through what the Value Pipeline's ``score`` group runs: the score
plan read once, every slot scoring the whole batch, the release step, then the champion's post-score gate:

- canary 5 % -> 25 % -> 100 % (two days each), ending as champion with the old one warm as ``standby``;
- a miscalibrated copy of the challenger (its first tree's leaves raised by 8 logits: a calibration offset gone
  wrong) as canary: rolled back automatically on its first day, its 5 % handed back to the champion;
- blue/green: one batch in the green slot, one switch, one step back.

On every batch, every transaction has exactly one deciding row, and its model is the one the plan named.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.release_models import miscalibrated

pytestmark = pytest.mark.slow

START = date(2026, 1, 5)
WINDOWS = {"train_days": 14, "valid_days": 5, "holdout_days": 5}
TRAIN_END = START + timedelta(days=24)  # the champion's windows end here: it never sees the drift
DRIFT = START + timedelta(days=26)
RELEASE = TRAIN_END + timedelta(days=21)  # first batch of a release: 21 days of champion history before it
LABEL_CAP_DAYS = 7
DAYS = (RELEASE - START).days + 9 + LABEL_CAP_DAYS
TX_PER_DAY = 1000
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "release" / "release-strategies.txt"


def _day(offset: int) -> str:
    return (RELEASE + timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
def world(tmp_path_factory, s3_endpoint):
    """Simulated days landed, ingested and transformed; champion, challenger and a miscalibrated challenger
    registered; the champion's post-score history from the end of its training to the day before RELEASE."""
    import boto3
    from sqlalchemy import create_engine

    from dataops.backfill import dbt_build_all, ingest_history
    from dataops.datasets import load_dataset
    from dataops.quality.gate import run_gate
    from dataops.registry import ModelRegistry
    from dataops.scoring import score_batch
    from dataops.simulator.cli import main as simulate
    from dataops.training.pipeline import train_and_register
    from dataops.warehouse import WarehouseLocation, open_warehouse

    root = tmp_path_factory.mktemp("release")
    bucket = "landing-release"
    assert simulate(["land", "--start", START.isoformat(), "--days", str(DAYS), "--tx-per-day", str(TX_PER_DAY),
                     "--seed", "23", "--epoch", START.isoformat(), "--label-delay-cap-days", str(LABEL_CAP_DAYS),
                     "--label-delay-median-days", "3", "--endpoint-url", s3_endpoint, "--bucket", bucket,
                     "--fault", f"{DRIFT.isoformat()}:concept_drift"]) == 0
    location = WarehouseLocation.duckdb(root / "warehouse.duckdb")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    cfg = load_dataset("transactions")
    ingest_history(s3, bucket, cfg, [(START + timedelta(days=i)).isoformat() for i in range(DAYS)], location)
    dbt_build_all(Path(__file__).resolve().parents[2] / "dbt_project", location, target_path=root / "dbt-target")
    if "models-release" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket="models-release")
    registry = ModelRegistry(create_engine(f"sqlite:///{root / 'registry.sqlite'}"), s3, model_name="transactions",
                             bucket="models-release")

    def train(windows_end: date, params=None) -> str:
        return train_and_register(location.engine(), registry, cfg, created_by="test", params=params, **WINDOWS,
                                  cutoff=windows_end + timedelta(days=cfg.label_maturity_days)).version

    versions = {"champion": train(TRAIN_END), "challenger": train(RELEASE - timedelta(days=1))}
    versions["miscalibrated"] = miscalibrated(registry, versions["challenger"])
    registry.promote(versions["champion"], actor="test", reason="trained before the drift")
    champion = registry.load_version(versions["champion"])
    scores = _score_gate("transactions")
    day = TRAIN_END
    while day < RELEASE:
        score_batch(location, cfg, day.isoformat(), champion)
        run_gate(location, "transactions", day.isoformat(), stage="post_score", config=scores,
                 docs_dir=root / "docs")
        day += timedelta(days=1)
    return {"root": root, "warehouse": open_warehouse(location), "location": location, "cfg": cfg,
            "registry": registry, "versions": versions, "models": {}, "scores": scores}


def _score_gate(dataset: str):
    """The post-score gate of the dataset's metrics file, its score metrics only (the mean score and the flag
    rate a release is judged on; the feature-drift metrics are not this test's)."""
    from dataclasses import replace

    from dataops.quality.config import load_quality_config
    from dataops.release.judge import SCORE_KINDS

    qcfg = load_quality_config(dataset)
    return replace(qcfg, metrics=tuple(m for m in qcfg.metrics if m.kind in SCORE_KINDS))


def _reset(world) -> None:
    """The champion trained before the drift, no release in progress."""
    registry, champion = world["registry"], world["versions"]["champion"]
    with registry.transaction(actor="test") as tx:
        for alias, version in registry.aliases().items():
            if alias != "champion":
                tx.remove(alias, reason="test reset", expected_version=version)
        if registry.get_alias_version("champion") != champion:
            tx.set("champion", champion, reason="test reset")


def _start(world, strategy: str, version: str) -> None:
    from dataops.release.config import BlueGreenLimits, ReleaseConfig
    from dataops.release.start import start_release

    registry = world["registry"]
    # this world's champion flags ~7 % of the post-drift transactions, the challenger ~2 %: 1 in 12 decided
    # differently, the score distributions far apart (PSI ~0.55); the switch checks the green slot flags no
    # more than twice as often and decides 85 % of the transactions alike
    limits = BlueGreenLimits(max_score_psi=1.0, max_flag_rate_ratio=2.0, min_agreement=0.85)
    config = ReleaseConfig(strategy=strategy, blue_green=limits)
    start_release(registry, version, config, actor="test", reason=f"{strategy} test",
                  expected_champion=registry.get_alias_version("champion"), started_on=RELEASE)


def _batch(world, offset: int) -> dict:
    """One batch as the Value Pipeline's score group runs it; returns what the test looks at."""
    from dataops.quality.gate import run_gate
    from dataops.release.decisions import deciding_rows
    from dataops.release.plan import plan_for
    from dataops.release.step import release_step
    from dataops.scoring import score_batch

    registry, day = world["registry"], _day(offset)
    plan = plan_for(registry, day)
    for slot in plan.slots:
        model = world["models"].setdefault(slot.version, registry.load_version(slot.version))
        score_batch(world["location"], world["cfg"], day, model, slot=slot)
    outcome = release_step(registry, world["warehouse"], world["cfg"], plan, actor="test")
    gate = run_gate(world["location"], "transactions", day, stage="post_score", config=world["scores"],
                    docs_dir=world["root"] / "docs")
    counts = deciding_rows(world["warehouse"], "transactions", day)
    rows = world["warehouse"].fetchone("SELECT count(*) FROM marts.fct_transaction_features "
                                       "WHERE batch_date = CAST(? AS DATE)", [day])[0]
    assert counts.get("1") == rows and not {k for k in counts if not k.startswith("version:")} - {"1"}, \
        (day, rows, counts)  # every transaction decided once: none twice, none left out
    by_version = {k.removeprefix("version:"): n for k, n in counts.items() if k.startswith("version:")}
    return {"day": day, "plan": plan, "outcome": outcome, "gate": gate.verdict, "rows": rows,
            "decided": by_version, "aliases": registry.aliases()}


def _report(name: str, batches: list[dict]) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"## {name}"]
    for b in batches:
        challenger = b["plan"].challenger
        slot = f"{challenger.role} {challenger.version} share {challenger.share:.0%}" if challenger else "-"
        decided = ", ".join(f"{v} {n:,}" for v, n in sorted(b["decided"].items()))
        lines.append(f"{b['day']}: {slot}; step {b['outcome']['action']}; decided by {decided} "
                     f"of {b['rows']:,}; post-score gate {b['gate']}")
        lines += [f"    {c}" for c in b["outcome"].get("checks", [])]
        if b["outcome"]["action"] not in ("hold", "none"):
            lines.append(f"    {b['outcome']['reason']}")
    with REPORT.open("a") as f:
        f.write("\n".join(lines) + "\n\n")


def test_a_better_challenger_goes_through_canary_5_25_100_and_ends_as_champion(world):
    _reset(world)
    champion, challenger = world["versions"]["champion"], world["versions"]["challenger"]
    _start(world, "canary", challenger)
    batches = [_batch(world, i) for i in range(6)]
    _report("canary of the post-drift challenger", batches)
    assert [(b["plan"].challenger.share, b["outcome"]["action"]) for b in batches] == [
        (0.05, "hold"), (0.05, "hold"), (0.25, "hold"), (0.25, "hold"), (1.0, "hold"), (1.0, "promote")], \
        [b["outcome"]["reason"] for b in batches]
    for b in batches[:-1]:
        share = b["decided"].get(challenger, 0) / b["rows"]
        assert abs(share - b["plan"].challenger.share) < 0.05, (b["day"], share)  # ~3.5 sd of ~1,000 draws
    assert batches[-1]["decided"] == {challenger: batches[-1]["rows"]}
    assert world["registry"].aliases() == {"champion": challenger, "standby": champion}
    watched = _batch(world, 6)  # the new champion under watch, the old one scoring warm beside it
    assert watched["plan"].challenger.role == "standby" and watched["outcome"]["action"] == "hold", watched["outcome"]
    assert watched["decided"] == {challenger: watched["rows"]}


def test_a_miscalibrated_canary_is_rolled_back_on_its_first_day(world):
    _reset(world)
    champion, bad = world["versions"]["champion"], world["versions"]["miscalibrated"]
    _start(world, "canary", bad)
    first = _batch(world, 0)
    _report("canary of a miscalibrated challenger", [first])
    assert first["outcome"]["action"] == "rollback", first["outcome"]
    assert "critical" in first["outcome"]["reason"], first["outcome"]["reason"]
    assert first["decided"] == {champion: first["rows"]}  # its 5 % handed back to the champion
    assert world["registry"].aliases() == {"champion": champion}
    removal = world["registry"].history("canary")[-1]
    assert removal["action"] == "remove" and removal["details"]["batch_date"] == first["day"], removal
    second = _batch(world, 1)
    assert second["plan"].challenger is None and second["decided"] == {champion: second["rows"]}


def test_blue_green_switches_in_one_step_and_switches_back_in_one_step(world):
    from dataops.release.rollback import rollback_champion

    _reset(world)
    champion, challenger = world["versions"]["champion"], world["versions"]["challenger"]
    _start(world, "blue_green", challenger)
    switched = _batch(world, 6)
    _report("blue/green of the post-drift challenger", [switched])
    assert switched["plan"].challenger.role == "green"
    assert switched["outcome"]["action"] == "switch", switched["outcome"]["reason"]
    assert switched["decided"] == {challenger: switched["rows"]}
    assert world["registry"].aliases() == {"champion": challenger, "standby": champion}
    move = rollback_champion(world["registry"], actor="oncall", reason="switch back to compare")
    assert (move.from_version, move.to_version) == (challenger, champion)
    assert world["registry"].aliases() == {"champion": champion}
    back = _batch(world, 7)
    assert back["plan"].challenger is None and back["decided"] == {champion: back["rows"]}
