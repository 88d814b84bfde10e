"""Operator metric assets over a synthetic week: per-directory and per-day success and p95 latency, the
planted success drop of one directory, and queue depth. Materialized in-process on an ephemeral instance
against the real PostgreSQL; the week is written straight into the tables (no browser)."""

from __future__ import annotations

import base64
import datetime as dt
import random
import re

import dagster as dg
import pytest

from dirbolt_core.models import Directory
from dirbolt_core.reports.metrics import DropRule, load_results, success_and_latency, success_drops
from dirbolt_core.reports.synthetic import SyntheticResult, seed_results, synthetic_job
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_dagster.operations.assets import directory_success_drops, queue_depth, submission_metrics
from dirbolt_dagster.resources import StoreResource
from tests.conftest import ARTIFACT_DIR

DRIFT = "sandbox-drift"  # its form changed two days ago
SLOW = "sandbox-slowpoke"  # long rate-limit waits, quick forms
SPARSE = "sandbox-sparse"  # failed lately, but too few recent submissions to call it a drop
STEADY = ["sandbox-alpha", "sandbox-bravo", "sandbox-charlie", "sandbox-delta"]
ALL = [*STEADY, DRIFT, SLOW, SPARSE]
DRIFT_REASON = "validation error: Business phone (mobile) is required"
BACKLOG = 8


def _directory(directory_id: str) -> Directory:
    return Directory(id=directory_id, name=directory_id.removeprefix("sandbox-").title(),
                     url=f"http://127.0.0.1:9/{directory_id}/", submission_url=f"http://127.0.0.1:9/{directory_id}/submit")


def _outcome(rng: random.Random, directory_id: str, recent: bool) -> tuple[SubmissionStatus, str | None]:
    p_success = 0.15 if directory_id in (DRIFT, SPARSE) and recent else 0.94
    if rng.random() < p_success:
        return rng.choice([SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED]), None
    if directory_id == DRIFT and recent:
        return SubmissionStatus.REJECTED, DRIFT_REASON
    return rng.choice([(SubmissionStatus.NEEDS_MANUAL, "captcha"), (SubmissionStatus.FAILED, "503"),
                       (SubmissionStatus.REJECTED, "outside region")])


@pytest.fixture
def week(store):
    """12 jobs a day for 7 days over 7 directories, plus a burst of jobs that waited 3 hours."""
    now = dt.datetime.now(dt.UTC)
    store.directories.upsert([_directory(d) for d in ALL])
    rng = random.Random(8)
    data = SAMPLE_PROFILE.model_dump(mode="json")
    start = now - dt.timedelta(days=7) + dt.timedelta(minutes=30)
    for k in range(7 * 12):
        t = start + dt.timedelta(hours=2 * k)
        if t > now - dt.timedelta(minutes=40):
            break
        job_id = synthetic_job(store, data, package_size=len(ALL), queued_at=t, started_at=t,
                               completed_at=t + dt.timedelta(minutes=30))
        recent = t > now - dt.timedelta(days=2)
        results = []
        for i, directory_id in enumerate(ALL):
            if directory_id == SPARSE and recent and k % 6:
                continue  # only every sixth recent job reached it
            status, reason = _outcome(rng, directory_id, recent)
            seconds = rng.uniform(15, 45) + (90 if directory_id == SLOW else 0)
            results.append(SyntheticResult(
                directory_id=directory_id, status=status, reason=reason,
                finished_at=t + dt.timedelta(minutes=2 + i), processing_time_seconds=seconds,
                rate_limit_wait_ms=90_000 if directory_id == SLOW else rng.randint(0, 2000)))
        seed_results(store, job_id, results)
    burst = now - dt.timedelta(days=3)
    for _ in range(BACKLOG):
        synthetic_job(store, data, package_size=1, queued_at=burst, started_at=burst + dt.timedelta(hours=3),
                      completed_at=burst + dt.timedelta(hours=3, minutes=20))
    return now


def test_drop_rule_needs_enough_recent_and_baseline_evidence(store, week):
    frame = load_results(store, days=7, now=week)
    drops = success_drops(frame, now=week, rule=DropRule()).set_index("directory_id")
    assert drops.loc[DRIFT, "dropped"] and drops.loc[DRIFT, "top_recent_reason"] == DRIFT_REASON
    assert drops.loc[SPARSE, "recent_n"] < DropRule().min_recent and not drops.loc[SPARSE, "dropped"]
    # The same sparse failures count once the rule accepts fewer recent submissions.
    loose = success_drops(frame, now=week, rule=DropRule(min_recent=2)).set_index("directory_id")
    assert loose.loc[SPARSE, "dropped"]
    by_directory = success_and_latency(frame, ["directory_id"]).set_index("directory_id")
    # p95 latency leaves rate-limit waits out: the slow directory only waited.
    assert by_directory.loc[SLOW, "p95_latency_s"] < 46
    assert frame.loc[frame["directory_id"] == SLOW, "processing_time_seconds"].min() > 100


