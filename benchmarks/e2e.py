"""End to end: N jobs x M sandbox directories, the platform against a bare Playwright loop.

    .venv/bin/python benchmarks/e2e.py [--jobs 4] [--mirrors 4] [--variants tuned,bare,platform,dagster]
                                         [--rounds 1] [--json]

`--mirrors N` makes each job N x 15 directories (the sandbox serves every site N times as distinct
directories). The default, 4 jobs x 60 directories, is about the smallest package sold (a starter
is 50). Dagster's per-run costs (a process, imports, checks, report) are paid once per job, so
smaller jobs (`--jobs 8 --mirrors 1`: 15 directories each) are its worst case.

Variants, each measured in this run on the same sites with distinct businesses:

* bare: one asyncio Playwright script, one Chromium, known selectors (the sites' own field names
  and the values `expected_fields` says they must receive), `--runs x 5` submissions at a time;
  no database, no proof, no brain.
* tuned: a careful hand-written loop (the target to match): one Chromium, one browser context per
  job reused by its directories, `--tuned-pages` pages per job each reused from one site to the
  next, `--tuned-jobs` jobs at once, every field of a form set in one `evaluate` (native value
  setters, `input`/`change` events), known selectors; no database, no proof, no brain.
* platform: `run_submissions` in this process, `--runs` jobs at a time (each job its own Chromium,
  5 submissions at a time as an enterprise job): claims, pacing, brain + learned mappings, proof,
  heartbeats, audit, in PostgreSQL.
* dagster: the whole path. Messages on SQS (moto), the SQS sensor of a real `dagster-daemon` whose
  code location is served by a long-lived `dagster code-server` (as docker-compose deploys it),
  QueuedRunCoordinator (dagster.dev.yaml as `dirbolt dev` writes it: 2 browser slots per core, one run more,
  dequeued every 2 s), the sensor every
  5 s (the product's default), one run process per job; timed from the first message sent to the
  last job completed. A warm-up job goes through first (the daemon
  and its code server start outside the timing, as in production).

Figures: wall time (the ratio is against bare), submissions per minute, p50/p95 per submission
(platform: claimed to finished as the database records it; bare: context opened to answer read),
CPU seconds per submission of everything on the client side (this process and its children,
the daemon and its runs, Chromium, PostgreSQL backends of the benchmark database; the sandbox and
SQS servers are left out), peak memory (PSS, shared pages counted once, sampled every second) of the
same client side and that divided by the submissions, and what the sandbox accepted. On a shared
machine the CPU figure is the steadier one; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (
    EXCLUDED,
    HEADER,
    SITES,
    CpuMeter,
    Parts,
    PeakSampler,
    RunFigures,
    accepted_names,
    bare_run,
    business,
    create_jobs,
    db_transactions,
    load_average,
    local_parts,
    mirrored_sites,
    platform_figures,
    reset_sandbox,
    tuned_run,
)

PER_JOB_CONCURRENCY = 5  # an enterprise job's submissions at a time


def _check_accepted(parts: Parts, names: set[str], expected: int) -> int:
    accepted = sum(1 for site_names in accepted_names(parts.sandbox_url).values() for n in site_names
                   if n in names)
    if accepted != expected:
        print(f"  note: the sites accepted {accepted} of {expected} submissions", file=sys.stderr)
    return accepted


def run_bare(parts: Parts, sites: tuple[str, ...], jobs: int, runs: int, first: int) -> RunFigures:
    profiles = [business(10_000 + first + j) for j in range(jobs)]
    tasks = [(site, p) for p in profiles for site in sites]
    with CpuMeter([os.getpid()], exclude=parts.server_pids) as cpu:
        fig = asyncio.run(bare_run(parts.sandbox_url, tasks, runs * PER_JOB_CONCURRENCY))
    fig.extra["cpu_s"] = cpu.seconds()
    fig.extra["cpu_by_process"] = cpu.by_process()
    fig.extra["accepted"] = _check_accepted(parts, {p.business_name for p in profiles}, len(tasks))
    return fig


def run_tuned(parts: Parts, sites: tuple[str, ...], jobs: int, first: int, jobs_at_once: int,
              pages_per_job: int) -> RunFigures:
    profiles = [business(15_000 + first + j) for j in range(jobs)]
    tasks = [(site, p) for p in profiles for site in sites]
    with CpuMeter([os.getpid()], exclude=parts.server_pids) as cpu:
        fig = asyncio.run(tuned_run(parts.sandbox_url, tasks, jobs_at_once=jobs_at_once, pages_per_job=pages_per_job))
    fig.extra["cpu_s"] = cpu.seconds()
    fig.extra["cpu_by_process"] = cpu.by_process()
    fig.extra["accepted"] = _check_accepted(parts, {p.business_name for p in profiles}, len(tasks))
    return fig


def run_platform(parts: Parts, sites: tuple[str, ...], jobs: int, runs: int, first: int) -> RunFigures:
    from dirbolt_core import composition
    from dirbolt_core.artifacts import LocalArtifactStore
    from dirbolt_core.db.store import Store
    from dirbolt_core.jobs import plan_job, run_submissions
    from dirbolt_core.settings import get_settings

    settings = get_settings()
    profiles = [business(20_000 + first + j) for j in range(jobs)]
    job_ids = create_jobs(parts.database_url, profiles, package_size=len(sites))
    artifacts = LocalArtifactStore(parts.work / "artifacts-platform")

    async def all_jobs(store: Store) -> None:
        brain = composition.build_brain(settings, store=store)  # as a run builds it: heuristics + learned mappings
        slots = asyncio.Semaphore(runs)

        async def one(job_id: uuid.UUID) -> None:
            async with slots:
                await asyncio.to_thread(plan_job, store, job_id, actor="bench")
                ctx = composition.run_context(settings, store=store, run_id=f"bench-{uuid.uuid4().hex[:8]}",
                                              brain=brain, artifacts=artifacts)
                await run_submissions(store, job_id, ctx)

        await asyncio.gather(*(one(j) for j in job_ids))

    xacts = db_transactions(parts.database)
    with composition.open_store(settings, dsn=parts.database_url) as store, CpuMeter(
            [os.getpid()], database=parts.database, exclude=parts.server_pids) as cpu:
        started = time.monotonic()
        asyncio.run(all_jobs(store))
        wall = time.monotonic() - started
    xacts = db_transactions(parts.database) - xacts
    fig = platform_figures(parts.database_url, job_ids, "platform, in-process (no Dagster)", wall,
                           cpu_s=cpu.seconds(), db_transactions=xacts, cpu_by_process=cpu.by_process())
    fig.extra["accepted"] = _check_accepted(parts, {p.business_name for p in profiles}, fig.count)
    return fig


def _instance_yaml(dequeue_interval_s: int | None, browser_slots: int | None, dequeue_threads: bool = False,
                   extra_runs: int | None = None) -> str:
    """The instance `dirbolt dev` writes for this machine (runs and browser slots from the cores)."""
    import re

    from dirbolt_core.localenv import dev_instance_yaml, machine_slots

    text = dev_instance_yaml(browser_slots)
    if extra_runs is not None:  # runs at once: the browser slots and this many more
        text = re.sub(r"(?m)^(\s*max_concurrent_runs:) \d+$",
                      rf"\g<1> {machine_slots(browser_slots)[1] + extra_runs}", text, count=1)
    if dequeue_interval_s is not None:
        text = re.sub(r"dequeue_interval_seconds: \d+", f"dequeue_interval_seconds: {dequeue_interval_s}", text)
    if dequeue_threads:  # queued runs launched side by side
        text = re.sub(r"(dequeue_interval_seconds: \d+\n)",
                      r"\1    dequeue_use_threads: true\n    dequeue_num_workers: 4\n", text, count=1)
    return text


def run_dagster(parts: Parts, sites: tuple[str, ...], jobs: int, first: int, dequeue_interval_s: int | None,
                sensor_interval_s: int, browser_slots: int | None = None, dequeue_threads: bool = False,
                extra_runs: int | None = None) -> RunFigures:
    import dagster as dg

    from dirbolt_core import composition
    from dirbolt_core.settings import get_settings
    from tests.dagster_harness import dagster_code_server, dagster_daemon, dagster_env, wait_until

    assert parts.sqs_url
    suffix = uuid.uuid4().hex[:8]
    settings = get_settings().with_overrides(sqs_queue_name=f"bench-{suffix}", sqs_dlq_name=f"bench-{suffix}-dlq")
    queue = composition.job_queue(settings, endpoint_url=parts.sqs_url)
    queue.ensure()
    env = dagster_env(home=parts.work / "dagster", database_url=parts.database_url, sqs_url=parts.sqs_url,
                      queue_name=queue.queue_name, dlq_name=queue.dlq_name, sandbox_url=parts.sandbox_url,
                      artifacts=parts.work / "artifacts-dagster",
                      instance_yaml=_instance_yaml(dequeue_interval_s, browser_slots, dequeue_threads, extra_runs),
                      extra={"DIRBOLT_SENSOR_INTERVAL_S": str(sensor_interval_s)})
    log = parts.work / "dagster-daemon.log"

    def message(job_id: uuid.UUID, size: int) -> str:
        return json.dumps({"job_id": str(job_id), "customer_id": "bench", "package_size": size,
                           "priority": "enterprise"})

    profiles = [business(30_000 + first + j) for j in range(jobs)]
    with (composition.open_store(settings, dsn=parts.database_url) as store,
          dagster_code_server(env, parts.work / "dagster-code-server.log") as workspace,
          dagster_daemon(env, log, workspace) as daemon):
        def completed(ids: list[uuid.UUID]) -> bool:
            return all(store.jobs.get(j).status.value == "completed" for j in ids)

        warm = create_jobs(parts.database_url, [business(39_000 + first)], package_size=1)
        queue.send(message(warm[0], 1))
        wait_until(lambda: completed(warm), timeout_s=600, interval_s=0.5, proc=daemon, log_path=log)
        job_ids = create_jobs(parts.database_url, profiles, package_size=len(sites))
        with CpuMeter([os.getpid()], database=parts.database, exclude=parts.server_pids) as cpu:
            started = time.monotonic()
            sent_at = time.time()
            for job_id in job_ids:
                queue.send(message(job_id, len(sites)))
            wait_until(lambda: completed(job_ids), timeout_s=3600, interval_s=0.25, proc=daemon, log_path=log)
            wall = time.monotonic() - started
        phases = _dagster_phases(dg.DagsterInstance.from_config(env["DAGSTER_HOME"]), store, job_ids, sent_at)
    fig = platform_figures(parts.database_url, job_ids, "platform through Dagster (SQS, daemon)", wall,
                           cpu_s=cpu.seconds(), phases=phases, cpu_by_process=cpu.by_process())
    fig.extra["accepted"] = _check_accepted(parts, {p.business_name for p in profiles}, fig.count)
    return fig


def _dagster_phases(instance: Any, store: Any, job_ids: list[uuid.UUID], sent_at: float) -> dict[str, float]:
    """Mean seconds per job of each stretch of its run, from Dagster's run records and event log and
    the job's own timestamps in the database."""
    import dagster as dg

    stretches = {
        "waiting (run created -> launched: a free run slot, the next dequeue tick)": [],
        "launch (launched -> run started: process, imports, instance)": [],
        "plan (run started -> job running)": [],
        "submissions (job running -> completed)": [],
        "wrap-up (job completed -> run end: metadata, checks, report, legacy comparison)": [],
    }
    first_created = None
    for job_id in job_ids:
        records = instance.get_run_records(filters=dg.RunsFilter(tags={"dirbolt/job_id": str(job_id)}))
        if not records:
            continue
        rec = records[-1]
        job = store.jobs.get(job_id)
        created = rec.create_timestamp.timestamp()
        first_created = created if first_created is None else min(first_created, created)
        starting = instance.all_logs(rec.dagster_run.run_id, of_type=dg.DagsterEventType.RUN_STARTING)
        launched = starting[0].timestamp if starting else created
        started = rec.start_time or launched
        values = [launched - created, started - launched, job.started_at.timestamp() - started,
                  job.completed_at.timestamp() - job.started_at.timestamp(),
                  (rec.end_time or job.completed_at.timestamp()) - job.completed_at.timestamp()]
        for key, value in zip(stretches, values, strict=True):
            stretches[key].append(value)
    out = {k: round(sum(v) / len(v), 2) for k, v in stretches.items() if v}
    if first_created is not None:
        out["sensor (first message sent -> first run created)"] = round(first_created - sent_at, 2)
    return out


