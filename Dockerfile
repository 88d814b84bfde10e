# One image for every dirbolt process: Dagster webserver, daemon, code server, run
# workers, the brain service and the sandbox. Chromium comes from Debian.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV DIRBOLT_CHROMIUM_PATH=/usr/bin/chromium \
    DAGSTER_HOME=/opt/dagster/home \
    CREWAI_DISABLE_TELEMETRY=true \
    OTEL_SDK_DISABLED=true \
    PYTHONUNBUFFERED=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY dirbolt_core ./dirbolt_core
COPY dirbolt_dagster ./dirbolt_dagster
COPY dirbolt_sandbox ./dirbolt_sandbox
COPY dirbolt_cli ./dirbolt_cli
COPY sql ./sql
COPY workspace.yaml dagster.yaml deploy ./
RUN pip install --no-cache-dir -e . \
    && mkdir -p "$DAGSTER_HOME" \
    && cp dagster.yaml "$DAGSTER_HOME/dagster.yaml"
