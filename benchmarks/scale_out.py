"""Scale-out: one enterprise job through Dagster's Celery executor on 1 and on 2 worker hosts.

    .venv/bin/python benchmarks/scale_out.py [--mirrors 2] [--shard-size 15] [--rounds 2]

The job (the 15 fast sandbox sites and their mirrors 2..N: 15 x N directories) is cut into shards
of `--shard-size`; the run process (`dagster job execute`, as the code server starts a run) puts each
step on RabbitMQ (127.0.0.1:5672) and `dagster-celery` workers take them, each worker a separate
process tree standing in for a host (its own DAGSTER_HOME, its own Chromium; 5 pages at a time per
shard, as an enterprise job). With one worker the shards run one after the other; with two, side
by side. Workers start before the timing (hosts are up in production); the timing runs from the
run's launch to the job completed in PostgreSQL. The baseline is the one-worker figure of the same
run: ratios, not seconds, compare across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (
    Parts,
    accepted_names,
    business,
    create_jobs,
    load_average,
    local_parts,
    mirrored_sites,
    percentile,
    reset_sandbox,
)


def run_job(parts: Parts, *, workers: int, directories: int, shard_size: int, first: int, broker: str,
            instance_yaml: str) -> dict:
    import dagster as dg

    from dirbolt_core.db.store import Store
    from tests.celery_harness import celery_worker
    from tests.dagster_harness import BIN

    profile = business(40_000 + first)
    [job_id] = create_jobs(parts.database_url, [profile], package_size=directories)
    work = parts.work / f"workers-{workers}-{first}"
    run_home = work / "run" / "dagster_home"
    run_home.mkdir(parents=True)
    (run_home / "dagster.yaml").write_text(instance_yaml)
    with dg.DagsterInstance.from_config(str(run_home)) as instance:
        instance.add_dynamic_partitions("jobs", [str(job_id)])
    env = {**os.environ, "DIRBOLT_DATABASE_URL": parts.database_url, "DIRBOLT_STEP_EXECUTOR": "celery",
           "DIRBOLT_CELERY_BROKER_URL": broker, "DIRBOLT_SHARD_SIZE": str(shard_size),
           "DIRBOLT_ARTIFACTS_URI": str(parts.work / "artifacts")}
    with contextlib.ExitStack() as hosts:
        for i in range(workers):
            hosts.enter_context(celery_worker(f"host-{i + 1}", home=work / f"host-{i + 1}", env=env,
                                              instance_yaml=instance_yaml))
        started = time.monotonic()
        with open(work / "run.log", "ab") as log:
            code = subprocess.call([str(BIN / "dagster"), "job", "execute", "-m", "dirbolt_dagster.definitions",
                                    "-j", "submit_job", "--tags", json.dumps({"dagster/partition": str(job_id)})],
                                   env={**env, "DAGSTER_HOME": str(run_home)}, stdout=log, stderr=subprocess.STDOUT)
        wall = time.monotonic() - started
    if code != 0:
        raise SystemExit(f"the run failed ({code}); see {work / 'run.log'}")
    with Store(parts.database_url) as store:
        job = store.jobs.get(job_id)
        results = store.submissions.results(job_id)
    submitting = job.completed_at.timestamp() - job.started_at.timestamp()
    accepted = sum(1 for names in accepted_names(parts.sandbox_url).values() for n in names
                   if n == profile.business_name)
    return {"workers": workers, "submissions": len(results), "ok": sum(r.status.is_success for r in results),
            "accepted": accepted, "run_s": wall, "submitting_s": submitting,
            "per_min": 60 * len(results) / submitting,
            "p50_s": percentile([r.processing_time_seconds or 0 for r in results], 50),
            "load": load_average()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirrors", type=int, default=2, help="the job submits to 15 x N directories")
    parser.add_argument("--shard-size", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of both variants, in alternating order (load on a shared machine drifts)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from tests.celery_harness import postgres_instance_yaml, rabbitmq_broker
    from tests.conftest import _dsn_for, create_database, drop_database

    sites = mirrored_sites(args.mirrors)
    shards = -(-len(sites) // args.shard_size)
    print(f"scale-out: one enterprise job of {len(sites)} directories in {shards} shards of at most "
          f"{args.shard_size}, on 1 and on 2 Celery worker hosts, {args.rounds} round(s); "
          f"load average before: {load_average()}", flush=True)
    figures: list[dict] = []
    dagster_db = create_database("dagster_bench")
    try:
        with local_parts(sites=sites, mirrors=args.mirrors) as parts, rabbitmq_broker() as broker:
            instance_yaml = postgres_instance_yaml(_dsn_for(dagster_db), browser_slots=8)
            for rnd in range(args.rounds):
                # Odd rounds 1 then 2 workers, even rounds 2 then 1: drifting load favours neither.
                for workers in ((1, 2) if rnd % 2 == 0 else (2, 1)):
                    reset_sandbox(parts.sandbox_url)
                    fig = run_job(parts, workers=workers, directories=len(sites), shard_size=args.shard_size,
                                  first=100 * rnd + workers, broker=broker, instance_yaml=instance_yaml)
                    figures.append(fig)
                    print(f"  round {rnd + 1}, {workers} worker(s): {fig['submitting_s']:.1f} s submitting, "
                          f"{fig['per_min']:.1f}/min, run {fig['run_s']:.1f} s, load {fig['load']}", flush=True)
    finally:
        drop_database(dagster_db)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"\n{'workers':>7} {'subs':>5} {'ok':>4} {'accepted':>8} {'submitting s':>12} {'per min':>8} "
          f"{'vs 1':>6} {'run s':>7} {'p50 s':>6}")
    for workers in (1, 2):
        mine = [f for f in figures if f["workers"] == workers]
        subs = sum(f["submissions"] for f in mine)
        submitting = sum(f["submitting_s"] for f in mine)
        base = [f for f in figures if f["workers"] == 1]
        base_rate = 60 * sum(f["submissions"] for f in base) / sum(f["submitting_s"] for f in base)
        rate = 60 * subs / submitting
        print(f"{workers:>7} {subs:>5} {sum(f['ok'] for f in mine):>4} {sum(f['accepted'] for f in mine):>8} "
              f"{submitting:>12.1f} {rate:>8.1f} {rate / base_rate:>5.2f}x "
              f"{sum(f['run_s'] for f in mine):>7.1f} {percentile([f['p50_s'] for f in mine], 50):>6.2f}")
    print(f"\n{os.cpu_count()} cores; load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DIRBOLT_LOG_LEVEL", "WARNING")
    raise SystemExit(main())
