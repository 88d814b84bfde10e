"""Migration from the legacy poller: per-job comparison, the agreement gate, the cross-job rollup."""

import uuid

import dagster as dg

from dirbolt_core.measures import AGREEMENT_GATE
from dirbolt_core.migration.compare import agreement, compare_and_record
from dirbolt_core.migration.gates import migration_status
from dirbolt_dagster.markdown import cell, markdown_table
from dirbolt_dagster.partitions import jobs_partitions
from dirbolt_dagster.resources import StoreResource
from dirbolt_dagster.submissions.assets import submissions


def _disagreement_table(rows: list) -> str:
    return markdown_table(["directory", "legacy", "new", "reason"], [
        (r.directory_key, r.legacy_status or "—", r.new_status or "—", cell(r.reason, 200)) for r in rows])


AGREEMENT_CHECK = "legacy_agreement_above_95"


def agreement_check(comparisons: list) -> dg.AssetCheckResult | None:
    """The agreement gate over the job's compared directories; None (the check is skipped: "not
    applicable") when nothing was compared, e.g. with the comparison off or no legacy results."""
    rate, agreeing, compared = agreement(comparisons)
    if rate is None or not compared:
        return None
    disagreements = [f"{c.directory_key}: {c.reason}" for c in comparisons if c.compared and not c.agree]
    return dg.AssetCheckResult(
        check_name=AGREEMENT_CHECK,
        passed=rate > AGREEMENT_GATE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "agreement_percent": dg.MetadataValue.float(round(rate * 100, 2)),
            "compared": compared,
            "agreeing": agreeing,
            "gate": dg.MetadataValue.text(f"> {AGREEMENT_GATE:.0%}"),
            "disagreements": dg.MetadataValue.md("\n".join(f"- {d}" for d in disagreements) or "none"),
        },
    )


def _not_applicable(why: str) -> dict:
    return {"compared": 0, "agreement": dg.MetadataValue.text(f"not applicable: {why}")}


@dg.multi_asset(
    specs=[dg.AssetSpec("legacy_comparison", deps=[submissions], group_name="migration", kinds={"postgres"},
                        partitions_def=jobs_partitions,
                        description="Legacy vs new status per directory of the job, on one scale; stored in "
                                    "legacy_comparisons.")],
    check_specs=[dg.AssetCheckSpec(AGREEMENT_CHECK, asset="legacy_comparison", partitions_def=jobs_partitions,
                                   description="Agreement with the legacy system's results above 95% of "
                                               "compared directories; skipped when nothing was compared.")],
    partitions_def=jobs_partitions,
    # A multi-asset that may leave an output out: with nothing compared the check has no result, and
    # Dagster shows it skipped.
    can_subset=True,
)
def legacy_comparison(context: dg.AssetExecutionContext, store: StoreResource):
    db = store.store
    job_id = uuid.UUID(context.partition_key)
    # Nothing compared: no figure, and no result for the agreement check, which Dagster shows skipped.
    if not db.rollout.settings().legacy_comparison:
        yield dg.MaterializeResult(metadata=_not_applicable("legacy comparison is off (cut over)"))
        return
    comparisons = compare_and_record(db, job_id)
    rate, agreeing, compared = agreement(comparisons)
    check = agreement_check(comparisons)
    if check is None:
        yield dg.MaterializeResult(metadata=_not_applicable("no directory compared yet (no legacy result)"))
        return
    disagreements = [c for c in comparisons if c.compared and not c.agree]
    yield dg.MaterializeResult(
        metadata={
            "compared": compared,
            "agreeing": agreeing,
            "agreement_percent": dg.MetadataValue.float(round(rate * 100, 2)),
            "only_legacy": sum(1 for c in comparisons if c.new_status is None),
            "only_new": sum(1 for c in comparisons if c.legacy_status is None),
            "disagreements": dg.MetadataValue.md(_disagreement_table(disagreements)),
        },
        check_results=[check],
    )


@dg.asset(
    deps=[dg.AssetKey("legacy_comparison")],
    group_name="migration",
    kinds={"postgres"},
    description="Where the rollout stands: phase, gate figures, agreement by directory and by day.",
)
def migration_rollup(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    db = store.store
    status = migration_status(db)
    by_directory_rows = db.rollout.agreement(by="directory")
    by_day_rows = db.rollout.agreement(by="day")
    gates = markdown_table(["gate", "figure", "threshold", "met"], [
        (g.name, "n/a" if g.figure is None else round(g.figure, 4), g.threshold, "yes" if g.met else "no")
        for g in status.gates])
    by_directory = markdown_table(["directory", "agreeing / compared"],
                                  [(r.key, f"{r.agreeing}/{r.compared}") for r in by_directory_rows])
    by_day = markdown_table(["day", "agreeing / compared"],
                            [(r.key, f"{r.agreeing}/{r.compared}") for r in by_day_rows])
    return dg.MaterializeResult(metadata={
        "phase": status.phase,
        "routing_percent": status.settings.routing_percent,
        "next_phase": status.next_phase or "none",
        "ready_for_next_phase": status.ready_for_next,
        "blockers": dg.MetadataValue.md("\n".join(f"- {b}" for b in status.blockers) or "none"),
        "gates": dg.MetadataValue.md(gates),
        "agreement_by_directory": dg.MetadataValue.md(by_directory),
        "agreement_by_day": dg.MetadataValue.md(by_day),
    })


migration_rollup_job = dg.define_asset_job("migration_rollup_job", selection=[migration_rollup],
                                           executor_def=dg.in_process_executor)
migration_rollup_schedule = dg.ScheduleDefinition(job=migration_rollup_job, cron_schedule="0 * * * *",
                                                  default_status=dg.DefaultScheduleStatus.RUNNING)
