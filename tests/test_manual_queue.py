"""The manual work queue (issue 19): rows a person acts on, resolved once, visible in the report and checks.

Rows come from real runs (the sandbox's captcha site in real Chromium) except where a test needs a
state a run reaches only by a crash (an unknown outcome: the engine's own calls, in its order).
"""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from typer.testing import CliRunner

from dirbolt_cli.app import app
from dirbolt_core.db.manual import AlreadyResolvedError, NotInQueueError
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.models import SubmissionOutcome
from dirbolt_core.reports.job_report import build_job_report
from dirbolt_core.reports.render import render_csv, render_html
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_dagster.submissions.checks import success_rate_check
from tests.runner_harness import order, run_in_process

CAPTCHA = "sandbox-verifiedfinder"
PLAIN = "sandbox-localpages"


def _captcha_job(store, catalog, artifact_dir, sites=(CAPTCHA, PLAIN)) -> uuid.UUID:
    picked = [d for d in catalog if d.id in sites]
    store.directories.upsert(picked, vouch="sandbox sites")
    job_id = order(store, size=len(picked))
    run_in_process(store, job_id, artifact_dir)
    statuses = {r.directory_id: r.status for r in store.submissions.results(job_id)}
    assert statuses[CAPTCHA] is SubmissionStatus.NEEDS_MANUAL, statuses
    return job_id


def _row(store, job_id, directory_id):
    return next(r for r in store.submissions.results(job_id) if r.directory_id == directory_id)


def _legacy_status(store, job_id, directory_id) -> str:
    with store.connection() as conn:
        return conn.execute("SELECT submission_status FROM job_results WHERE job_id = %s AND directory_id = %s",
                            (job_id, directory_id)).fetchone()["submission_status"]


def test_a_captcha_row_resolved_by_hand_shows_in_report_and_checks_and_twice_is_refused(
        store, catalog, sandbox, artifact_dir, database_url):
    job_id = _captcha_job(store, catalog, artifact_dir)
    cli = CliRunner()

    # The queue shows what a person needs: reason, where to submit, proof, values to paste, age.
    listed = cli.invoke(app, ["manual", "list", "--job", str(job_id), "--json", "--database-url", database_url])
    assert listed.exit_code == 0, listed.output
    items = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    assert [i["directory_id"] for i in items] == [CAPTCHA]
    item = items[0]
    assert "captcha" in item["reason"].lower()
    assert item["submission_url"].endswith("/sites/verifiedfinder/submit")
    assert item["screenshot_uri"] and item["html_uri"]
    assert item["profile"]["business_name"] == SAMPLE_PROFILE.business_name
    assert item["profile"]["phone"] == SAMPLE_PROFILE.phone
    assert item["age_s"] >= 0 and item["unknown_outcome"] is False
    table = cli.invoke(app, ["manual", "list", "--database-url", database_url])
    assert CAPTCHA in table.output and "verifiedfinder/submit" in table.output

    before = success_rate_check(store.submissions.results(job_id))
    assert before.metadata["succeeded"].value == 1 and before.metadata["waiting_for_a_person"].value == 1

    resolved = cli.invoke(app, ["manual", "resolve", str(job_id), CAPTCHA, "--status", "approved",
                                "--listing-url", "https://verified.example/biz/42", "--note", "solved the captcha",
                                "--by", "ana", "--database-url", database_url])
    assert resolved.exit_code == 0, resolved.output
    row = _row(store, job_id, CAPTCHA)
    assert row.status is SubmissionStatus.APPROVED
    assert row.listing_url == "https://verified.example/biz/42"
    assert row.reason == "resolved by hand (ana): solved the captcha"
    assert row.evidence["manual_resolution"]["reason_before"].lower().startswith("captcha")
    assert _legacy_status(store, job_id, CAPTCHA) == "approved"
    assert store.manual.list(job_id) == []

    # The audit trail, the report (HTML and CSV) and the checks show it.
    events = [e for e in store.audit.history(job_id) if e.event == "manual_resolved"]
    assert len(events) == 1 and events[0].actor == "ana" and events[0].to_status == "approved"
    report = build_job_report(store, job_id, None, thumbnails=False)
    [by_hand] = report.resolved_by_hand
    assert by_hand.directory_id == CAPTCHA and by_hand.status is SubmissionStatus.APPROVED
    assert report.success_rate == 1.0
    html = render_html(report)
    assert "Resolved by hand by ana" in html and "Resolved by hand</span>" in html
    csv_rows = render_csv(report).splitlines()
    assert csv_rows[0].endswith("resolved_by,resolved_at")
    assert any(line.startswith(CAPTCHA) and ",ana," in line for line in csv_rows[1:])
    after = success_rate_check(store.submissions.results(job_id))
    assert after.passed and after.metadata["resolved_by_hand"].value == 1
    assert after.metadata["resolutions"].value == {CAPTCHA: {"status": "approved", "by": "ana"}}
    assert after.metadata["waiting_for_a_person"].value == 0

    # A second resolution is refused and changes nothing.
    again = cli.invoke(app, ["manual", "resolve", str(job_id), CAPTCHA, "--status", "rejected", "--by", "bo",
                             "--database-url", database_url])
    assert again.exit_code == 1 and "already resolved as approved by ana" in again.output
    assert _row(store, job_id, CAPTCHA) == row
    assert len(store.manual.resolutions(job_id)) == 1
    assert len([e for e in store.audit.history(job_id) if e.event == "manual_resolved"]) == 1

    # A row that never waited for a person, and a directory the job does not have: refused, unchanged.
    plain = _row(store, job_id, PLAIN)
    with pytest.raises(NotInQueueError, match="is submitted, not needs_manual"):
        store.manual.resolve(job_id, PLAIN, status="approved", by="ana")
    with pytest.raises(NotInQueueError, match="no live row"):
        store.manual.resolve(job_id, "sandbox-nowhere", status="approved", by="ana")
    assert _row(store, job_id, PLAIN) == plain and len(store.manual.resolutions(job_id)) == 1

    # The next run of the job leaves the resolved row alone: nothing reaches the captcha site.
    run_in_process(store, job_id, artifact_dir)
    assert sandbox.submissions("verifiedfinder") == []
    assert _row(store, job_id, CAPTCHA) == row


