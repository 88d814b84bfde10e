"""Listing follow-up in Dagster: `listing_followup`, one partition per day, re-checks submitted rows
(live? same name, address and phone?); the daily schedule materializes yesterday's partition."""

import asyncio
import datetime as dt
import uuid

import dagster as dg

from dirbolt_core.followup.listings import followup_round
from dirbolt_core.reports.charts import line_chart_png, png_markdown
from dirbolt_core.reports.timeline import BUCKETS, status_timeline
from dirbolt_dagster.followup.verification import FOLLOWUP_GROUP
from dirbolt_dagster.resources import BrowserResource, StoreResource

followup_days = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)


@dg.asset(partitions_def=followup_days, group_name=FOLLOWUP_GROUP, kinds={"chromium"},
          description="The day's follow-up of submitted rows: the recorded listing URL or the directory's search "
                      "page; a live listing becomes approved with its URL, or nap_mismatch naming the fields that "
                      "differ from the profile; rows not live past the directory's time to approval are flagged.")
def listing_followup(context: dg.AssetExecutionContext, store: StoreResource,
                     browser: BrowserResource) -> dg.MaterializeResult:
    day_end = context.partition_time_window.end
    now = min(dt.datetime.now(dt.UTC), day_end.astimezone(dt.UTC))
    summary = asyncio.run(followup_round(store.store, browser.options(), now=now, production=browser.production,
                                         actor=f"dagster:{context.run.run_id[:8]}"))
    return dg.MaterializeResult(metadata={
        "checked_at": now.isoformat(), "approved": len(summary.approved),
        "nap_mismatch": dg.MetadataValue.json(summary.nap_mismatch), "not_live": len(summary.not_live),
        "overdue": dg.MetadataValue.json(summary.overdue), "unchecked": len(summary.unchecked)})


listing_followup_job = dg.define_asset_job("listing_followup_job", selection=[listing_followup],
                                           partitions_def=followup_days)
daily_listing_followup = dg.build_schedule_from_partitioned_job(listing_followup_job, hour_of_day=5,
                                                                default_status=dg.DefaultScheduleStatus.RUNNING)


class ProgressConfig(dg.Config):
    job_ids: list[str] = []  # default: every job completed in the last `days` days
    days: float = 90


@dg.asset(group_name=FOLLOWUP_GROUP, deps=[listing_followup], kinds={"postgres"},
          description="Per job: live / pending / needs action over the days since submission (a plot of all "
                      "jobs together, a table per job) and the NAP mismatches to fix.")
def listing_progress(context: dg.AssetExecutionContext, config: ProgressConfig,
                     store: StoreResource) -> dg.MaterializeResult:
    db = store.store
    job_ids = [uuid.UUID(j) for j in config.job_ids] or db.jobs.completed_since(days=config.days)
    lines = ["| job | days | live | pending | needs action | NAP mismatches to fix |", "|---|---|---|---|---|---|"]
    totals: dict[str, list[float]] = {name: [] for name in BUCKETS}
    mismatches = 0
    for job_id in job_ids:
        timeline = status_timeline(db, job_id)
        if timeline is None:
            continue
        for name, values in timeline.lines.items():
            series = totals[name]
            series.extend([0.0] * (len(values) - len(series)))
            for day, value in enumerate(values):
                series[day] += value
        fix = [r.directory_id for r in db.submissions.results(job_id) if r.status.value == "nap_mismatch"]
        mismatches += len(fix)
        last = timeline.last()
        lines.append(f"| {job_id} | {timeline.days[-1]} | {last['live']} | {last['pending']} | "
                     f"{last['needs action']} | {', '.join(fix) or '—'} |")
    days = max((len(v) for v in totals.values()), default=0)
    for values in totals.values():
        values.extend([values[-1] if values else 0.0] * (days - len(values)))
    chart = png_markdown(line_chart_png(totals, [f"day {d}" for d in range(days)],
                                        title="Directories since submission, all jobs"), "progress") if days else ""
    return dg.MaterializeResult(metadata={
        "jobs": len(lines) - 2, "nap_mismatches_to_fix": mismatches,
        "live_now": int(totals["live"][-1]) if days else 0,
        "progress": dg.MetadataValue.md(chart + "\n\n" + "\n".join(lines))})
