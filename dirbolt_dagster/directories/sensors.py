"""Probing what an import brought: directories never probed are probed soon, so plans can use them."""

import hashlib

import dagster as dg

from dirbolt_dagster.directories.assets import ReadinessConfig, directory_readiness_job
from dirbolt_dagster.resources import StoreResource


@dg.sensor(job=directory_readiness_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Probes directories an import brought (never probed), so plans can use them.")
def unprobed_directories_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    ids = store.store.directories.due_for_probe()
    if not ids:
        return dg.SkipReason("every active directory has been probed")
    key = hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=f"unprobed-{key}",
                         run_config=dg.RunConfig(ops={"directory_readiness": ReadinessConfig(directory_ids=ids)}))