def test_metric_assets_materialize_over_a_week_and_show_the_planted_drop(store, week, database_url):
    instance = dg.DagsterInstance.ephemeral()
    for visible in (3, 11, 4):
        instance.report_runless_asset_event(dg.AssetObservation(
            "jobs_queue", metadata={"queue_visible": visible, "queue_in_flight": 1, "dlq_depth": 2}))
    result = dg.materialize([submission_metrics, directory_success_drops, queue_depth], instance=instance,
                            resources={"store": StoreResource(database_url=database_url)})
    assert result.success

    metrics = result.asset_materializations_for_node("submission_metrics")[0].metadata
    by_directory = {r.data["directory_id"]: r.data for r in metrics["by_directory"].value.records}
    assert set(by_directory) == set(ALL)
    assert by_directory[DRIFT]["success_rate"] < 0.8 < min(by_directory[d]["success_rate"] for d in STEADY)
    assert by_directory[SLOW]["p95_latency_s"] < 46
    days = [r.data["day"] for r in metrics["by_day"].value.records]
    assert len(days) in (7, 8) and days == sorted(days)
    assert all(r.data["p95_latency_s"] is not None for r in metrics["by_day"].value.records)
    daily = metrics["daily_success_by_directory"].value
    assert daily.count("\n| sandbox-") == len(ALL) and "| trend |" in daily
    assert "data:image/png;base64," in metrics["charts"].value

    drops = result.asset_materializations_for_node("directory_success_drops")[0].metadata
    assert drops["dropped_directories"].value == [DRIFT]
    assert DRIFT_REASON in drops["summary"].value
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [("no_directory_success_drop", False)]

    queue = result.asset_materializations_for_node("queue_depth")[0].metadata
    assert queue["observations"].value == 3 and queue["sqs_visible_max"].value == 11
    assert queue["sqs_visible_now"].value == 4 and queue["sqs_dlq_now"].value == 2
    assert queue["jobs_waiting_max"].value == BACKLOG and queue["jobs_waiting_now"].value == 0
    assert len(queue["jobs_hourly"].value.records) == 7 * 24 + 1
    assert "data:image/png;base64," in queue["charts"].value
    # Keep the charts for people to look at (test-artifacts/ is not committed).
    ARTIFACT_DIR.mkdir(exist_ok=True)
    charts = re.findall(r"base64,([A-Za-z0-9+/=]+)", metrics["charts"].value + queue["charts"].value)
    for i, data in enumerate(charts):
        (ARTIFACT_DIR / f"metrics-chart-{i}.png").write_bytes(base64.b64decode(data))
    (ARTIFACT_DIR / "metrics-daily-success.md").write_text(daily + "\n\n" + drops["summary"].value + "\n")


def test_latency_of_a_row_without_processing_time_comes_from_its_first_claim(store):
    """Planned rows can finish without processing_time_seconds; the audit trail still times them."""
    now = dt.datetime.now(dt.UTC)
    store.directories.upsert([_directory(STEADY[0])])
    job_id = synthetic_job(store, SAMPLE_PROFILE.model_dump(mode="json"), package_size=1,
                           queued_at=now - dt.timedelta(minutes=5), started_at=now - dt.timedelta(minutes=4))
    seed_results(store, job_id, [SyntheticResult(STEADY[0], SubmissionStatus.SUBMITTED, now,
                                                 processing_time_seconds=None, rate_limit_wait_ms=5000)])
    with store.connection() as conn:
        for seconds_ago in (70, 30):  # the first claim counts, not the retry's
            conn.execute("INSERT INTO queue_history (at, entity, job_id, directory_id, event) "
                         "VALUES (%s, 'submission', %s, %s, 'claimed')",
                         (now - dt.timedelta(seconds=seconds_ago), job_id, STEADY[0]))
    frame = load_results(store, days=1, now=now + dt.timedelta(seconds=1))
    assert frame["processing_time_seconds"].tolist() == [pytest.approx(70, abs=0.01)]
    assert frame["latency_s"].tolist() == [pytest.approx(65, abs=0.01)]
