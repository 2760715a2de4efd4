"""Model registry: LightGBM artifacts in S3 (SHA-256 verified), metadata, aliases and decisions in SQL.

Scoring needs only::

    registry = ModelRegistry(engine, s3_client, model_name="transactions")
    model = registry.load("champion")          # LoadedModel | None
    scores = model.predict_proba(frame)        # same categorical encoding as training
"""

from dataops.registry.aliases import ANY, AliasMove
from dataops.registry.errors import (
    ArtifactIntegrityError,
    ConcurrentAliasUpdate,
    NoPreviousVersion,
    RegistryError,
    VersionNotFound,
)
from dataops.registry.features import EncodedFeature, FeatureEncoder
from dataops.registry.loaded_model import LoadedModel
from dataops.registry.registry import ModelRegistry

__all__ = [
    "ANY",
    "AliasMove",
    "ArtifactIntegrityError",
    "ConcurrentAliasUpdate",
    "EncodedFeature",
    "FeatureEncoder",
    "LoadedModel",
    "ModelRegistry",
    "NoPreviousVersion",
    "RegistryError",
    "VersionNotFound",
]
