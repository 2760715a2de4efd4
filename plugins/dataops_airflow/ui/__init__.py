"""The DataOps reports app of the Airflow API server (``/dataops``) and the extra links pointing to it.

:mod:`.app` is a small FastAPI app, server-side responses only; every route needs a caller the Airflow auth
manager accepts (:mod:`.auth`). The path and report resolution is the core's (:mod:`dataops.weblinks`).
"""
