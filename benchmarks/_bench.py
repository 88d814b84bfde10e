"""What the benchmarks share: the sites, the local parts, the bare Playwright baseline, the figures.

Not a benchmark itself. The scripts beside it (`e2e.py`, `sensor_intake.py`, `memory.py`) import it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
warnings.filterwarnings("ignore", message=".*currently in preview.*")

import httpx  # noqa: E402

from dirbolt_core.models import BusinessProfile  # noqa: E402
from dirbolt_core.sample import SAMPLE_PROFILE  # noqa: E402

# Simple, fast, submittable sites: one page (in the page, script-rendered or in an iframe), accepted on
# the first post. Every behaviour the runner copes with on these is still exercised (opaque names,
# foreign languages, split fields, selects, radios, honeypots, script-rendered forms, iframes, XHR).
SITES: tuple[str, ...] = (
    "localpages", "citylisted", "bizspot", "branchenbuch", "annuairepro", "guiaempresas", "katalogfirm",
    "yellowbook", "mainstreet", "metroindex", "citywide", "nimbus", "quickcite", "hive", "neighborly",
)
# The others, and why they are left out of a throughput comparison.
EXCLUDED: dict[str, str] = {
    "verifiedfinder": "captcha (needs a person)", "trustedlocal": "captcha", "spisfirm": "captcha",
    "memberbiz": "login wall", "proguild": "login wall", "clicklocal": "login wall on submit",
    "swiftlist": "rate limit 3 s (measures pacing, not the platform)", "directoriolatino": "rate limit 1 s",
    "sunbelt": "seeded 503s (retries with back-off)", "oldtown": "slow pages + 503s",
    "lazyriver": "slow pages (added latency)",
    "northonly": "refuses the business", "repertoireqc": "refuses the business",
    "commerceregistry": "a required field the profile cannot fill (rejected)",
    "firmensued": "already lists the business (skipped)", "localhub": "already lists the business",
    "pinpoint": "description limit only said after a first post (two posts by design)",
    "cornerstone": "description limit only said after a first post",
    "steplist": "multi-step wizard (a bare script would need per-step code)", "listingforge": "server wizard",
    "gazette": "iframe injected 600 ms after load (kept out to hold the set at 15 = 3 waves of 5)",
    **{f"realweb-{k}": "the real web's shapes (second origin, widgets, shadow DOM, slow or confirmation "
                       "answers): correctness cases, not throughput"
       for k in ("cdn", "react", "shadow", "combobox", "widget", "apex", "confirm", "slow")},
}


def mirrored_sites(copies: int, sites: Sequence[str] = SITES) -> tuple[str, ...]:
    """`sites` and their mirrors 2..copies (`localpages-2`, ...): distinct directories of the same
    designs (`dirbolt sandbox --mirrors`), for jobs of more directories than there are designs."""
    from dirbolt_sandbox.sites import mirror_id

    return (*sites, *(mirror_id(site, k) for k in range(2, copies + 1) for site in sites))


def business(n: int) -> BusinessProfile:
    """A distinct business per n: sites refuse a second listing with the same name and phone."""
    return SAMPLE_PROFILE.model_copy(update={"business_name": f"Bluebird Bakery No. {n}",
                                             "phone": f"(512) {200 + n // 10000:03d}-{n % 10000:04d}"})


# ------------------------------------------------------------------------------------ figures
def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class RunFigures:
    """One variant's figures over its submissions."""

    name: str
    wall_s: float
    latencies_s: list[float]
    succeeded: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies_s)

    @property
    def per_minute(self) -> float:
        return 60 * self.count / self.wall_s if self.wall_s else float("nan")

    def row(self, *baselines: RunFigures | None) -> str:
        ratios = " ".join(f"{self.wall_s / b.wall_s:7.2f}x" if b else f"{'-':>8}" for b in baselines)
        return (f"{self.name:40} {self.count:>5} {self.succeeded:>5} {self.wall_s:>8.1f} {self.per_minute:>8.1f} "
                f"{percentile(self.latencies_s, 50):>7.2f} {percentile(self.latencies_s, 95):>7.2f} {ratios}")

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "submissions": self.count, "succeeded": self.succeeded,
                "wall_s": round(self.wall_s, 2), "per_minute": round(self.per_minute, 1),
                "p50_s": round(percentile(self.latencies_s, 50), 3),
                "p95_s": round(percentile(self.latencies_s, 95), 3),
                "mean_s": round(statistics.fmean(self.latencies_s), 3) if self.latencies_s else None,
                **self.extra}


