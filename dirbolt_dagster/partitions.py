from __future__ import annotations

import dagster as dg

# One partition per customer job (not per submission: Dagster advises at most ~100k
# partitions an asset, and a job holds up to hundreds of submissions).
jobs_partitions = dg.DynamicPartitionsDefinition(name="jobs")
