from dataops_airflow.hooks.warehouse import WarehouseHook

__all__ = ["WarehouseHook"]
