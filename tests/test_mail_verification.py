"""E-mail verification over the local mailbox (issue 19, acceptance 2).

Real parts: the sandbox's confirmation-mail sites send real mails over SMTP to the local receiver
(aiosmtpd, a Maildir), the runner submits in real Chromium and reads their "we sent you a
confirmation e-mail" answers as pending_verification, the verifier reads the Maildir and opens
links in real Chromium; the sandbox's record says which links were clicked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.mail.mailbox import LocalSmtpServer, MaildirMailbox
from dirbolt_core.mail.verify import match_row, registrable_domain, verify_round
from dirbolt_core.models import Directory
from dirbolt_core.runner.browser import BrowserOptions
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_sandbox.app import create_app
from tests.runner_harness import order, run_in_process
from tests.web_harness import free_port, serving

MAIL_SITES = ("mailconfirm", "mailexpire", "mailphish")


@pytest.fixture
def mail_sandbox(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local SMTP receiver and a sandbox whose confirmation-mail sites send to it."""
    maildir = tmp_path / "agency-mail"
    with LocalSmtpServer(maildir, port=free_port()) as smtp, \
            serving(create_app(seed=7, smtp=(smtp.host, smtp.port))) as url:
        yield url, maildir


def _mail_directories(url: str) -> list[Directory]:
    entries = httpx.get(f"{url}/_admin/catalog.json").json()
    return [Directory.model_validate(e) for e in entries if e["id"].removeprefix("sandbox-") in MAIL_SITES]


def _clicks(url: str, site: str) -> list[str]:
    records = httpx.get(f"{url}/_admin/submissions", params={"site": site}).json()
    return [r["outcome"] for r in records if r["outcome"] in ("confirmed", "reused", "expired")]


def _submitted_job(store, url: str, artifact_dir: Path) -> object:
    directories = _mail_directories(url)
    assert len(directories) == 3
    store.directories.upsert(directories, vouch="sandbox sites")
    job_id = order(store, size=3)
    run_in_process(store, job_id, artifact_dir)
    statuses = {r.directory_id: r.status for r in store.submissions.results(job_id)}
    assert set(statuses.values()) == {SubmissionStatus.PENDING_VERIFICATION}, statuses
    return job_id