HEADER = (f"{'variant':40} {'subs':>5} {'ok':>5} {'wall s':>8} {'per min':>8} {'p50 s':>7} {'p95 s':>7} "
          f"{'time vs':>8} {'time vs':>8}\n{'':40} {'':>5} {'':>5} {'':>8} {'':>8} {'':>7} {'':>7} {'bare':>8} "
          f"{'tuned':>8}")


# -------------------------------------------------------------------------------- local parts
@dataclass
class Parts:
    sandbox_url: str
    database_url: str
    database: str
    work: Path
    sqs_url: str | None = None
    # The servers that stand in for the outside world (sandbox, SQS): not the platform's CPU.
    server_pids: tuple[int, ...] = ()


@contextlib.contextmanager
def local_parts(*, sqs: bool = False, sites: Sequence[str] = SITES, sandbox: bool = True,
                mirrors: int = 1) -> Iterator[Parts]:
    """The sandbox (and moto SQS), a throwaway database with the migrations and a catalog in which
    only `sites` are active (so a job's plan is exactly those, best first). The catalog is the
    sandbox's own (`/_admin/catalog.json`: with `mirrors` > 1 it lists the mirrors too). Without the
    sandbox: no catalog."""
    from dirbolt_core.db.migrations import apply_migrations
    from dirbolt_core.db.store import Store
    from dirbolt_core.models import Directory
    from dirbolt_core.services import start_local_sqs, start_sandbox
    from tests.conftest import _dsn_for, create_database, drop_database

    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dirbolt-bench-")))
        servers = []
        sandbox_url = ""
        if sandbox:
            server = stack.enter_context(start_sandbox(log_path=work / "sandbox.log", mirrors=mirrors))
            sandbox_url = server.url
            servers.append(server.proc.pid)
        sqs_url = None
        if sqs:
            sqs_server = stack.enter_context(start_local_sqs(log_path=work / "sqs.log"))
            sqs_url = sqs_server.url
            servers.append(sqs_server.proc.pid)
        name = create_database("dirbolt_bench")
        stack.callback(drop_database, name)
        dsn = _dsn_for(name)
        apply_migrations(dsn)
        if sandbox:
            wanted = {f"sandbox-{s}" for s in sites}
            entries = httpx.get(f"{sandbox_url}/_admin/catalog.json", timeout=30).json()
            catalog = [Directory.model_validate(e).model_copy(update={"is_active": e["id"] in wanted})
                       for e in entries]
            missing = wanted - {d.id for d in catalog}
            if missing:
                raise SystemExit(f"the sandbox does not serve {sorted(missing)} (--mirrors?)")
            with Store(dsn) as store:
                store.directories.upsert(catalog, vouch="sandbox sites")
        yield Parts(sandbox_url=sandbox_url, database_url=dsn, database=name, work=work, sqs_url=sqs_url,
                    server_pids=tuple(servers))


def db_transactions(database: str) -> int:
    """Transactions the server has counted for one database (every autocommit statement is one)."""
    import psycopg

    from tests.conftest import ADMIN_DSN

    time.sleep(1.5)  # backends flush their statistics within a second of going idle
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        row = conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                           (database,)).fetchone()
    return int(row[0]) if row else 0


def reset_sandbox(url: str) -> None:
    httpx.delete(f"{url}/_admin/submissions").raise_for_status()


def accepted_names(url: str) -> dict[str, list[str]]:
    """Site -> the business names it accepted (the sandbox's own record)."""
    from dirbolt_sandbox.sites import site_class

    out: dict[str, list[str]] = {}
    for rec in httpx.get(f"{url}/_admin/submissions", timeout=60).json():
        if rec["outcome"] == "accepted":
            cls = site_class(rec["site"])
            name, _ = cls.identity(cls, rec["fields"])  # reads only class attributes
            out.setdefault(rec["site"], []).append(name)
    return out


