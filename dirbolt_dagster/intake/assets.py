import dagster as dg

JOBS_QUEUE = dg.AssetKey("jobs_queue")
jobs_queue_spec = dg.AssetSpec(JOBS_QUEUE, group_name="intake", kinds={"sqs"},
                               description="The SQS jobs queue and its DLQ; observed on every intake tick.")
