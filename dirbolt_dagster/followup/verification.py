"""E-mail verification in Dagster: the `mail_verification` asset (one round over the agency's mailbox)
and the sensor that asks for a round while rows wait for their confirmation mail."""

import asyncio
import time

import dagster as dg

from dirbolt_core.mail.verify import verify_round
from dirbolt_core.settings import get_settings
from dirbolt_dagster.resources import ArtifactStoreResource, BrowserResource, MailboxResource, StoreResource

FOLLOWUP_GROUP = "followup"


@dg.asset(group_name=FOLLOWUP_GROUP, kinds={"email"},
          description="One round of e-mail verification: new confirmation mails matched to pending_verification "
                      "rows, their links (on the directory's own domain only) opened once; expired links, "
                      "foreign links and rows unconfirmed after the timeout go to the manual queue.")
def mail_verification(context: dg.AssetExecutionContext, store: StoreResource, artifacts: ArtifactStoreResource,
                      browser: BrowserResource, mailbox: MailboxResource) -> dg.MaterializeResult:
    summary = asyncio.run(verify_round(
        store.store, mailbox.mailbox(), artifacts.artifacts(), browser.options(), timeout_h=mailbox.timeout_h,
        production=browser.production, actor=f"dagster:{context.run.run_id[:8]}"))
    return dg.MaterializeResult(metadata={
        "confirmed": len(summary.confirmed), "to_manual_queue": len(summary.to_manual),
        "links_refused": dg.MetadataValue.json(summary.refused_links), "timed_out": len(summary.timed_out),
        "unmatched_mails": summary.unmatched, "links_opened": len(summary.opened),
        "still_pending": len(store.store.verification.pending())})


mail_verification_job = dg.define_asset_job("mail_verification_job", selection=[mail_verification],
                                            description="One e-mail verification round.")


@dg.sensor(job=mail_verification_job, minimum_interval_seconds=get_settings().verification_interval_s,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Asks for an e-mail verification round while rows wait for their confirmation mail.")
def pending_verification_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    pending = store.store.verification.pending()
    if not pending:
        return dg.SkipReason("no row waits for a confirmation mail")
    interval = get_settings().verification_interval_s
    return dg.RunRequest(run_key=f"mail-verification-{int(time.time() // interval)}",
                         tags={"dirbolt/pending_verification": str(len(pending))})