def create_jobs(database_url: str, profiles: Sequence[BusinessProfile], *, priority: str = "enterprise",
                package_size: int = len(SITES)) -> list[uuid.UUID]:
    from dirbolt_core.db.store import Store
    from dirbolt_core.vocabulary import Priority

    ids = []
    with Store(database_url) as store:
        for profile in profiles:
            job_id = uuid.uuid4()
            store.jobs.create(job_id=job_id, customer_id="bench", package_size=package_size,
                             priority=Priority(priority), business_data=profile.model_dump(mode="json"))
            ids.append(job_id)
    return ids


def platform_figures(database_url: str, job_ids: Sequence[uuid.UUID], name: str, wall_s: float,
                     **extra: Any) -> RunFigures:
    """Per-submission time as the platform records it: claimed to finished (proof and writes included)."""
    from dirbolt_core.db.store import Store

    latencies, ok, statuses, misses = [], 0, {}, []
    with Store(database_url) as store:
        for job_id in job_ids:
            for r in store.submissions.results(job_id):
                latencies.append(r.processing_time_seconds or 0.0)
                ok += r.status.is_success
                statuses[r.status.value] = statuses.get(r.status.value, 0) + 1
                if not r.status.is_success:  # what a person would look at: which directory, and why
                    misses.append(f"{r.directory_id}: {r.status.value} ({r.reason})")
    return RunFigures(name, wall_s, latencies, ok, extra={"statuses": statuses, "misses": misses, **extra})


# ------------------------------------------------------------------------------ bare baseline
@dataclass
class Recipe:
    """A hand-written script's knowledge of one site: where the form is, each field's kind, how it answers."""

    site: str
    url: str
    frame_selector: str | None  # the iframe holding the form, or None for the page itself
    kinds: dict[str, str]  # field name -> text | select | checkbox | radio
    submit: str  # the submit button, within the form
    inline: bool  # XHR: the answer is written into the page (no navigation)


_KINDS_SCRIPT = """(names) => names.map((n) => {
  const el = document.querySelector(`[name="${n}"]`);
  if (!el) return null;
  if (el.tagName === 'SELECT') return 'select';
  if (el.type === 'checkbox' || el.type === 'radio') return el.type;
  return 'text';
})"""


async def build_recipes(browser: Any, sandbox_url: str, sites: Sequence[str] = SITES) -> dict[str, Recipe]:
    """Read each site's form once (outside any timing), the way one writes selectors by hand."""
    from dirbolt_sandbox.sites import site_class

    recipes: dict[str, Recipe] = {}
    context = await browser.new_context()
    page = await context.new_page()
    for site in sites:
        cls = site_class(site)
        expected = cls.expected_fields(SAMPLE_PROFILE) or {}
        names = [n for n, v in expected.items() if v != ""]
        url = f"{sandbox_url}/sites/{site}/submit"
        await page.goto(url)
        first = f'[name="{names[0]}"]'
        frame, frame_selector = None, None
        for _ in range(60):
            for candidate in page.frames:
                if await candidate.locator(first).count():
                    frame = candidate
                    break
            if frame is not None:
                break
            await asyncio.sleep(0.1)
        if frame is None:
            raise RuntimeError(f"{site}: no field {first} on the page")
        if frame is not page.main_frame:
            frame_selector = "iframe"
        kinds = dict(zip(names, await frame.evaluate(_KINDS_SCRIPT, names), strict=True))
        form = f"form:has({first})"
        submit = f"{form} [type=submit]"
        if not await frame.locator(submit).count():
            submit = f"{form} button"
        recipes[site] = Recipe(site=site, url=url, frame_selector=frame_selector, kinds=kinds, submit=submit,
                               inline="xhr" in cls.behaviours)
    await context.close()
    return recipes