def test_bad_resolutions_are_refused_before_touching_the_row(store, catalog, sandbox, artifact_dir):
    job_id = _captcha_job(store, catalog, artifact_dir, sites=(CAPTCHA,))
    row = _row(store, job_id, CAPTCHA)
    for kwargs, message in (({"status": "needs_manual", "by": "ana"}, "a resolution is one of"),
                            ({"status": "failed", "by": "ana"}, "a resolution is one of"),
                            ({"status": "approved", "by": "  "}, "names the person"),
                            ({"status": "approved", "by": "ana", "listing_url": "javascript:alert(1)"}, "http")):
        with pytest.raises(ValueError, match=message):
            store.manual.resolve(job_id, CAPTCHA, **kwargs)
    assert _row(store, job_id, CAPTCHA) == row
    assert store.manual.resolutions(job_id) == []
    assert [i.directory_id for i in store.manual.list(job_id)] == [CAPTCHA]


def test_two_people_resolving_the_same_row_at_once_record_one_resolution(store, catalog, sandbox, artifact_dir):
    job_id = _captcha_job(store, catalog, artifact_dir, sites=(CAPTCHA,))
    start = threading.Barrier(4)
    outcomes: list[object] = []

    def resolve(person: str) -> None:
        start.wait()
        try:
            outcomes.append(store.manual.resolve(job_id, CAPTCHA, status="submitted", by=person, note=person))
        except AlreadyResolvedError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=resolve, args=(p,)) for p in ("ana", "bo", "cy", "di")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(outcomes) == 4 and len(won) == 1
    [resolution] = store.manual.resolutions(job_id)
    assert resolution.resolved_by == won[0].resolved_by
    assert _row(store, job_id, CAPTCHA).reason == f"resolved by hand ({resolution.resolved_by}): " \
                                                  f"{resolution.resolved_by}"
    assert all(str(o).startswith(f"already resolved as submitted by {resolution.resolved_by}")
               for o in outcomes if isinstance(o, Exception))


def test_an_unknown_outcome_row_shows_when_submit_was_pressed(store, catalog):
    """The engine's calls for a press whose answer never came (runner/engine.py `_crashed`)."""
    directory = next(d for d in catalog if d.id == PLAIN)
    store.directories.upsert([directory], vouch="sandbox sites")
    job_id = order(store)
    key = idempotency_key(job_id, directory.id, SAMPLE_PROFILE.model_dump(mode="json"))
    job = store.jobs.get(job_id)
    store.submissions.save_plan(job_id, [(key, directory)], actor="test")
    assert store.submissions.claim(key=key, job_id=job_id, directory=directory, owner="w1", run_id="r").claimed
    store.submissions.mark_submit_started(key)
    store.submissions.finish(key, SubmissionOutcome(
        status=SubmissionStatus.NEEDS_MANUAL, confidence=0.3,
        reason="outcome unknown: TargetClosedError after pressing submit; verify before resubmitting"), actor="w1")
    [item] = store.manual.list(job.id)
    assert item.unknown_outcome and item.submit_pressed_at is not None
    assert item.profile["business_name"] == SAMPLE_PROFILE.business_name
    # A person checked the directory: the listing was there. Recorded as submitted, once.
    store.manual.resolve(job_id, PLAIN, status="submitted", by="ana", note="listing found on the site")
    assert _row(store, job_id, PLAIN).status is SubmissionStatus.SUBMITTED
    assert store.manual.resolutions(job_id)[0].reason_before.startswith("outcome unknown")
