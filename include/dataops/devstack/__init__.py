"""The embedded default stack for one machine: S3 endpoint, SMTP sink and Airflow on 127.0.0.1.

All state lives under one git-ignored folder (``.local/`` in the checkout). The stack is started and
stopped by ``python -m dataops.devstack up|down|demo`` (what ``make up``, ``make down`` and ``make demo`` call).
"""
