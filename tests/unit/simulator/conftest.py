"""Fixtures of the simulator tests: small worlds, shared per session (the population is built once)."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

from dataops.simulator import SimConfig, Simulator


@pytest.fixture(scope="session")
def small_config() -> SimConfig:
    return SimConfig(seed=11, tx_per_day=3000)


@pytest.fixture(scope="session")
def small_sim(small_config) -> Simulator:
    return Simulator(small_config)


@pytest.fixture(scope="session")
def busy_sim() -> Simulator:
    """Enough volume for stable fraud statistics (20k rows a day, 2000 terminals)."""
    return Simulator(SimConfig(seed=5, tx_per_day=20_000))


def read_gz_csv(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, parsed rows and raw data lines of a gzipped CSV part."""
    text = gzip.decompress(data).decode("utf-8")
    lines = text.splitlines()
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:], lines[1:]


@pytest.fixture(scope="session")
def read_part():
    """``read_part(gz_bytes) -> (header, rows, raw_lines)``."""
    return read_gz_csv
