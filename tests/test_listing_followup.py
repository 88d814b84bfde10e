"""Listing follow-up (issue 19, acceptance 3): the sandbox's review delay on its own clock, advanced by the
test; real runs in Chromium, the follow-up in Chromium through the catalog's search page."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import httpx
import pytest

from dirbolt_core.catalog import load_catalog
from dirbolt_core.followup.listings import approval_days, followup_round
from dirbolt_core.followup.nap import ListedNap, nap_differences
from dirbolt_core.models import Directory
from dirbolt_core.reports.job_report import build_job_report
from dirbolt_core.reports.render import render_html
from dirbolt_core.runner.browser import BrowserOptions
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_dagster.followup.listings import listing_followup, listing_progress
from dirbolt_dagster.resources import BrowserResource, StoreResource
from dirbolt_sandbox.app import create_app
from tests.runner_harness import order, run_in_process
from tests.web_harness import serving

REVIEW_DELAY_S = 2 * 86400


@pytest.fixture
def review_sandbox() -> Iterator[str]:
    with serving(create_app(seed=7, followup=True)) as url:
        yield url


def _directories(url: str, tmp_path: Path, sites: tuple[str, ...]) -> list[Directory]:
    """The served catalog through the importer (its search_url and time to approval land in details)."""
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps([e for e in httpx.get(f"{url}/_admin/catalog.json").json()
                                if e["id"].removeprefix("sandbox-") in sites]))
    return load_catalog(path)


def _submitted(store, url, tmp_path, artifact_dir, sites):
    directories = _directories(url, tmp_path, sites)
    assert all(d.details.get("search_url") for d in directories)
    store.directories.upsert(directories, vouch="sandbox sites")
    job_id = order(store, size=len(sites))
    run_in_process(store, job_id, artifact_dir)
    rows = store.submissions.results(job_id)
    assert {r.status for r in rows} == {SubmissionStatus.SUBMITTED}, rows
    return job_id


def _rows(store, job_id):
    return {r.directory_id.removeprefix("sandbox-"): r for r in store.submissions.results(job_id)}


def test_follow_up_approves_live_listings_and_names_the_field_an_altered_listing_differs_in(
        store, review_sandbox, tmp_path, artifact_dir, database_url):
    url = review_sandbox
    job_id = _submitted(store, url, tmp_path, artifact_dir, ("reviewlater", "reviewalter"))
    finished = max(r.finished_at for r in store.submissions.results(job_id))

    # A day later: under review on both directories; nothing changes but the check is recorded.
    early = asyncio.run(followup_round(store, BrowserOptions(), now=finished + dt.timedelta(days=1)))
    assert sorted(early.not_live) == ["sandbox-reviewalter", "sandbox-reviewlater"] and early.overdue == []
    rows = _rows(store, job_id)
    assert {r.status for r in rows.values()} == {SubmissionStatus.SUBMITTED}
    assert rows["reviewlater"].evidence["followup"]["live"] is False
    assert rows["reviewlater"].evidence["followup"]["approval_days"] == 3

    # The editors approve after the review delay (the sandbox clock moves two days on).
    httpx.post(f"{url}/_admin/clock", json={"advance_s": REVIEW_DELAY_S + 1}).raise_for_status()
    instance = dg.DagsterInstance.ephemeral()
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    result = dg.materialize([listing_followup], partition_key=today, instance=instance, resources={
        "store": StoreResource(database_url=database_url), "browser": BrowserResource()})
    assert result.success
    metadata = result.asset_materializations_for_node("listing_followup")[0].metadata
    assert metadata["approved"].value == 1
    assert metadata["nap_mismatch"].value == {"sandbox-reviewalter": ["phone"]}

    rows = _rows(store, job_id)
    live = rows["reviewlater"]
    assert live.status is SubmissionStatus.APPROVED and live.reason == "live: the listing matches the profile"
    assert "/sites/reviewlater/listing/" in live.listing_url and httpx.get(live.listing_url).status_code == 200
    # The directory words the street its own way: the same address once normalised.
    assert "S. Congress Avenue" in httpx.get(live.listing_url).text
    altered = rows["reviewalter"]
    assert altered.status is SubmissionStatus.NAP_MISMATCH
    assert "/sites/reviewalter/listing/" in altered.listing_url
    differences = altered.evidence["followup"]["differences"]
    assert list(differences) == ["phone"] and differences["phone"]["profile"] == SAMPLE_PROFILE.phone
    assert differences["phone"]["listed"] != SAMPLE_PROFILE.phone and "phone: listed" in altered.reason
    events = {e.directory_id: e.event for e in store.audit.history(job_id) if e.event.startswith("listing_")}
    assert events == {"sandbox-reviewlater": "listing_approved", "sandbox-reviewalter": "listing_nap_mismatch"}

    # The legacy platform reads both as approved; the report shows the mismatch to fix.
    with store.connection() as conn:
        legacy = conn.execute("SELECT directory_id, submission_status FROM job_results WHERE job_id = %s",
                              (job_id,)).fetchall()
    assert {r["submission_status"] for r in legacy} == {"approved"}
    report = build_job_report(store, job_id, None, thumbnails=False)
    assert report.counts["nap_mismatch"] == 1 and report.counts["approved"] == 1
    html = render_html(report)
    assert 'id="nap-mismatches"' in html and "Typo Prone Directory" in html and "phone" in html
    # Over time: both live now (the plot's last day), and the metric asset across jobs.
    assert report.timeline is not None and report.timeline.last() == {"live": 2, "pending": 0, "needs action": 0}
    assert 'id="timeline"' in html and "2 live, 0 pending, 0 needs action" in html
    progress = dg.materialize([listing_progress], instance=instance, resources={
        "store": StoreResource(database_url=database_url)},
        run_config={"ops": {"listing_progress": {"config": {"job_ids": [str(job_id)]}}}})
    assert progress.success
    facts = progress.asset_materializations_for_node("listing_progress")[0].metadata
    assert facts["jobs"].value == 1 and facts["nap_mismatches_to_fix"].value == 1 and facts["live_now"].value == 2
    assert "sandbox-reviewalter" in facts["progress"].value and "data:image/png;base64," in facts["progress"].value

    # Nothing is left to follow up: another round changes nothing.
    again = asyncio.run(followup_round(store, BrowserOptions()))
    assert again.approved == [] and again.nap_mismatch == {} and again.not_live == []
    assert _rows(store, job_id) == rows


def test_a_listing_not_live_past_the_directorys_time_to_approval_is_flagged(
        store, review_sandbox, tmp_path, artifact_dir):
    job_id = _submitted(store, review_sandbox, tmp_path, artifact_dir, ("reviewlater",))
    finished = store.submissions.results(job_id)[0].finished_at
    late = asyncio.run(followup_round(store, BrowserOptions(), now=finished + dt.timedelta(days=4)))
    assert late.overdue == ["sandbox-reviewlater"]
    [row] = store.submissions.results(job_id)
    assert row.status is SubmissionStatus.SUBMITTED
    assert row.reason == "not live 4 days after submission (the directory approves within 3 days)"
    assert row.evidence["followup"]["overdue"] is True and row.listing_url is None


def test_nap_comparison_normalises_case_punctuation_phone_digits_and_street_words():
    same = ListedNap(name="BLUEBIRD BAKERY AND CAFÉ", address="1402 S. Congress Avenue", city="austin",
                     postal_code="78704", phone="+1 512.555.0142")
    assert nap_differences(same, SAMPLE_PROFILE) == {}
    moved = ListedNap(name="Bluebird Bakery & Café", address="1500 South Congress Ave", phone="512-555-0142")
    assert list(nap_differences(moved, SAMPLE_PROFILE)) == ["address"]
    renamed = ListedNap(name="Bluebird Bakeries", phone="(512) 555-0143")
    assert list(nap_differences(renamed, SAMPLE_PROFILE)) == ["name", "phone"]
    assert approval_days({"timeToApproval": "1-3 days"}) == 3 and approval_days({"timeToApproval": "2 weeks"}) == 14
    assert approval_days({}) == 28 and approval_days({"time_to_approval_days": 5}) == 5