def test_confirmation_mails_verify_rows_expired_links_go_to_a_person_and_phishing_links_are_never_opened(
        store, mail_sandbox, artifact_dir):
    url, maildir = mail_sandbox
    job_id = _submitted_job(store, url, artifact_dir)
    mailbox = MaildirMailbox(maildir)
    mails = mailbox.unseen()
    assert len(mails) == 3  # real mails, one per site, in the agency's mailbox
    artifacts = LocalArtifactStore(artifact_dir)

    async def two_verifiers_at_once():
        return await asyncio.gather(*(verify_round(store, MaildirMailbox(maildir), artifacts, BrowserOptions(),
                                                   timeout_h=48) for _ in range(2)))

    first, second = asyncio.run(two_verifiers_at_once())
    rows = {r.directory_id.removeprefix("sandbox-"): r for r in store.submissions.results(job_id)}

    # The normal link: opened once (whichever verifier claimed the mail), the listing is live.
    assert rows["mailconfirm"].status is SubmissionStatus.APPROVED, rows["mailconfirm"]
    assert rows["mailconfirm"].listing_url and "/sites/mailconfirm/listing/" in rows["mailconfirm"].listing_url
    assert httpx.get(rows["mailconfirm"].listing_url).status_code == 200
    assert _clicks(url, "mailconfirm") == ["confirmed"]
    # The expired link: opened once, the row waits for a person with the reason.
    assert rows["mailexpire"].status is SubmissionStatus.NEEDS_MANUAL
    assert "confirmation link refused (HTTP 410)" in rows["mailexpire"].reason
    assert "expired" in rows["mailexpire"].reason
    assert _clicks(url, "mailexpire") == ["expired"]
    # The phishing-like link: never opened, by either verifier; the row waits for a person.
    assert rows["mailphish"].status is SubmissionStatus.NEEDS_MANUAL
    assert "mailphish-listings.example" in rows["mailphish"].reason and "not opened" in rows["mailphish"].reason
    assert _clicks(url, "mailphish") == []
    opened = first.opened + second.opened
    assert len(opened) == 2 and not any(registrable_domain(u) != "127.0.0.1" for u in opened)
    assert sorted(i.directory_id for i in store.manual.list(job_id)) == ["sandbox-mailexpire", "sandbox-mailphish"]

    # Each mail dealt with once, kept as proof with the confirmation page; the audit has the moves.
    handled = store.verification.mails(job_id)
    assert sorted((m.directory_id, m.action, m.outcome) for m in handled) == [
        ("sandbox-mailconfirm", "opened", "approved"), ("sandbox-mailexpire", "opened", "needs_manual"),
        ("sandbox-mailphish", "refused_link", "needs_manual")]
    for m in handled:
        assert artifacts.exists(m.mail_uri) and b"Bluebird Bakery" in artifacts.read(m.mail_uri)
    assert all(artifacts.exists(m.page_uri) for m in handled if m.action == "opened")
    events = [e.event for e in store.audit.history(job_id) if e.event in ("email_verified", "sent_to_manual_queue")]
    assert sorted(events) == ["email_verified", "sent_to_manual_queue", "sent_to_manual_queue"]
    assert mailbox.unseen() == []

    # Another round later: nothing new is opened, nothing changes.
    again = asyncio.run(verify_round(store, mailbox, artifacts, BrowserOptions(), timeout_h=48))
    assert again.opened == [] and again.confirmed == [] and again.to_manual == []
    assert {r.directory_id.removeprefix("sandbox-"): r for r in store.submissions.results(job_id)} == rows
    assert _clicks(url, "mailconfirm") == ["confirmed"]

    # The operator page links the mail that sent the phishing-like row to a person, as inert text.
    from fastapi import FastAPI

    from dirbolt_core.manual.web import manual_router

    operator = FastAPI()
    operator.include_router(manual_router(store, artifacts), prefix="/manual")
    with serving(operator) as app_url:
        page = httpx.get(f"{app_url}/manual/", params={"job": str(job_id)}).text
        assert page.count("class='proof-mail'") == 2
        shown = httpx.get(f"{app_url}/manual/{job_id}/sandbox-mailphish/proof/mail")
        assert shown.headers["content-type"].startswith("text/plain")
        assert "mailphish-listings.example" in shown.text

    # The person resolves the expired one by hand (they asked for a new mail and clicked it).
    store.manual.resolve(job_id, "sandbox-mailexpire", status="approved", by="ana", note="new mail clicked")
    assert [i.directory_id for i in store.manual.list(job_id)] == ["sandbox-mailphish"]


def test_rows_without_a_confirmation_mail_go_to_the_manual_queue_after_the_timeout(
        store, mail_sandbox, artifact_dir, tmp_path):
    url, _ = mail_sandbox
    job_id = _submitted_job(store, url, artifact_dir)
    # The agency's mailbox never got these mails (e.g. the directory mailed another address).
    empty = MaildirMailbox(tmp_path / "other-mailbox")
    artifacts = LocalArtifactStore(artifact_dir)
    finished = max(r.finished_at for r in store.submissions.results(job_id))

    soon = asyncio.run(verify_round(store, empty, artifacts, BrowserOptions(), timeout_h=48,
                                    now=finished + dt.timedelta(hours=47)))
    assert soon.timed_out == []
    assert {r.status for r in store.submissions.results(job_id)} == {SubmissionStatus.PENDING_VERIFICATION}

    late = asyncio.run(verify_round(store, empty, artifacts, BrowserOptions(), timeout_h=48,
                                    now=finished + dt.timedelta(hours=49)))
    assert sorted(late.timed_out) == [f"sandbox-{s}" for s in sorted(MAIL_SITES)]
    rows = store.submissions.results(job_id)
    assert {r.status for r in rows} == {SubmissionStatus.NEEDS_MANUAL}
    assert all(r.reason.startswith("no confirmation mail within 48 h") for r in rows)
    assert len(store.manual.list(job_id)) == 3
    for site in MAIL_SITES:
        assert _clicks(url, site) == []


