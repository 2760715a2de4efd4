from dataops_airflow.hooks.registry import RegistryHook
from dataops_airflow.hooks.warehouse import WarehouseHook

__all__ = ["RegistryHook", "WarehouseHook"]
