"""Edited copies of a registered LightGBM model, registered as new versions: the bad challengers the release
tests roll back (the integration test with real data, the end-to-end test through the scheduler)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def edited_copy(registry: Any, version: str, edit: Callable[[list[float]], list[float]], created_by: str) -> str:
    """``version``'s artifacts with ``edit`` applied to the leaf values of its first tree, as a new version."""
    info = registry.get_version(version)
    files = {name: registry.read_artifact(version, name) for name in info["artifacts"]}
    lines = files["model.txt"].decode().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("leaf_value="))
    leaves = edit([float(v) for v in lines[first].removeprefix("leaf_value=").split()])
    lines[first] = "leaf_value=" + " ".join(repr(v) for v in leaves)
    lines = [line for line in lines if not line.startswith("tree_sizes=")]  # byte sizes of the unedited trees
    files["model.txt"] = ("\n".join(lines) + "\n").encode()
    return registry.register(files, created_by=created_by)


def miscalibrated(registry: Any, version: str, logits: float = 8.0) -> str:
    """Every leaf of the first tree raised by ``logits``: a calibration offset gone wrong (each score's odds
    multiplied by e^8, about 3,000)."""
    return edited_copy(registry, version, lambda leaves: [v + logits for v in leaves],
                       created_by=f"test: miscalibrated copy of {version}")


def defective(registry: Any, version: str) -> str:
    """Every leaf of the first tree NaN (a corrupt artifact): every score it gives is NaN."""
    return edited_copy(registry, version, lambda leaves: [float("nan")] * len(leaves),
                       created_by=f"test: defective copy of {version}")
