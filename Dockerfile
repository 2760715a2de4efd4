# The DataOps suite image: the official Airflow image extended with the project's pinned dependencies and
# the project itself (https://airflow.apache.org/docs/docker-stack/build.html, "Extending the image").
# Used by every Airflow service in docker-compose.yaml and, as `dataops-suite:latest`, by the training
# containers the Innovation pipeline starts with DockerOperator (`python -m dataops ...`).
FROM apache/airflow:3.3.2-python3.11

# Install as the airflow user, as the official docs require (never as root: it breaks the image's
# user-level installation). apache-airflow is listed explicitly so pip can never up/downgrade Airflow.
USER airflow
WORKDIR /opt/airflow

COPY --chown=airflow:root requirements.txt constraints.txt /opt/airflow/
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        -r /opt/airflow/requirements.txt --constraint /opt/airflow/constraints.txt

# The project, laid out as in the repository so docker-compose.yaml can mount the same folders over it.
# plugins/ holds the dataops_airflow package, so it is needed to install the project (pyproject.toml).
COPY --chown=airflow:root pyproject.toml /opt/airflow/pyproject.toml
COPY --chown=airflow:root include/ /opt/airflow/include/
COPY --chown=airflow:root plugins/ /opt/airflow/plugins/
COPY --chown=airflow:root dags/ /opt/airflow/dags/
COPY --chown=airflow:root dbt_project/ /opt/airflow/dbt_project/
COPY --chown=airflow:root expectations/ /opt/airflow/expectations/

# Editable: the packages resolve to /opt/airflow/include and /opt/airflow/plugins, so the compose bind
# mounts of those folders are the code that runs; without mounts the copies above are used.
RUN pip install --no-cache-dir --no-deps -e /opt/airflow

# Fail the build, not the first DAG run, if something the stack relies on is missing: the project
# packages, the providers the base image ships (celery, fab) and what requirements.txt adds.
RUN python -c "import dataops, dataops_airflow, cosmos, dbt.adapters.postgres, airflow.providers.celery, \
airflow.providers.fab, airflow.providers.docker, airflow.providers.amazon, airflow.providers.postgres, \
airflow.providers.smtp"

# Model provenance (dataops.registry.provenance.code_revision); there is no .git inside the image.
ARG DATAOPS_CODE_REVISION=unknown
ENV DATAOPS_CODE_REVISION=${DATAOPS_CODE_REVISION}
ENV DBT_PROFILES_DIR=/opt/airflow/dbt_project