def test_a_mail_is_matched_only_to_its_own_directory_and_business(store, mail_sandbox, artifact_dir):
    url, maildir = mail_sandbox
    job_id = _submitted_job(store, url, artifact_dir)
    rows = store.verification.pending()
    mails = {m.sender_name: m for m in MaildirMailbox(maildir).unseen()}
    for mail in mails.values():
        row = match_row(mail, rows)
        assert row is not None and row.directory_name == mail.sender_name and row.job_id == job_id
    confirm = mails["Mail Confirm Listings"]
    # Another business's rows never match; nor a mail older than the submission.
    other = [r.model_copy(update={"business_name": "Another Bakery"}) for r in rows]
    assert match_row(confirm, other) is None
    older = confirm.model_copy(update={"date": min(r.finished_at for r in rows) - dt.timedelta(days=1)})
    assert match_row(older, rows) is None
    # A mail from, and linking to, another domain does not match a row of this directory.
    elsewhere = confirm.model_copy(update={"sender": "no-reply@yelp.com",
                                           "links": ["https://biz.yelp.com/confirm/x"]})
    assert match_row(elsewhere, rows) is None


def test_the_sensor_asks_for_a_round_and_the_asset_verifies(store, mail_sandbox, artifact_dir, database_url):
    import dagster as dg

    from dirbolt_dagster.followup.verification import mail_verification, pending_verification_sensor
    from dirbolt_dagster.resources import ArtifactStoreResource, BrowserResource, MailboxResource, StoreResource

    url, maildir = mail_sandbox
    resources = {"store": StoreResource(database_url=database_url)}
    with dg.build_sensor_context(resources=resources) as context:
        assert isinstance(pending_verification_sensor(context), dg.SkipReason)
    job_id = _submitted_job(store, url, artifact_dir)
    with dg.build_sensor_context(resources=resources) as context:
        request = pending_verification_sensor(context)
    assert isinstance(request, dg.RunRequest) and request.tags["dirbolt/pending_verification"] == "3"

    result = dg.materialize([mail_verification], instance=dg.DagsterInstance.ephemeral(), resources={
        **resources, "artifacts": ArtifactStoreResource(uri=str(artifact_dir)), "browser": BrowserResource(),
        "mailbox": MailboxResource(maildir=str(maildir), timeout_h=48)})
    assert result.success
    metadata = result.asset_materializations_for_node("mail_verification")[0].metadata
    assert metadata["confirmed"].value == 1 and metadata["to_manual_queue"].value == 2
    assert metadata["links_refused"].value == [u for u in metadata["links_refused"].value
                                               if "mailphish-listings.example" in u] and \
        len(metadata["links_refused"].value) == 1
    assert metadata["still_pending"].value == 0
    statuses = {r.directory_id: r.status.value for r in store.submissions.results(job_id)}
    assert statuses == {"sandbox-mailconfirm": "approved", "sandbox-mailexpire": "needs_manual",
                        "sandbox-mailphish": "needs_manual"}
    assert _clicks(url, "mailconfirm") == ["confirmed"] and _clicks(url, "mailphish") == []


