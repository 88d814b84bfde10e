"""Memory: peak RSS of a run with 5 concurrent submissions, against a bare Playwright run of the same 5.

    .venv/bin/python benchmarks/memory.py [--json]

Each variant runs in its own child process; this process samples the child and all its
descendants (Playwright's driver, Chromium and its renderers) every 100 ms with psutil and keeps
the peaks of the summed RSS and of the summed PSS (shared pages counted once, so closer to what
the machine really gives; RSS counts Chromium's shared memory once per process).

* bare: one Chromium, the 5 forms filled with known selectors, 5 at a time.
* platform: `run_submissions` of one enterprise job (5 at a time) of the same 5 directories, as
  `dirbolt run-job` runs it (brain with learned mappings, proof, heartbeats, PostgreSQL).
* dagster run: the same job as a Dagster run process (`dagster job execute ... submit_job`, the
  in-process executor the daemon's runs use): imports, instance, event log, checks and report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import SITES, PeakSampler, business, create_jobs, load_average, local_parts

CONCURRENT = 5
HERE = Path(__file__).resolve()


def child_bare(sandbox_url: str, sites: list[str], n: int) -> None:
    from _bench import bare_run

    fig = asyncio.run(bare_run(sandbox_url, [(s, business(n)) for s in sites], CONCURRENT))
    print(json.dumps({"ok": fig.succeeded, "wall_s": fig.wall_s}))


def child_platform(database_url: str, artifacts: str, job_id: str) -> None:
    from dirbolt_core import composition
    from dirbolt_core.artifacts import LocalArtifactStore
    from dirbolt_core.jobs import plan_job, run_submissions
    from dirbolt_core.settings import get_settings

    started = time.monotonic()
    settings = get_settings()
    with composition.open_store(settings, dsn=database_url) as store:
        plan_job(store, uuid.UUID(job_id), actor="bench")
        ctx = composition.run_context(settings, store=store, run_id="bench-memory",
                                      artifacts=LocalArtifactStore(Path(artifacts)))
        summary = asyncio.run(run_submissions(store, uuid.UUID(job_id), ctx))
    ok = sum(1 for r in summary.reports if r.status.is_success)
    print(json.dumps({"ok": ok, "wall_s": time.monotonic() - started}))


def _measure(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    with PeakSampler(proc.pid) as sampler:
        out, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[:4]} failed ({proc.returncode}): {err[-2000:]}")
    return {"peak_rss_mb": sampler.peak_rss / 2**20, "peak_pss_mb": sampler.peak_pss / 2**20,
            "wall_s": time.monotonic() - started, "samples": sampler.samples, "out": out.strip()[-300:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("bare", "platform"), help=argparse.SUPPRESS)
    parser.add_argument("--arg", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "bare":
        child_bare(args.arg[0], args.arg[1].split(","), int(args.arg[2]))
        return 0
    if args.child == "platform":
        child_platform(*args.arg)
        return 0

    from tests.dagster_harness import BIN, dagster_env

    sites = list(SITES[:CONCURRENT])
    load_before = load_average()
    results: dict[str, dict[str, Any]] = {}
    with local_parts(sites=sites) as parts:
        py = sys.executable
        results["bare Playwright (5 at a time)"] = _measure(
            [py, str(HERE), "--child", "bare", "--arg", parts.sandbox_url, "--arg", ",".join(sites), "--arg", "95001"])
        [job] = create_jobs(parts.database_url, [business(95_002)], package_size=CONCURRENT)
        results["platform run_submissions (enterprise: 5)"] = _measure(
            [py, str(HERE), "--child", "platform", "--arg", parts.database_url,
             "--arg", str(parts.work / "artifacts"), "--arg", str(job)])
        import dagster as dg

        [job] = create_jobs(parts.database_url, [business(95_003)], package_size=CONCURRENT)
        env = dagster_env(home=parts.work, database_url=parts.database_url, sqs_url="http://127.0.0.1:9",
                          queue_name="unused", dlq_name="unused-dlq", sandbox_url=parts.sandbox_url,
                          artifacts=parts.work / "artifacts")
        dg.DagsterInstance.from_config(env["DAGSTER_HOME"]).add_dynamic_partitions("jobs", [str(job)])
        results["dagster run process (submit_job)"] = _measure(
            [str(BIN / "dagster"), "job", "execute", "-m", "dirbolt_dagster.definitions", "-j", "submit_job",
             "--tags", json.dumps({"dagster/partition": str(job)})], env={**env, "PYTHONWARNINGS": "ignore"})
        from dirbolt_core.db.store import Store

        with Store(parts.database_url) as store:
            ok = sum(1 for r in store.submissions.results(job) if r.status.is_success)
        results["dagster run process (submit_job)"]["out"] = json.dumps({"ok": ok})
    if args.json:
        print(json.dumps({"load_average_before": load_before, "results": results}))
        return 0
    base = results["bare Playwright (5 at a time)"]
    print(f"memory: {CONCURRENT} concurrent submissions ({', '.join(sites)}); load average before {load_before}")
    print(f"{'variant':42} {'peak RSS MB':>11} {'vs bare':>8} {'peak PSS MB':>11} {'vs bare':>8} {'wall s':>7}  done")
    for name, r in results.items():
        print(f"{name:42} {r['peak_rss_mb']:>11.0f} {r['peak_rss_mb'] / base['peak_rss_mb']:>7.2f}x "
              f"{r['peak_pss_mb']:>11.0f} {r['peak_pss_mb'] / base['peak_pss_mb']:>7.2f}x {r['wall_s']:>7.1f}  "
              f"{r['out']}")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
