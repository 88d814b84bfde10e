"""What each runner optimisation saves per submission, one submission at a time (latency, not load).

    .venv/bin/python benchmarks/attempt_costs.py [--rounds 3] [--json]

Each round submits the 15 e2e sites once per variant, one submission at a time (a starter job:
one slot), variants in turn so that a drifting machine load touches all of them alike:

* bare: the e2e baseline (known selectors, no proof), one at a time;
* platform: the runner as it is;
* platform with one optimisation undone (monkeypatched in this process only):
  - settle 0.5 s: the post-submit settle waits 0.5 s of quiet after a completed navigation too;
  - Playwright screenshot: proof by Playwright's full-page PNG (default compression).

Figures: mean seconds per submission (platform: claimed to finished, as recorded; bare: context
opened to answer read), CPU seconds per submission (this process and its children, PostgreSQL
backends of the benchmark database), and the difference to the platform as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import SITES, CpuMeter, Parts, bare_run, business, create_jobs, load_average, local_parts


@contextlib.contextmanager
def _settle_unchanged() -> Iterator[None]:
    from dirbolt_core.runner import submit

    saved = submit._SETTLE_QUIET_LOADED_S
    submit._SETTLE_QUIET_LOADED_S = submit._SETTLE_QUIET_S
    try:
        yield
    finally:
        submit._SETTLE_QUIET_LOADED_S = saved


@contextlib.contextmanager
def _playwright_screenshot() -> Iterator[None]:
    from dirbolt_core.runner.submit import SubmissionAttempt

    saved = SubmissionAttempt._screenshot

    async def screenshot(self: Any, page: Any) -> bytes:
        return await page.screenshot(full_page=True, type="png", timeout=self.step_timeout_ms)

    SubmissionAttempt._screenshot = screenshot  # type: ignore[method-assign]
    try:
        yield
    finally:
        SubmissionAttempt._screenshot = saved  # type: ignore[method-assign]


VARIANTS: dict[str, Callable[[], contextlib.AbstractContextManager[None]] | None] = {
    "platform (as it is)": contextlib.nullcontext,
    "  undone: settle 0.5 s after navigations": _settle_unchanged,
    "  undone: Playwright full-page PNG proof": _playwright_screenshot,
}


def platform_once(parts: Parts, n: int) -> tuple[list[float], float]:
    from dirbolt_core import composition
    from dirbolt_core.artifacts import LocalArtifactStore
    from dirbolt_core.jobs import plan_job, run_submissions
    from dirbolt_core.settings import get_settings

    [job_id] = create_jobs(parts.database_url, [business(n)], priority="starter")
    settings = get_settings()
    with composition.open_store(settings, dsn=parts.database_url) as store, CpuMeter(
            [os.getpid()], database=parts.database, exclude=parts.server_pids) as cpu:
        plan_job(store, job_id, actor="bench")
        ctx = composition.run_context(settings, store=store, run_id=f"bench-{uuid.uuid4().hex[:6]}",
                                      artifacts=LocalArtifactStore(parts.work / "artifacts"))
        asyncio.run(run_submissions(store, job_id, ctx))
        times = [r.processing_time_seconds or 0.0 for r in store.submissions.results(job_id)]
        ok = sum(r.status.is_success for r in store.submissions.results(job_id))
    if ok != len(SITES):
        print(f"  note: {ok}/{len(SITES)} succeeded", file=sys.stderr)
    return times, cpu.seconds()["total"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    load_before = load_average()
    times: dict[str, list[float]] = {"bare (known selectors, no proof)": []}
    cpu: dict[str, float] = {"bare (known selectors, no proof)": 0.0}
    with local_parts() as parts:
        n = 40_000
        for rnd in range(args.rounds):
            with CpuMeter([os.getpid()], exclude=parts.server_pids) as meter:
                fig = asyncio.run(bare_run(parts.sandbox_url, [(s, business(n)) for s in SITES], 1))
            n += 1
            times["bare (known selectors, no proof)"] += fig.latencies_s
            cpu["bare (known selectors, no proof)"] += meter.seconds()["total"]
            for name, undo in VARIANTS.items():
                assert undo is not None
                with undo():
                    t, c = platform_once(parts, n)
                n += 1
                times.setdefault(name, []).extend(t)
                cpu[name] = cpu.get(name, 0.0) + c
            print(f"  round {rnd + 1} done, load average {load_average()}", flush=True)
    count = len(SITES) * args.rounds
    rows = {name: {"mean_s": statistics.fmean(v), "p50_s": statistics.median(v), "cpu_s": cpu[name] / count}
            for name, v in times.items()}
    if args.json:
        print(json.dumps({"load_average_before": load_before, "submissions_per_variant": count, "rows": rows}))
        return 0
    ref = rows["platform (as it is)"]
    print(f"one submission at a time, {count} submissions per variant ({args.rounds} rounds x {len(SITES)} sites); "
          f"load average before {load_before}")
    print(f"{'variant':46} {'mean s':>7} {'p50 s':>7} {'CPU s':>7}   {'mean - platform':>15} {'CPU - platform':>15}")
    for name, r in rows.items():
        print(f"{name:46} {r['mean_s']:>7.2f} {r['p50_s']:>7.2f} {r['cpu_s']:>7.2f}   "
              f"{r['mean_s'] - ref['mean_s']:>+15.2f} {r['cpu_s'] - ref['cpu_s']:>+15.2f}")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
