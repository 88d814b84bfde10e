"""Listing follow-up in Dagster: `listing_followup`, one partition per day, re-checks submitted rows
(live? same name, address and phone?); the daily schedule materializes yesterday's partition."""

import asyncio
import datetime as dt

import dagster as dg

from dirbolt_core.followup.listings import followup_round
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