async def bare_submit(browser: Any, recipe: Recipe, profile: BusinessProfile, timeout_ms: int = 20_000) -> bool:
    """Open, fill with known selectors, submit, wait for the answer. True when the page says success."""
    from dirbolt_sandbox.sites import site_class

    expected = site_class(recipe.site).expected_fields(profile) or {}
    context = await browser.new_context()
    context.set_default_timeout(timeout_ms)
    try:
        page = await context.new_page()
        await page.goto(recipe.url, wait_until="domcontentloaded")
        scope = page.frame_locator(recipe.frame_selector) if recipe.frame_selector else page
        for name, kind in recipe.kinds.items():
            value = expected.get(name, "")
            if value == "":
                continue
            if kind == "select":
                await scope.locator(f'[name="{name}"]').select_option(value=str(value))
            elif kind == "radio":
                await scope.locator(f'[name="{name}"][value="{value}"]').check()
            elif kind == "checkbox":
                await scope.locator(f'[name="{name}"]').first.check()
            else:
                await scope.locator(f'[name="{name}"]').fill(str(value))
        button = scope.locator(recipe.submit).first
        if recipe.inline:
            await button.click()
            answer = scope.locator("[role=status], [role=alert]").first
            await answer.wait_for()
            return await answer.get_attribute("role") == "status"
        navigated = asyncio.ensure_future(page.wait_for_event("framenavigated"))
        await button.click()
        frame = await navigated
        await frame.wait_for_load_state("domcontentloaded")
        return not await frame.locator("[role=alert]").count()
    finally:
        await context.close()


async def bare_run(sandbox_url: str, tasks: Sequence[tuple[str, BusinessProfile]], concurrency: int,
                   recipes: dict[str, Recipe] | None = None) -> RunFigures:
    """The baseline: one Chromium, `concurrency` submissions at a time, nothing else."""
    from playwright.async_api import async_playwright

    from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium

    async with async_playwright() as pw:
        if recipes is None:
            browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            recipes = await build_recipes(browser, sandbox_url, sorted({s for s, _ in tasks}))
            await browser.close()
        started = time.monotonic()
        browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        slots = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        ok = 0

        async def one(site: str, profile: BusinessProfile) -> None:
            nonlocal ok
            async with slots:
                t0 = time.monotonic()
                try:
                    success = await bare_submit(browser, recipes[site], profile)
                    ok += success
                except Exception as exc:  # counted as a failure; the figure says so
                    print(f"bare {site}: {type(exc).__name__}: {str(exc)[:160]}", file=sys.stderr)
                latencies.append(time.monotonic() - t0)

        await asyncio.gather(*(one(s, p) for s, p in tasks))
        wall = time.monotonic() - started
        await browser.close()
    return RunFigures("bare Playwright (known selectors)", wall, latencies, ok)


# ------------------------------------------------------------------------------ tuned baseline
# Every field of a form set in one round trip: the native value setter (so frameworks that track
# the value see the change), then the input and change events a person's typing would raise.
_FILL_ALL_SCRIPT = """(fields) => {
  const fire = (el) => {
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  };
  for (const [name, kind, value] of fields) {
    const all = [...document.querySelectorAll(`[name="${CSS.escape(name)}"]`)];
    if (!all.length) throw new Error(`no field ${name}`);
    if (kind === 'radio' || kind === 'checkbox') {
      const el = kind === 'radio' ? all.find((e) => e.value === value) : all[0];
      if (!el) throw new Error(`no option ${value} for ${name}`);
      el.checked = true;
      fire(el);
      continue;
    }
    const el = all[0];
    const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype
      : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
    fire(el);
  }
}"""


async def tuned_submit(page: Any, recipe: Recipe, profile: BusinessProfile) -> bool:
    """One submission on a page that is reused: open, set every field in one evaluate, press, read the answer."""
    from dirbolt_sandbox.sites import site_class

    expected = site_class(recipe.site).expected_fields(profile) or {}
    fields = [[name, kind, str(expected[name])] for name, kind in recipe.kinds.items()
              if expected.get(name, "") != ""]
    await page.goto(recipe.url, wait_until="domcontentloaded")
    frame = page.main_frame
    if recipe.frame_selector:
        handle = await page.wait_for_selector(recipe.frame_selector)
        frame = await handle.content_frame()
    await frame.wait_for_selector(f'[name="{fields[0][0]}"]', state="attached")
    await frame.evaluate(_FILL_ALL_SCRIPT, fields)
    button = frame.locator(recipe.submit).first
    if recipe.inline:
        await button.click()
        answer = frame.locator("[role=status], [role=alert]").first
        await answer.wait_for()
        return await answer.get_attribute("role") == "status"
    navigated = asyncio.ensure_future(page.wait_for_event("framenavigated"))
    await button.click()
    done = await navigated
    await done.wait_for_load_state("domcontentloaded")
    return not await done.locator("[role=alert]").count()


