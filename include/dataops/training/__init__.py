"""Training: matured point-in-time training sets, deterministic LightGBM, artifacts for the registry."""

from dataops.training.dataset import TrainingSet, Window, build_training_set, training_windows
from dataops.training.params import DEFAULT_PARAMS, DEFAULT_TRAINING, load_params_file, resolve_params
from dataops.training.pipeline import (
    TrainingRun,
    build_artifacts,
    summarize,
    train_and_register,
    training_result,
)
from dataops.training.trainer import TrainedModel, train_model

__all__ = [
    "DEFAULT_PARAMS",
    "DEFAULT_TRAINING",
    "TrainedModel",
    "TrainingRun",
    "TrainingSet",
    "Window",
    "build_artifacts",
    "build_training_set",
    "load_params_file",
    "resolve_params",
    "summarize",
    "train_and_register",
    "train_model",
    "training_result",
    "training_windows",
]
