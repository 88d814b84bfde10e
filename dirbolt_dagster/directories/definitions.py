import dagster as dg

from dirbolt_dagster.directories.assets import directory_readiness, directory_readiness_job, weekly_readiness_schedule
from dirbolt_dagster.directories.sensors import unprobed_directories_sensor

defs = dg.Definitions(assets=[directory_readiness], jobs=[directory_readiness_job],
                      schedules=[weekly_readiness_schedule], sensors=[unprobed_directories_sensor])
