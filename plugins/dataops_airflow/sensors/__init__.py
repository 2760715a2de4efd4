from dataops_airflow.sensors.landed_batch import LandedBatchSensor

__all__ = ["LandedBatchSensor"]
