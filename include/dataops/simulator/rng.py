"""Deterministic random streams.

Every random draw comes from a generator derived from ``(seed, day, stream name)``, so a day generated
alone equals the same day generated inside a range, and the fraud of a day can be regenerated without
regenerating its bulk of legitimate transactions.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np


def _stream_code(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def day_rng(seed: int, day: dt.date, stream: str) -> np.random.Generator:
    """Generator for one named stream of one day.

    :param seed: simulation seed.
    :param day: calendar day.
    :param stream: stream name, e.g. ``"bulk"`` or ``"card_events"``.
    """
    return np.random.default_rng(np.random.SeedSequence([seed, day.toordinal(), _stream_code(stream)]))


def static_rng(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """Generator for day-independent draws (the population).

    :param seed: simulation seed.
    :param stream: stream name.
    :param keys: further integers the draws depend on (e.g. population sizes).
    """
    return np.random.default_rng(np.random.SeedSequence([seed, 0, _stream_code(stream), *keys]))
