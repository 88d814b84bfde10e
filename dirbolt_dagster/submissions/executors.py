"""Where a run's steps execute: Dagster's own executors, chosen by DIRBOLT_STEP_EXECUTOR.

- `in_process` (default): every step in the run's process, one after the other (one host).
- `celery`: each step is a Celery task on RabbitMQ, taken by `dagster-celery` workers on any host
  (deploy/docker-compose.workers.yml, deploy/celery/worker.yaml).
- `k8s`: each step is a Kubernetes job (dagster-k8s; runs launched by the K8sRunLauncher,
  deploy/helm/values.yaml).
- `ecs`: each step is an ECS task (dagster-aws; runs launched by the EcsRunLauncher,
  deploy/ecs/dagster.yaml).

The shards of a job's submissions are separate steps, so with any executor but the first they
spread over hosts. Nothing dirbolt-specific dispatches anything: claims, pacing and heartbeats in
PostgreSQL are what make it safe for steps to land anywhere.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from dirbolt_core.settings import Settings

# The Celery app settings the run's executor and every worker must share (the workers read them
# from deploy/celery/worker.yaml; a test keeps both equal).
CELERY_APP_SETTINGS: dict[str, Any] = {
    # A step's task is acknowledged when the step is done, not when a worker takes it: if the
    # worker's host dies, RabbitMQ hands the task to another worker, which finishes the shard
    # (the dead worker's unpressed rows are reclaimed through its lost lease).
    "task_acks_late": True,
    # The same when only the worker's child process dies (OOM killer, a crash in Chromium's driver).
    "task_reject_on_worker_lost": True,
    # One step at a time per worker process: the next shard stays on the queue for another host.
    "worker_prefetch_multiplier": 1,
}


def celery_executor_config(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {"backend": settings.celery_backend_url, "config_source": dict(CELERY_APP_SETTINGS)}
    if settings.celery_broker_url is not None:
        # Read by Dagster when the run starts; the URL (with its password) never shows in the UI.
        config["broker"] = {"env": "DIRBOLT_CELERY_BROKER_URL"}
    return config


def step_executor(settings: Settings) -> dg.ExecutorDefinition:
    if settings.step_executor == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(celery_executor_config(settings), name="celery")
    if settings.step_executor == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    if settings.step_executor == "ecs":
        from dagster_aws.ecs import ecs_executor

        return ecs_executor
    return dg.in_process_executor
