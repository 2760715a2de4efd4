"""Batch scoring of a day's features with a registered model, in bounded-memory chunks."""

from dataops.scoring.batch import ScoreReport, score_batch

__all__ = ["ScoreReport", "score_batch"]
