"""Stable feature encoding shared by training and scoring (stored as ``features.json``).

Numeric features are cast to float64. A categorical feature is encoded as the index of its value in the
list of levels seen in training (sorted, stored in ``features.json``); a value not seen in training, or a
missing value, becomes NaN, which LightGBM treats as missing. The same file drives the encoding at scoring
time, so a model always sees the codes it was trained with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

FORMAT = "dataops.features/v1"
ENCODING_NOTE = "categorical code = index of the value in `levels`; unseen or missing values -> NaN (missing)"


@dataclass(frozen=True)
class EncodedFeature:
    """One model input column.

    :param name: column name in the feature table.
    :param type: ``numeric`` or ``categorical``.
    :param levels: training levels of a categorical feature (None for numeric ones).
    """

    name: str
    type: str
    levels: tuple[str, ...] | None = None


class FeatureEncoder:
    """Turn a feature frame into the float matrix a booster was trained on.

    :param features: the model's inputs, in model column order.
    """

    def __init__(self, features: Sequence[EncodedFeature]) -> None:
        for f in features:
            if f.type not in ("numeric", "categorical"):
                raise ValueError(f"feature {f.name!r}: type must be numeric or categorical, got {f.type!r}")
            if f.type == "categorical" and f.levels is None:
                raise ValueError(f"categorical feature {f.name!r} has no levels")
        self.features = tuple(features)

    @property
    def names(self) -> list[str]:
        """Feature names in model column order."""
        return [f.name for f in self.features]

    @property
    def categorical_names(self) -> list[str]:
        """Names of the categorical features."""
        return [f.name for f in self.features if f.type == "categorical"]

    @classmethod
    def fit(cls, frame: pd.DataFrame, numeric: Iterable[str], categorical: Iterable[str],
            order: Sequence[str] | None = None) -> FeatureEncoder:
        """Learn categorical levels from the training frame.

        :param frame: training rows.
        :param numeric: numeric feature names.
        :param categorical: categorical feature names.
        :param order: model column order (default: numeric then categorical).
        """
        numeric, categorical = list(numeric), list(categorical)
        order = list(order) if order is not None else numeric + categorical
        missing = [c for c in order if c not in frame.columns]
        if missing:
            raise KeyError(f"training frame lacks feature columns {missing}")
        specs = []
        for name in order:
            if name in categorical:
                values = _as_text(frame[name]).dropna().unique()
                specs.append(EncodedFeature(name, "categorical", tuple(sorted(str(v) for v in values))))
            elif name in numeric:
                specs.append(EncodedFeature(name, "numeric"))
            else:
                raise ValueError(f"feature {name!r} is neither numeric nor categorical")
        return cls(specs)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode ``frame`` to a float64 matrix (rows x features, model column order).

        :param frame: rows holding at least the model's feature columns.
        :raises KeyError: a feature column is missing (the message lists them).
        """
        missing = [n for n in self.names if n not in frame.columns]
        if missing:
            raise KeyError(f"frame lacks the model's feature columns {missing}")
        out = np.empty((len(frame), len(self.features)), dtype=np.float64)
        for j, f in enumerate(self.features):
            col = frame[f.name]
            if f.type == "numeric":
                out[:, j] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                codes = pd.Categorical(_as_text(col), categories=list(f.levels or ())).codes.astype(np.float64)
                codes[codes < 0] = np.nan
                out[:, j] = codes
        return out

    def to_dict(self) -> dict:
        """The ``features.json`` document."""
        return {
            "format": FORMAT,
            "encoding": ENCODING_NOTE,
            "features": [
                {"name": f.name, "type": f.type, **({"levels": list(f.levels)} if f.levels is not None else {})}
                for f in self.features
            ],
        }

    @classmethod
    def from_dict(cls, doc: Mapping) -> FeatureEncoder:
        """Rebuild an encoder from a ``features.json`` document.

        :raises ValueError: unknown format.
        """
        if doc.get("format") != FORMAT:
            raise ValueError(f"features.json format {doc.get('format')!r} is not {FORMAT!r}")
        return cls([
            EncodedFeature(f["name"], f["type"], tuple(f["levels"]) if f.get("levels") is not None else None)
            for f in doc["features"]
        ])


def _as_text(col: pd.Series) -> pd.Series:
    """Categorical values as strings, keeping missing values missing."""
    return col.astype("string")
