"""Directory readiness: the probe as an asset with checks for form drift and a falling share of ready
directories, its job and the weekly re-probe."""

import asyncio

import dagster as dg

from dirbolt_core import composition
from dirbolt_core.db.probes import DriftedDirectory, ReadyShareDay
from dirbolt_core.runner.probing import probe_directories
from dirbolt_core.vocabulary import Readiness
from dirbolt_dagster.markdown import cell, markdown_table
from dirbolt_dagster.resources import ArtifactStoreResource, BrainResource, BrowserResource, StoreResource
from dirbolt_dagster.submissions.assets import BROWSER_POOL

DIRECTORY_READINESS = dg.AssetKey("directory_readiness")
NO_FORM_DRIFT = "no_form_drift"
READY_SHARE_HOLDS = "ready_share_not_falling"
# A probing round that leaves this much less of the catalog ready than before it is flagged.
READY_SHARE_DROP = 0.05


class ReadinessConfig(dg.Config):
    scope: str = "due"  # due: never probed or probed over a week ago | unprobed | all
    directory_ids: list[str] = []  # probe these only (overrides scope)


def _ready_share(counts: dict[str, int]) -> float | None:
    total = sum(counts.values())
    return counts.get(Readiness.READY.value, 0) / total if total else None


def _table(records) -> str:
    ordered = sorted(records, key=lambda r: (r.readiness.value != "ready", r.directory_id))
    return markdown_table(["directory", "readiness", "reason"],
                          [(r.directory_id, r.readiness.value, cell(r.reason, 160)) for r in ordered])


def drift_check(drifted: list[DriftedDirectory]) -> dg.AssetCheckResult:
    table = markdown_table(["directory", "signature now", "at last success"], [
        (d.directory_id, d.signature, d.ready_signature or ", ".join(d.learned_signatures or [])) for d in drifted])
    return dg.AssetCheckResult(
        check_name=NO_FORM_DRIFT, passed=not drifted, severity=dg.AssetCheckSeverity.WARN,
        metadata={"drifted": len(drifted), "directories": dg.MetadataValue.md(table if drifted else "none")})


def ready_share_check(before: float | None, after: float | None,
                      history: list[ReadyShareDay]) -> dg.AssetCheckResult:
    falling = before is not None and after is not None and after < before - READY_SHARE_DROP
    by_day = markdown_table(["day", "probed", "ready"], [(h.day, h.probed, h.ready) for h in history])
    return dg.AssetCheckResult(
        check_name=READY_SHARE_HOLDS, passed=not falling, severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "ready_share_before": dg.MetadataValue.float(round(before, 4) if before is not None else float("nan")),
            "ready_share_after": dg.MetadataValue.float(round(after, 4) if after is not None else float("nan")),
            "allowed_drop": READY_SHARE_DROP,
            "by_day": dg.MetadataValue.md(by_day),
        })


@dg.asset(
    key=DIRECTORY_READINESS,
    group_name="directories",
    kinds={"playwright", "postgres"},
    pool=BROWSER_POOL,  # a probing round takes a browser slot like a job's submissions
    description="Each catalog directory's readiness from a dry run of its submission page (never pressing "
                "submit): ready, needs_review, login_required, captcha, no_form or unreachable. Plans use ready "
                "directories (and login-required ones with credentials).",
    check_specs=[
        dg.AssetCheckSpec(NO_FORM_DRIFT, asset=DIRECTORY_READINESS,
                          description="No directory's form signature changed since its last success."),
        dg.AssetCheckSpec(READY_SHARE_HOLDS, asset=DIRECTORY_READINESS,
                          description=f"The share of ready directories did not fall by more than "
                                      f"{READY_SHARE_DROP:.0%} in this probing round."),
    ],
)
def directory_readiness(context: dg.AssetExecutionContext, config: ReadinessConfig, store: StoreResource,
                        browser: BrowserResource, brain: BrainResource,
                        artifacts: ArtifactStoreResource) -> dg.MaterializeResult:
    repository = store.store.directories
    if config.directory_ids:
        ids = list(config.directory_ids)
    elif config.scope == "all":
        ids = [s.id for s in repository.states() if s.active]
    elif config.scope == "unprobed":
        ids = repository.due_for_probe()
    else:
        ids = repository.due_for_probe(older_than_days=6.5)
    before = _ready_share(repository.readiness_counts())
    states = repository.states(ids=ids)
    run = composition.probe_run(browser.settings(), store=store.store, actor=f"run:{context.run.run_id}",
                                brain=brain.brain(store.store), artifacts=artifacts.artifacts(),
                                browser=browser.options())
    context.log.info(f"probing {len(states)} directories, {run.concurrency} at a time")
    records = asyncio.run(probe_directories(store.store, [s.directory for s in states], run))
    counts = repository.readiness_counts()
    after = _ready_share(counts)
    found: dict[str, int] = {}
    for r in records:
        found[r.readiness.value] = found.get(r.readiness.value, 0) + 1
    return dg.MaterializeResult(
        metadata={
            "probed": len(records),
            "found": dg.MetadataValue.json(found),
            "catalog_by_readiness": dg.MetadataValue.json(counts),
            "ready_share": dg.MetadataValue.float(round(after, 4) if after is not None else float("nan")),
            "probes": dg.MetadataValue.md(_table(records) if records else "nothing was due"),
        },
        check_results=[drift_check(store.store.probes.drifted()),
                       ready_share_check(before, after, store.store.probes.ready_share_history())],
    )


directory_readiness_job = dg.define_asset_job(
    "directory_readiness_job", selection=[directory_readiness], executor_def=dg.in_process_executor,
    description="Probe catalog directories (config scope: due | unprobed | all, or directory_ids).")

# Weekly: every active directory again, so drift and dead directories leave the plans.
weekly_readiness_schedule = dg.ScheduleDefinition(
    name="weekly_directory_probe", job=directory_readiness_job, cron_schedule="0 3 * * 1",
    run_config=dg.RunConfig(ops={"directory_readiness": ReadinessConfig(scope="all")}),
    default_status=dg.DefaultScheduleStatus.RUNNING)
