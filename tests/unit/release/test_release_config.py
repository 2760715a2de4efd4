"""The release configuration: the dataset YAML's ``promotion.release`` and a run's overrides."""

from __future__ import annotations

import pytest

from dataops.release.config import CanaryStep, ReleaseConfig


def test_defaults_are_today_s_direct_promotion_with_a_three_step_canary_ready():
    config = ReleaseConfig.from_dict(None)
    assert config.strategy == "direct"
    assert [(s.share, s.days) for s in config.canary] == [(0.05, 2), (0.25, 2), (1.0, 2)]
    assert config.canary_days == 6 and config.rollback_on == ("critical",)


def test_the_yaml_form_round_trips_through_the_alias_move_record():
    raw = {"strategy": "canary", "canary": [{"share": 0.1, "days": 1}, {"share": 1.0, "days": 3}],
           "blue_green": {"max_score_psi": 0.1, "max_flag_rate_ratio": 1.5, "min_agreement": 0.99},
           "watch_days": 2, "rollback_on": ["critical", "warning"], "shadow_days": 4}
    config = ReleaseConfig.from_dict(raw)
    assert config.canary == (CanaryStep(0.1, 1), CanaryStep(1.0, 3)) and config.canary_days == 4
    assert ReleaseConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(("raw", "message"), [
    ({"strategy": "big_bang"}, "not one of direct, shadow, canary, blue_green"),
    ({"canary": [{"share": 0.05, "days": 2}]}, "ends with a step of share 1.0"),
    ({"canary": [{"share": 0.5, "days": 1}, {"share": 0.25, "days": 1}, {"share": 1.0, "days": 1}]},
     "only grow"),
    ({"canary": [{"share": 1.5, "days": 1}]}, "in (0, 1]"),
    ({"canary": [{"share": 1.0, "days": 0}]}, "at least one day"),
    ({"rollback_on": ["fatal"]}, "rollback_on takes critical, warning"),
    ({"strateg": "canary"}, "unknown key(s) strateg"),
])
def test_a_bad_release_section_names_what_is_wrong(raw, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ReleaseConfig.from_dict(raw)


def test_a_run_overrides_the_strategy_and_the_shadow_length_only():
    config = ReleaseConfig.from_dict({"strategy": "canary", "watch_days": 3})
    assert config.overridden() is config
    shadow = config.overridden(strategy="shadow", shadow_days=5)
    assert (shadow.strategy, shadow.shadow_days, shadow.watch_days) == ("shadow", 5, 3)


def test_the_dataset_file_carries_its_release_section(tmp_path, monkeypatch):
    from dataops.datasets import load_dataset

    text = (load_dataset.__globals__["_datasets_dir"]() / "transactions.yaml").read_text()
    assert "    strategy: direct" in text
    broken = text.replace("{share: 1.0, days: 2}]", "]", 1)  # a schedule that never reaches every transaction
    (tmp_path / "transactions.yaml").write_text(broken)
    monkeypatch.setenv("DATAOPS_DATASETS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="dataset 'transactions': promotion.release: a canary schedule ends"):
        load_dataset("transactions")
