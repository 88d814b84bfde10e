"""The run coordinator of dirbolt's Dagster instances (dagster.yaml, dagster.dev.yaml).

Dagster's QueuedRunCoordinator, plus one thing: before a run of `submit_job` is queued, the job's tags
(tier for the per-tier limits, run priority, job id, customer, business) are derived from its partition
key and set on the run. Every launch path goes through the coordinator (the sensor, Materialize on the
asset page, a backfill, a re-execution, `dagster job launch` / `asset materialize` against the instance),
so none of them skips the limits. Runs in the webserver's and the daemon's processes: it reads the job
from the system of record (DIRBOLT_DATABASE_URL)."""

from __future__ import annotations

import logging
import threading

from dagster._core.run_coordinator import QueuedRunCoordinator, SubmitRunContext
from dagster._core.storage.dagster_run import DagsterRun

from dirbolt_core.db.store import Store
from dirbolt_core.settings import get_settings
from dirbolt_dagster.tags import PARTITION_TAG, job_run_tags

log = logging.getLogger(__name__)
JOB_NAME = "submit_job"


class DirboltRunCoordinator(QueuedRunCoordinator):
    """QueuedRunCoordinator that tags every run of a job from its partition before queueing it."""

    _store: Store | None = None
    _lock = threading.Lock()

    def _job_store(self) -> Store | None:
        with self._lock:
            if self._store is None:
                url = get_settings().database_url
                if url is None:
                    return None
                self._store = Store(url.get_secret_value(), min_size=0, max_size=2)
            return self._store

    def _tags_for(self, run: DagsterRun) -> dict[str, str]:
        partition = run.tags.get(PARTITION_TAG)
        if run.job_name != JOB_NAME or not partition:
            return {}
        store = self._job_store()
        if store is None:
            log.warning("run %s: no DIRBOLT_DATABASE_URL, its job's tags cannot be derived", run.run_id)
            return {}
        try:
            job = store.jobs.get(partition)
        except Exception as exc:
            log.warning("run %s: job %s not readable (%s); queued without its tags", run.run_id, partition, exc)
            return {}
        return job_run_tags(job) if job is not None else {}

    def submit_run(self, context: SubmitRunContext) -> DagsterRun:
        run = context.dagster_run
        wanted = self._tags_for(run)
        missing = {k: v for k, v in wanted.items() if run.tags.get(k) != v}
        if missing:
            self._instance.add_run_tags(run.run_id, missing)
            reloaded = self._instance.get_run_by_id(run.run_id)
            if reloaded is not None:
                context = SubmitRunContext(reloaded, context.workspace)
        return super().submit_run(context)