@pytest.fixture
def imap_server(tmp_path: Path) -> Iterator[str]:
    """A real IMAP server (pymap, in-memory) with the agency's account; its URL for DIRBOLT_IMAP_URL."""
    import socket
    import subprocess
    import sys
    import time

    port = free_port()
    log = open(tmp_path / "pymap.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen([str(Path(sys.executable).with_name("pymap")), "--host", "127.0.0.1", "--port",
                                str(port), "dict", "--demo-user", "agency@example.test", "--demo-password", "p@ss/1"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "pymap did not start"
                time.sleep(0.1)
        yield f"imap://agency%40example.test:p%40ss%2F1@127.0.0.1:{port}/INBOX"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_the_imap_mailbox_reads_the_same_mails_and_marks_them_seen_on_the_server(
        store, mail_sandbox, artifact_dir, imap_server):
    import imaplib
    from urllib.parse import unquote, urlsplit

    from dirbolt_core.mail.mailbox import ImapMailbox

    url, maildir = mail_sandbox
    job_id = _submitted_job(store, url, artifact_dir)
    # The agency's provider received the directories' mails (the very mails the sites sent).
    parts = urlsplit(imap_server)
    with imaplib.IMAP4(parts.hostname, parts.port) as conn:
        conn.login(unquote(parts.username), unquote(parts.password))
        for mail in MaildirMailbox(maildir).unseen():
            assert conn.append("INBOX", None, None, mail.raw)[0] == "OK"
    mailbox = ImapMailbox(imap_server)
    assert sorted(m.sender_name for m in mailbox.unseen()) == ["Expiring Link Directory", "Lookalike Mail Directory",
                                                               "Mail Confirm Listings"]
    summary = asyncio.run(verify_round(store, mailbox, LocalArtifactStore(artifact_dir), BrowserOptions(),
                                       timeout_h=48))
    assert summary.confirmed == ["sandbox-mailconfirm"] and len(summary.opened) == 2
    statuses = {r.directory_id: r.status.value for r in store.submissions.results(job_id)}
    assert statuses == {"sandbox-mailconfirm": "approved", "sandbox-mailexpire": "needs_manual",
                        "sandbox-mailphish": "needs_manual"}
    assert mailbox.unseen() == []  # marked \Seen on the server
    assert _clicks(url, "mailconfirm") == ["confirmed"] and _clicks(url, "mailphish") == []
    with pytest.raises(imaplib.IMAP4.error):
        ImapMailbox(imap_server.replace("p%40ss%2F1", "wrong")).unseen()


def test_a_mail_for_no_known_row_waits_for_its_row_then_is_put_aside(store, mail_sandbox, artifact_dir, database_url,
                                                                     monkeypatch):
    """A confirmation for a listing no job of ours made (someone listed another business by hand)."""
    from typer.testing import CliRunner

    from dirbolt_cli.app import app

    url, maildir = mail_sandbox
    httpx.post(f"{url}/sites/mailconfirm/submit", data={"business_name": "Somebody Else's Shop",
                                                        "email": "agency@example.test", "phone": "(512) 555-0199",
                                                        "city": "Austin"}).raise_for_status()
    mailbox = MaildirMailbox(maildir)
    [mail] = mailbox.unseen()
    artifacts = LocalArtifactStore(artifact_dir)
    # `dirbolt mail verify` over the local mailbox (DIRBOLT_MAILDIR), as an operator would run it.
    monkeypatch.setenv("DIRBOLT_MAILDIR", str(maildir))
    monkeypatch.setenv("DIRBOLT_ARTIFACTS_URI", str(artifact_dir))
    soon = CliRunner().invoke(app, ["mail", "verify", "--database-url", database_url])
    assert soon.exit_code == 0, soon.output
    assert "confirmed 0" in soon.output and "unmatched mails 1" in soon.output
    assert [m.message_id for m in mailbox.unseen()] == [mail.message_id]  # left for a later round
    assert store.verification.mails() == []
    late = asyncio.run(verify_round(store, mailbox, artifacts, BrowserOptions(), timeout_h=48,
                                    now=mail.date + dt.timedelta(hours=49)))
    assert late.unmatched == 1 and late.opened == []
    [kept] = store.verification.mails()
    assert kept.action == "unmatched" and kept.job_id is None and kept.message_id == mail.message_id
    assert mailbox.unseen() == [] and _clicks(url, "mailconfirm") == []


def test_the_embedded_defaults_start_the_local_mailbox_and_the_sandbox_mails_into_it(database_url, tmp_path,
                                                                                      sqs_server):
    """`dirbolt dev`/`demo`: without DIRBOLT_IMAP_URL a local SMTP receiver runs and the sandbox mails to it."""
    from dirbolt_core.localenv import local_environment
    from dirbolt_core.settings import Settings

    settings = Settings(home=tmp_path / "home", database_url=database_url, sqs_endpoint_url=sqs_server.url)
    with local_environment(settings) as local:
        assert local.maildir == tmp_path / "home" / "mail" and local.env()["DIRBOLT_MAILDIR"] == str(local.maildir)
        assert any(part.startswith("local mailbox: SMTP at 127.0.0.1:") for part in local.started)
        httpx.post(f"{local.sandbox_url}/sites/mailconfirm/submit", data={
            "business_name": "Bluebird Bakery & Café", "email": "agency@example.test", "phone": "(512) 555-0142",
            "city": "Austin"}).raise_for_status()
        [mail] = MaildirMailbox(local.maildir).unseen()
        assert mail.recipients == ["agency@example.test"] and mail.sender_name == "Mail Confirm Listings"
        assert any("/sites/mailconfirm/confirm/" in link for link in mail.links)