def merge(figs: list[RunFigures]) -> RunFigures:
    """Rounds of one variant as one figure: times and counts summed, latencies pooled."""
    if len(figs) == 1:
        return figs[0]
    merged = RunFigures(figs[0].name, sum(f.wall_s for f in figs), [x for f in figs for x in f.latencies_s],
                        sum(f.succeeded for f in figs))
    cpu: dict[str, float] = {}
    for f in figs:
        for k, v in f.extra.get("cpu_s", {}).items():
            cpu[k] = cpu.get(k, 0.0) + v
    by_process: dict[str, float] = {}
    for f in figs:
        for k, v in f.extra.get("cpu_by_process", {}).items():
            by_process[k] = by_process.get(k, 0.0) + v
    merged.extra = {"cpu_s": cpu, "cpu_by_process": by_process,
                    "accepted": sum(f.extra.get("accepted", 0) for f in figs),
                    **({"db_transactions": sum(f.extra["db_transactions"] for f in figs)}
                       if "db_transactions" in figs[0].extra else {}),
                    "rounds_wall_s": [round(f.wall_s, 1) for f in figs],
                    "peak_pss_mb": max(f.extra.get("peak_pss_mb", 0) for f in figs),
                    "load_average_after": figs[-1].extra.get("load_average_after")}
    if "statuses" in figs[0].extra:
        statuses: dict[str, int] = {}
        for f in figs:
            for k, v in f.extra["statuses"].items():
                statuses[k] = statuses.get(k, 0) + v
        merged.extra["statuses"] = statuses
        merged.extra["misses"] = [m for f in figs for m in f.extra.get("misses", [])]
    if "phases" in figs[0].extra:
        keys = figs[0].extra["phases"].keys()
        merged.extra["phases"] = {k: round(sum(f.extra["phases"].get(k, 0) for f in figs) / len(figs), 2)
                                  for k in keys}
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=4, help=f"jobs, each of {len(SITES)} x --mirrors directories")
    parser.add_argument("--mirrors", type=int, default=4,
                        help="each job submits to the 15 sites and their mirrors 2..N (N x 15 directories)")
    parser.add_argument("--runs", type=int, default=2,
                        help="platform variant: jobs at a time; bare runs runs x 5 submissions at a time")
    parser.add_argument("--variants", default="tuned,bare,platform,dagster")
    parser.add_argument("--tuned-jobs", type=int, default=4, help="tuned loop: jobs at once")
    parser.add_argument("--tuned-pages", type=int, default=5, help="tuned loop: pages per job")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the variants in turn (load on a shared machine drifts); figures are summed")
    parser.add_argument("--dequeue-interval", type=int, default=None,
                        help="QueuedRunCoordinator dequeue_interval_seconds (default: dagster.dev.yaml's, 2 s)")
    parser.add_argument("--dequeue-threads", action="store_true",
                        help="queued runs launched side by side (dequeue_use_threads), not one after the other")
    parser.add_argument("--browser-slots", type=int, default=None,
                        help="Dagster browser slots (default: as `dirbolt dev` chooses, 2 per core; runs: one more)")
    parser.add_argument("--extra-runs", type=int, default=None,
                        help="Dagster runs at once: the browser slots and this many more (default: `dirbolt dev`'s 1)")
    parser.add_argument("--sensor-interval", type=int, default=5,
                        help="DIRBOLT_SENSOR_INTERVAL_S for the daemon (default: the product's 5 s)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    sites = mirrored_sites(args.mirrors)
    print(f"e2e: {args.rounds} round(s) of {args.jobs} jobs x {len(sites)} directories = "
          f"{args.jobs * len(sites)} submissions per variant and round, "
          f"{args.runs} jobs / {args.runs * PER_JOB_CONCURRENCY} submissions at a time; load average before: "
          f"{load_average()}", flush=True)
    print("sites: " + ", ".join(SITES) + (f" (and mirrors 2..{args.mirrors} of each)" if args.mirrors > 1 else ""))
    print("left out: " + "; ".join(f"{k} ({v})" for k, v in EXCLUDED.items()))
    by_variant: dict[str, list[RunFigures]] = {v: [] for v in variants}
    with local_parts(sqs="dagster" in variants, sites=sites, mirrors=args.mirrors) as parts:
        for rnd in range(args.rounds):
            first = 1000 * rnd
            for variant in variants:
                reset_sandbox(parts.sandbox_url)
                memory = PeakSampler(os.getpid(), interval_s=1.0, exclude=parts.server_pids)
                memory.__enter__()
                if variant == "tuned":
                    fig = run_tuned(parts, sites, args.jobs, first, args.tuned_jobs, args.tuned_pages)
                elif variant == "bare":
                    fig = run_bare(parts, sites, args.jobs, args.runs, first)
                elif variant == "platform":
                    fig = run_platform(parts, sites, args.jobs, args.runs, first)
                elif variant == "dagster":
                    fig = run_dagster(parts, sites, args.jobs, first, args.dequeue_interval, args.sensor_interval,
                                      args.browser_slots, args.dequeue_threads, args.extra_runs)
                else:
                    raise SystemExit(f"unknown variant {variant}")
                memory.__exit__(None, None, None)
                fig.extra["peak_pss_mb"] = round(memory.peak_pss / 2**20)
                fig.extra["load_average_after"] = load_average()
                by_variant[variant].append(fig)
                print(f"  round {rnd + 1}: {fig.name}: {fig.wall_s:.1f}s, load average "
                      f"{fig.extra['load_average_after']}", flush=True)
    results = [merge(figs) for figs in by_variant.values()]
    bare = next((r for r in results if r.name.startswith("bare")), None)
    tuned = next((r for r in results if r.name.startswith("tuned")), None)
    if args.json:
        print(json.dumps({"results": [r.as_dict() for r in results], "sites": sites}, default=str))
        return 0
    print()
    print(HEADER)
    for r in results:
        print(r.row(bare, tuned))
    print(f"\n{'variant':40} {'CPU s/sub':>9} {'vs bare':>8}  (python+node, chromium, postgres)  accepted by sites")
    bare_cpu = bare.extra["cpu_s"]["total"] / bare.count if bare else None
    for r in results:
        cpu = r.extra.get("cpu_s", {})
        per = cpu.get("total", 0) / max(1, r.count)
        parts_s = ", ".join(f"{cpu.get(k, 0) / r.count:.2f}" for k in ("python+node", "chromium", "postgres"))
        ratio = f"{per / bare_cpu:7.2f}x" if bare_cpu else "       -"
        print(f"{r.name:40} {per:>9.2f} {ratio:>8}  ({parts_s})  {r.extra.get('accepted')}/{r.count}")
        if "db_transactions" in r.extra:
            print(f"{'':40} database transactions per submission (job-level ones included): "
                  f"{r.extra['db_transactions'] / r.count:.1f}")
        if r.extra.get("cpu_by_process"):
            print(f"{'':40} CPU s/sub by process: " + ", ".join(
                f"{k} {v / r.count:.2f}" for k, v in r.extra["cpu_by_process"].items() if v / r.count >= 0.005))
        if r.extra.get("peak_pss_mb"):
            print(f"{'':40} memory: peak PSS {r.extra['peak_pss_mb']} MB of the client side (Chromium, node, "
                  f"Python, Dagster), {r.extra['peak_pss_mb'] / r.count:.2f} MB per submission")
        if "rounds_wall_s" in r.extra:
            print(f"{'':40} rounds (wall s): {r.extra['rounds_wall_s']}")
    for r in results:
        if "phases" in r.extra:
            print("\nDagster, mean seconds per job:")
            for k, v in r.extra["phases"].items():
                print(f"  {v:>7.2f}  {k}")
        if "statuses" in r.extra:
            print(f"{r.name} statuses: {r.extra['statuses']}")
        for miss in r.extra.get("misses", []):
            print(f"  not a success: {miss}")
    print(f"\nload average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
