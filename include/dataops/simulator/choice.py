"""Vectorised weighted choice within groups (e.g. "a terminal of this country, by popularity")."""

from __future__ import annotations

import numpy as np


class GroupedChooser:
    """Draw items of a requested group, weighted within the group, for many draws at once.

    :param items: item indices (e.g. terminal numbers).
    :param groups: group of each item, integers in ``[0, n_groups)``.
    :param n_groups: number of groups.
    :param weights: relative weight of each item within its group (uniform when omitted).
    """

    def __init__(
        self, items: np.ndarray, groups: np.ndarray, n_groups: int, weights: np.ndarray | None = None
    ) -> None:
        items = np.asarray(items, dtype=np.int64)
        groups = np.asarray(groups, dtype=np.int64)
        order = np.lexsort((items, groups))
        self._items = items[order]
        g = groups[order]
        self.counts = np.bincount(g, minlength=n_groups)
        self._starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])
        self._uniform = weights is None
        if self._uniform:
            return
        w = np.asarray(weights, dtype=float)[order]
        group_total = np.bincount(g, weights=w, minlength=n_groups)
        within = np.cumsum(w) - np.repeat(np.cumsum(group_total) - group_total, self.counts)
        # Cumulative weight mapped to [group, group + 1): one searchsorted serves all groups.
        self._cum = g + within / np.where(group_total[g] > 0, group_total[g], 1.0)

    def has(self, groups: np.ndarray) -> np.ndarray:
        """Whether each requested group has at least one item."""
        return self.counts[np.asarray(groups, dtype=np.int64)] > 0

    def draw(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        """One item per requested group; ``-1`` where the group is empty.

        :param rng: random generator.
        :param groups: requested group per draw.
        """
        groups = np.asarray(groups, dtype=np.int64)
        u = rng.random(len(groups))
        if len(self._items) == 0:
            return np.full(len(groups), -1, dtype=np.int64)
        lo = self._starts[groups]
        hi = lo + self.counts[groups] - 1
        if self._uniform:
            pos = lo + np.floor(u * self.counts[groups]).astype(np.int64)
        else:
            pos = np.searchsorted(self._cum, groups + u, side="right")
        pos = np.clip(pos, lo, np.maximum(hi, lo))
        out = self._items[np.minimum(pos, len(self._items) - 1)]
        return np.where(self.counts[groups] > 0, out, -1)


def fill_missing(primary: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``primary`` with its ``-1`` entries replaced by ``fallback``."""
    return np.where(primary >= 0, primary, fallback)


def weighted_choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(len(weights), size=size, p=weights)``, drawn the same (the same uniforms, the same result),
    faster on large populations: the uniforms are looked up in the cumulative weights in sorted order, so the
    search walks the table once instead of jumping across it for every draw (10 million draws among 6.7
    million customers: 1.7 s instead of 9.9 s).

    :param rng: the generator (advanced exactly as ``rng.choice`` would advance it).
    :param weights: probabilities summing to 1.
    :param size: number of draws.
    """
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    uniforms = rng.random(size)
    order = np.argsort(uniforms, kind="stable")
    out = np.empty(size, dtype=np.int64)
    out[order] = cdf.searchsorted(uniforms[order], side="right")
    return out