async def tuned_run(sandbox_url: str, tasks: Sequence[tuple[str, BusinessProfile]], *, jobs_at_once: int = 4,
                    pages_per_job: int = 5, recipes: dict[str, Recipe] | None = None,
                    timeout_ms: int = 20_000) -> RunFigures:
    """A careful hand-written loop: one Chromium, one context per job (business) reused by its
    directories, `pages_per_job` pages per job each reused from one site to the next, `jobs_at_once`
    jobs at a time, every field of a form set in one evaluate. No database, no proof, no brain."""
    from playwright.async_api import async_playwright

    from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium

    by_job: dict[str, list[tuple[str, BusinessProfile]]] = {}
    for site, profile in tasks:
        by_job.setdefault(profile.business_name, []).append((site, profile))
    async with async_playwright() as pw:
        if recipes is None:
            browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            recipes = await build_recipes(browser, sandbox_url, sorted({s for s, _ in tasks}))
            await browser.close()
        started = time.monotonic()
        browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        job_slots = asyncio.Semaphore(jobs_at_once)
        latencies: list[float] = []
        ok = 0

        async def job(work: list[tuple[str, BusinessProfile]]) -> None:
            nonlocal ok
            async with job_slots:
                context = await browser.new_context()
                context.set_default_timeout(timeout_ms)
                queue = list(work)

                async def page_worker() -> None:
                    nonlocal ok
                    page = await context.new_page()
                    while queue:
                        site, profile = queue.pop(0)
                        t0 = time.monotonic()
                        try:
                            success = await tuned_submit(page, recipes[site], profile)
                            ok += success  # after the await: `ok += await ...` would read ok before it
                        except Exception as exc:  # counted as a failure; the figure says so
                            print(f"tuned {site}: {type(exc).__name__}: {str(exc)[:160]}", file=sys.stderr)
                        latencies.append(time.monotonic() - t0)

                await asyncio.gather(*(page_worker() for _ in range(pages_per_job)))
                await context.close()

        await asyncio.gather(*(job(w) for w in by_job.values()))
        wall = time.monotonic() - started
        await browser.close()
    return RunFigures("tuned loop (context/job, one evaluate)", wall, latencies, ok)


# ----------------------------------------------------------------------------------- memory
def tree_memory(pid: int, exclude: Sequence[int] = ()) -> tuple[int, int]:
    """(RSS, PSS) in bytes of a process and all its descendants (PSS counts shared pages once),
    without the trees of `exclude` (servers that stand in for the outside world)."""
    import psutil

    rss = pss = 0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    skipped: set[int] = set()
    for other in exclude:
        with contextlib.suppress(psutil.Error):
            skipped |= {other, *(c.pid for c in psutil.Process(other).children(recursive=True))}
    procs = [p for p in procs if p.pid not in skipped]
    for p in procs:
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except psutil.Error:
            continue
    return rss, pss


