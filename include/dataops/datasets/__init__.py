"""Dataset configuration: one YAML file per dataset describes its landing contract and its model features.

A new dataset is configuration (a YAML here), dbt models and a GX suite, not new Python.
"""

from dataops.datasets.config import ColumnSpec, DatasetConfig, FeatureSpec, list_datasets, load_dataset

__all__ = ["ColumnSpec", "DatasetConfig", "FeatureSpec", "list_datasets", "load_dataset"]
