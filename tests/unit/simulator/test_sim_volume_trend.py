"""The simulator's growing business: yearly growth, season and day-to-day noise of the volume."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from dataops.simulator import SimConfig, Simulator

EPOCH = dt.date(2026, 1, 1)


def test_default_volume_has_no_trend():
    cfg = SimConfig()
    assert {cfg.volume_factor(EPOCH + dt.timedelta(days=d)) for d in range(0, 400, 37)} == {1.0}


def test_growth_compounds_over_a_year_and_the_season_peaks_in_december():
    grow = SimConfig(epoch=EPOCH, volume_growth=0.4)
    assert grow.volume_factor(EPOCH) == pytest.approx(1.0)
    assert grow.volume_factor(EPOCH + dt.timedelta(days=365)) == pytest.approx(1.4, rel=1e-3)
    season = SimConfig(epoch=EPOCH, volume_season=0.15)
    assert season.volume_factor(dt.date(2026, 12, 15)) == pytest.approx(1.15, abs=1e-3)
    assert season.volume_factor(dt.date(2026, 6, 15)) == pytest.approx(0.85, abs=2e-3)


def test_noise_is_seeded_per_day_and_has_the_configured_spread():
    cfg = SimConfig(epoch=EPOCH, volume_noise=0.03)
    days = [EPOCH + dt.timedelta(days=d) for d in range(2000)]
    f = np.array([cfg.volume_factor(d) for d in days])
    assert f.mean() == pytest.approx(1.0, abs=0.003) and np.log(f).std() == pytest.approx(0.03, rel=0.08)
    assert cfg.volume_factor(days[5]) == SimConfig(epoch=EPOCH, volume_noise=0.03).volume_factor(days[5])


def test_the_landed_day_follows_the_growth():
    sim = Simulator(SimConfig(seed=3, tx_per_day=800, epoch=EPOCH, volume_growth=1.0))
    early = sim.transactions(dt.date(2026, 1, 5)).tx_index.size  # a Monday
    late = sim.transactions(dt.date(2026, 12, 28)).tx_index.size  # a Monday, ~1 year later
    assert late / early == pytest.approx(2.0, rel=0.08)