class PeakSampler:
    """Samples a process tree's memory in a thread; keeps the peaks."""

    def __init__(self, pid: int, interval_s: float = 0.1, exclude: Sequence[int] = ()):
        self.pid = pid
        self.exclude = tuple(exclude)
        self.interval_s = interval_s
        self.peak_rss = self.peak_pss = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss, pss = tree_memory(self.pid, self.exclude)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.samples += 1
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class CpuMeter:
    """CPU seconds (user + system) of process trees and of the PostgreSQL backends serving one database.

    Sampled in a thread: every process seen in the trees (Python, Playwright's node driver,
    Chromium and its renderers, Dagster's daemon and run processes) or among the backends counts
    its own time as last sampled, minus what it had used when the meter started. Own time only:
    adding the time of reaped children would count an exited renderer twice (once itself, once in
    its parent), and a Chromium reaped by a driver that has itself exited is added to no one. A
    process loses what it used after its last sample (at most one interval); one that lives less
    than an interval may be missed."""

    def __init__(self, roots: Sequence[int], *, database: str | None = None, exclude: Sequence[int] = (),
                 interval_s: float = 0.25):
        self.roots = list(roots)
        self.database = database
        self.exclude = set(exclude)
        self.interval_s = interval_s
        self._seen: dict[tuple[int, float], tuple[str, float]] = {}  # key -> (kind, own CPU seconds)
        self._base: dict[tuple[int, float], float] = {}
        self._labels: dict[tuple[int, float], str] = {}
        self._own_s = 0.0  # the meter's own sampling, done in this process: not counted
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _tree_processes(self) -> list[Any]:
        import psutil

        excluded: set[int] = set()
        for pid in self.exclude:
            with contextlib.suppress(psutil.Error):
                excluded |= {pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))}
        procs: dict[int, Any] = {}
        for pid in self.roots:
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                procs.update({p.pid: p for p in [root, *root.children(recursive=True)] if p.pid not in excluded})
        return list(procs.values())

    def _backends(self) -> list[Any]:
        import psutil

        if not self.database:
            return []
        out = []
        for p in psutil.process_iter(["cmdline"]):
            cmd = " ".join(p.info.get("cmdline") or [])
            if cmd.startswith("postgres:") and f" {self.database} " in f" {cmd} ":
                out.append(p)
        return out

    def sample(self, *, baseline: bool = False) -> None:
        import psutil

        found = [("tree", p) for p in self._tree_processes()] + [("postgres", p) for p in self._backends()]
        for kind, p in found:
            with contextlib.suppress(psutil.Error):
                key = (p.pid, p.create_time())
                t = p.cpu_times()
                if kind == "tree":
                    kind = "chromium" if "chrom" in p.name() else "python+node"
                if key not in self._labels:
                    self._labels[key] = _process_label(kind, p)
                self._seen[key] = (kind, t.user + t.system)
                if baseline:  # what already ran before the meter started does not count
                    self._base[key] = t.user + t.system

    def _loop(self) -> None:
        while not self._stop.is_set():
            t0 = time.thread_time()
            self.sample()
            self._own_s += time.thread_time() - t0
            self._stop.wait(self.interval_s)

    def __enter__(self) -> CpuMeter:
        t0 = time.thread_time()
        self.sample(baseline=True)
        self._own_s = time.thread_time() - t0
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        t0 = time.thread_time()
        self.sample()
        self._own_s += time.thread_time() - t0

    def seconds(self) -> dict[str, float]:
        out = {"chromium": 0.0, "python+node": 0.0, "postgres": 0.0}
        for key, (kind, used) in self._seen.items():
            out[kind] += max(0.0, used - self._base.get(key, 0.0))
        out["python+node"] = max(0.0, out["python+node"] - self._own_s)
        out["total"] = sum(out.values())
        return out

    def by_process(self) -> dict[str, float]:
        """CPU seconds by what the process is (Dagster daemon, code server, run processes, ...)."""
        out: dict[str, float] = {}
        for key, (_kind, used) in self._seen.items():
            label = self._labels.get(key, "other")
            out[label] = out.get(label, 0.0) + max(0.0, used - self._base.get(key, 0.0))
        if "benchmark process" in out:
            out["benchmark process"] = max(0.0, out["benchmark process"] - self._own_s)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _process_label(kind: str, proc: Any) -> str:
    if kind == "chromium":  # which of Chromium's processes: the browser, renderers, GPU, network
        try:
            kind_arg = next((a for a in proc.cmdline() if a.startswith("--type=")), "")
        except Exception:
            return kind
        if not kind_arg:
            return "chromium browser"
        sub = next((a for a in proc.cmdline() if a.startswith("--utility-sub-type=")), "")
        name = kind_arg.split("=", 1)[1] + (f" ({sub.split('=', 1)[1].rsplit('.', 1)[-1]})" if sub else "")
        return f"chromium {name}"
    if kind != "python+node":
        return kind
    try:
        cmd = " ".join(proc.cmdline())
    except Exception:
        return "other"
    if proc.pid == os.getpid():
        return "benchmark process"
    # A code server starts each run with multiprocessing's spawn: the run's command line is spawn_main's.
    for needle, label in (("dagster-daemon", "dagster daemon"), ("execute_run", "dagster run processes"),
                          ("multiprocessing", "dagster run processes"),
                          ("api grpc", "dagster code server"), ("code-server", "dagster code server"),
                          ("playwright", "playwright drivers (node)"), ("node", "playwright drivers (node)")):
        if needle in cmd:
            return label
    return "other python"
