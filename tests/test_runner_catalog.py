"""The whole sandbox catalog, without its catalog selectors, through the real runner.

Acceptance point 1 of the runner issue and point 2 of the form-brain issue: every site a
person could submit ends `submitted` or `approved` with exactly the expected field values in
the sandbox's record, captcha and login sites end `needs_manual` with nothing accepted,
validation-refusing sites end `rejected` with the site's own message, no honeypot is ever
filled (no `spam` record) and no site is submitted twice.
"""

from __future__ import annotations

import asyncio
import uuid

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.outcome import classify_outcome
from dirbolt_core.heartbeat import new_worker_id
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.engine import JobRunner
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import Priority, SubmissionStatus
from dirbolt_sandbox.sites import SITES_BY_ID

# One enterprise job runs 5 submissions at once; the catalog goes out as a few jobs of the same
# business over disjoint sets of sites (one submission per site, so no duplicate refusals), run
# side by side on one Chromium, to finish in reasonable time on a busy machine.
LANES = 2


def _run_whole_catalog(store, directories, artifact_dir) -> list[uuid.UUID]:
    lanes = [directories[i::LANES] for i in range(LANES)]
    job_ids = [uuid.uuid4() for _ in lanes]
    for job_id, lane in zip(job_ids, lanes, strict=True):
        store.jobs.create(job_id=job_id, customer_id="cust-catalog", package_size=len(lane),
                         priority=Priority.ENTERPRISE, business_data=SAMPLE_PROFILE.model_dump(mode="json"))

    async def go():
        pool = BrowserPool(BrowserOptions(), UrlGuard([str(d.submission_url) for d in directories]))
        async with pool:
            async def one(job_id: uuid.UUID, lane: list) -> None:
                runner = JobRunner(store=store, artifacts=LocalArtifactStore(artifact_dir), brain=FormBrain(),
                                   pool=pool, worker_id=new_worker_id("catalog"), run_id="catalog-run")
                # Every directory, also the one behind a login (the planner would leave it out).
                await runner.run_job(store.jobs.get(job_id), lane)

            await asyncio.gather(*(one(j, lane) for j, lane in zip(job_ids, lanes, strict=True)))

    asyncio.run(go())
    return job_ids


def _site_message_found(reason: str, record: list[dict]) -> bool:
    """The runner's reason carries what the site said (each validation error, or the refusal)."""
    said = [r["reason"] for r in record if r["outcome"] in ("refused", "invalid") and r.get("reason")]
    if not said:
        return False
    return all(part.strip() in reason for part in said[-1].split("; "))


def test_every_catalog_site_ends_as_a_person_would_leave_it(store, catalog, sandbox, artifact_dir):
    # No catalog selectors anywhere: the brain reads every form by itself.
    directories = [d.model_copy(update={"selectors": {}}) for d in catalog]
    store.directories.upsert(directories, vouch="sandbox sites")
    job_ids = _run_whole_catalog(store, directories, artifact_dir)

    results = {r.directory_id.removeprefix("sandbox-"): r for j in job_ids for r in store.submissions.results(j)}
    problems: dict[str, list[str]] = {}
    table: list[str] = []
    for site_id, cls in SITES_BY_ID.items():
        result = results.get(site_id)
        record = sandbox.submissions(site_id)
        accepted = [r for r in record if r["outcome"] == "accepted"]
        issues: list[str] = []
        got = result.status.value if result else "<missing>"
        if got != cls.expected_status:
            issues.append(f"status {got} != {cls.expected_status} ({result.reason if result else ''})")
        if any(r["outcome"] == "spam" for r in record):
            issues.append("a honeypot was filled (spam)")
        if len(accepted) > 1:
            issues.append(f"submitted {len(accepted)} times")
        if cls.expected_status in ("submitted", "approved", "pending_verification"):
            if len(accepted) != 1:
                issues.append(f"{len(accepted)} accepted records")
        elif accepted:
            issues.append(f"{len(accepted)} accepted records for a {cls.expected_status} site")
        # Exactly the expected values, also in what a refusing site received (no wrong field filled).
        answered = [r for r in record if r["outcome"] == cls.expected_outcome]
        if cls.expected_outcome is not None and answered:
            issues += cls.verify_fields(answered[-1]["fields"], SAMPLE_PROFILE)
        # Nothing typed into a captcha (an unanswered captcha post is `invalid`); a sign-in wall that
        # only shows on submit sees that one post, refused.
        if cls.expected_status == "needs_manual" and (
                any(r["outcome"] == "invalid" for r in record) or len(record) > 1):
            issues.append(f"posted to a captcha or login site: {[(r['outcome'], r['reason']) for r in record]}")
        if cls.expected_status == "rejected" and result is not None and \
                not _site_message_found(result.reason or "", record):
            issues.append(f"reason {result.reason!r} lacks the site's message "
                          f"{[r['reason'] for r in record if r['outcome'] != 'accepted']}")
        if cls.expected_outcome is not None and \
                cls.expected_outcome not in [r["outcome"] for r in record]:
            issues.append(f"no {cls.expected_outcome} record: {[r['outcome'] for r in record]}")
        if result is not None and result.status is SubmissionStatus.APPROVED and not result.listing_url:
            issues.append("approved without a listing URL")
        if issues:
            problems[site_id] = issues
        took = (result.evidence.get("timings") or {}).get("total_s", 0.0) if result else 0.0
        table.append(f"{site_id:18} {cls.expected_status:12} {got:12} {'ok' if not issues else 'FAIL':4} "
                     f"{result.attempts if result else 0} attempt(s) {took:5.1f}s")
    print("\n".join(table))
    assert not problems, "\n".join(f"{s}: {'; '.join(i)}" for s, i in problems.items())


# ---- the outcome reader on answers like the catalog's, without a browser
def test_a_live_listing_link_is_found_in_the_message_that_announces_it():
    html = ("<html><body><nav><a href='/sites/x/'>Home</a> <a href='/sites/x/submit'>Add</a></nav>"
            "<h1>Welcome!</h1><p>Your listing has been published: <a href='/sites/x/l/abc123'>/sites/x/l/abc123</a>"
            "</p></body></html>")
    analysis = classify_outcome(html, url="http://dir.example/sites/x/submit",
                                before_url="http://dir.example/sites/x/submit")
    assert analysis.status is SubmissionStatus.APPROVED
    assert analysis.listing_url == "http://dir.example/sites/x/l/abc123"


def test_a_live_message_without_a_link_is_submitted_not_approved():
    analysis = classify_outcome("<html><body><h1>Your listing is now live.</h1>"
                                "<p><a href='/sites/x/submit'>Add another</a></p></body></html>",
                                url="http://dir.example/sites/x/thanks")
    assert analysis.status is SubmissionStatus.SUBMITTED and analysis.listing_url is None


def test_an_inline_error_in_another_language_is_a_rejection_not_a_success():
    html = ("<html><body><form><input name='telefono'></form><div id='resultado'><ul class='mal' role='alert'>"
            "<li>El teléfono solo puede contener números, sin espacios ni guiones</li></ul></div>"
            "<footer>¡Gracias por visitarnos!</footer></body></html>")
    analysis = classify_outcome(html, url="http://dir.example/alta", before_url="http://dir.example/alta",
                                inline_messages=["El teléfono solo puede contener números, sin espacios ni guiones"])
    assert analysis.status is SubmissionStatus.REJECTED
    assert "solo puede contener números" in analysis.reason
