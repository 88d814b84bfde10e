import dagster as dg

from dirbolt_dagster.operations.assets import metric_assets, operator_metrics_job, operator_metrics_schedule
from dirbolt_dagster.operations.sensors import (
    deleted_runs_sensor,
    job_run_cancelled_sensor,
    job_run_failure_sensor,
    platform_health_sensor,
)

defs = dg.Definitions(assets=metric_assets, jobs=[operator_metrics_job], schedules=[operator_metrics_schedule],
                      sensors=[job_run_failure_sensor, job_run_cancelled_sensor, deleted_runs_sensor,
                               platform_health_sensor])
