"""A registered model loaded for scoring."""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from dataops.registry.errors import RegistryError
from dataops.registry.features import FeatureEncoder


@dataclass
class LoadedModel:
    """A booster plus the feature encoding it was trained with.

    :param model_name: registry model name.
    :param version: registry version (what goes into ``predictions.model_version``).
    :param booster: the LightGBM booster rebuilt from its native text format.
    :param encoder: the categorical/numeric encoding stored in ``features.json``.
    :param documents: the version's JSON artifacts (``training.json``, ``params.json``, ...) by file name.
    """

    model_name: str
    version: str
    booster: lgb.Booster
    encoder: FeatureEncoder
    documents: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        booster_names = list(self.booster.feature_name())
        if booster_names != self.encoder.names:
            raise RegistryError(
                f"model {self.model_name} {self.version}: booster features {booster_names} do not match "
                f"features.json {self.encoder.names}"
            )

    @classmethod
    def from_text(cls, model_name: str, version: str, model_text: str, encoder: FeatureEncoder,
                  documents: dict[str, dict] | None = None) -> LoadedModel:
        """Build from the native LightGBM text format (never pickle)."""
        return cls(model_name, version, lgb.Booster(model_str=model_text), encoder, dict(documents or {}))

    @property
    def features(self) -> list[str]:
        """Input feature names, in model column order."""
        return self.encoder.names

    @property
    def categorical_features(self) -> list[str]:
        """The categorical inputs (encoded with the training levels)."""
        return self.encoder.categorical_names

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Fraud probability of each row (1-D float array, probability of the positive class).

        :param frame: rows holding the feature columns (other columns are ignored).
        """
        if len(frame) == 0:
            return np.empty(0, dtype=np.float64)
        return np.asarray(self.booster.predict(self.encoder.transform(frame)), dtype=np.float64)
