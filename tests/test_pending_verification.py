"""An answer saying a confirmation e-mail was sent: `pending_verification`, never `submitted`, and
neither a success nor a failure in the success rate, the report, the checks and `dirbolt results`."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from dirbolt_core.brain.outcome import classify_outcome
from dirbolt_core.measures import success_rate
from dirbolt_core.models import SubmissionResult
from dirbolt_core.reports.job_report import JobReport, ReportRow
from dirbolt_core.reports.render import render_html
from dirbolt_core.vocabulary import SubmissionStatus as S
from dirbolt_dagster.submissions.checks import success_rate_check


@pytest.mark.parametrize("text", [
    "Thanks! We sent you an e-mail to confirm your listing.",
    "Almost done: check your inbox and click the link to activate your listing.",
    "A confirmation email has been sent to owner@bluebird.example.",
    "Please verify your email address by clicking the link we emailed you.",
    "Danke! Wir haben Ihnen eine Bestätigungs-E-Mail geschickt.",
    "Merci ! Un e-mail de confirmation vous a été envoyé.",
])
def test_a_confirmation_email_answer_is_pending_verification(text):
    html = f"<html><body><div class='notice'><p>{text}</p></div></body></html>"
    analysis = classify_outcome(html, url="https://d.example/thanks", before_url="https://d.example/add")
    assert analysis.status is S.PENDING_VERIFICATION, analysis
    assert "confirmation e-mail" in analysis.reason


@pytest.mark.parametrize("text, status", [
    ("Thank you! Your listing has been submitted successfully.", S.SUBMITTED),
    ("Your listing is pending review by our editors.", S.SUBMITTED),
    ("Email is required", S.REJECTED),
])
def test_other_answers_are_not_pending_verification(text, status):
    html = f"<html><body><div class='{'error' if 'required' in text else 'ok'}'>{text}</div></body></html>"
    assert classify_outcome(html, url="https://d.example/x", before_url="https://d.example/add").status is status


def test_pending_verification_is_neither_a_success_nor_a_failure():
    assert success_rate([S.SUBMITTED, S.PENDING_VERIFICATION]) == 1.0
    assert success_rate([S.FAILED, S.PENDING_VERIFICATION]) == 0.0
    assert success_rate([S.PENDING_VERIFICATION, S.SKIPPED]) is None
    assert S.PENDING_VERIFICATION.is_final and not S.PENDING_VERIFICATION.is_success


def _result(status: S) -> SubmissionResult:
    return SubmissionResult(idempotency_key=uuid.uuid4().hex, job_id=uuid.uuid4(), directory_id=f"d-{status}",
                            status=status, processing_time_seconds=3.0)


def test_the_success_rate_check_leaves_pending_verification_out():
    results = [_result(S.SUBMITTED)] * 9 + [_result(S.PENDING_VERIFICATION)] * 3 + [_result(S.FAILED)]
    check = success_rate_check(results)
    meta = {k: getattr(v, "value", v) for k, v in check.metadata.items()}
    assert meta["counted"] == 10 and meta["succeeded"] == 9 and meta["pending_verification"] == 3
    assert meta["success_rate_percent"] == 90.0 and check.passed is False  # 9/10, not 9/13 and not 12/13


def test_the_report_counts_and_explains_pending_verification():
    now = dt.datetime.now(dt.UTC)
    report = JobReport(job_id=uuid.uuid4(), customer_id="c", business_name="Bluebird", priority="starter",
                       job_status="completed", created_at=now, completed_at=now, generated_at=now, rows=[
                           ReportRow("a", "A", S.SUBMITTED), ReportRow("b", "B", S.PENDING_VERIFICATION,
                                                                      reason="confirmation e-mail: check your inbox")])
    assert report.counts["pending_verification"] == 1 and report.success_rate == 1.0
    html = render_html(report)
    assert "Confirm e-mail" in html and "s-pending_verification" in html and "confirmation link" in html


def test_a_success_toast_in_an_alert_container_is_not_an_error():
    html = ("<html><body><div role='alert' class='MuiAlert-root'>Success! Your business has been submitted "
            "for review.</div></body></html>")
    assert classify_outcome(html, url="https://d.example/new", before_url="https://d.example/new").status \
        is S.SUBMITTED
    bad = "<html><body><div role='alert'>Thank you, but the phone number is not valid</div></body></html>"
    assert classify_outcome(bad, url="https://d.example/new").status is S.REJECTED
