import dagster as dg

from dirbolt_dagster.migration.assets import (
    legacy_comparison,
    migration_rollup,
    migration_rollup_job,
    migration_rollup_schedule,
)

defs = dg.Definitions(assets=[legacy_comparison, migration_rollup], jobs=[migration_rollup_job],
                      schedules=[migration_rollup_schedule])
