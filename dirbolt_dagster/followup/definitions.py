import dagster as dg

from dirbolt_dagster.followup.listings import (
    daily_listing_followup,
    listing_followup,
    listing_followup_job,
    listing_progress,
)
from dirbolt_dagster.followup.verification import mail_verification, mail_verification_job, pending_verification_sensor

defs = dg.Definitions(assets=[mail_verification, listing_followup, listing_progress],
                      jobs=[mail_verification_job, listing_followup_job],
                      schedules=[daily_listing_followup], sensors=[pending_verification_sensor])
