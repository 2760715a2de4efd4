"""Release strategies for batch models: direct, shadow, canary and blue/green, with automatic rollback.

- :mod:`~dataops.release.config`: a dataset's strategy (``promotion.release`` in its YAML);
- :mod:`~dataops.release.start`: the Innovation Pipeline starts a release;
- :mod:`~dataops.release.plan`: who scores a batch and who decides which transaction;
- :mod:`~dataops.release.step`: the Value Pipeline's daily step (hold, promote, switch, roll back);
- :mod:`~dataops.release.judge`, :mod:`~dataops.release.decisions`: judging a slot, moving a day's decisions.

Only the configuration is imported here: the dataset files (read when a DAG file is parsed) name it, and it
imports nothing heavy.
"""

from dataops.release.config import BlueGreenLimits, CanaryStep, ReleaseConfig

__all__ = ["BlueGreenLimits", "CanaryStep", "ReleaseConfig"]
