"""Submissions: a job's plan and its submissions (one partition per job), their checks, `submit_job`."""
