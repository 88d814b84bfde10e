"""E-mail verification: read new mail, match it to `pending_verification` rows, open the confirmation
link once in the browser, move the row on; rows unconfirmed for too long go to the manual queue.

A mail matches a row when the business's name is in it, it is not older than the submission, and
its sender or one of its links is on the directory's registrable domain (the public suffix list
bundled with tldextract, never fetched); among several rows the one whose site the links point
into, and whose name the mail carries, wins. Only a link on the directory's own registrable domain
is ever opened, through the runner's browser and URL guard; a mail whose links all point elsewhere
(phishing-like) is kept as proof and its row handed to a person. Each mail is claimed in the
database before its link is opened, so a link is opened once whatever runs the round.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.brain.outcome import LIVE, find_listing_url, visible_text
from dirbolt_core.db.store import Store
from dirbolt_core.db.verification import PendingRow
from dirbolt_core.mail.mailbox import Mail, Mailbox
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.vocabulary import SubmissionStatus

log = logging.getLogger(__name__)

EXPIRED = re.compile(r"expired|no longer valid|not valid|invalid (link|token)|already (been )?used|abgelaufen|"
                     r"a expiré|ha caducado", re.IGNORECASE)
CONFIRMED = re.compile(r"confirmed|verified|activated|thank(s| you)|bestätigt|confirmé", re.IGNORECASE)
_CONFIRM_LINK = re.compile(r"confirm|verif|activat|token|validate", re.IGNORECASE)
PENDING = SubmissionStatus.PENDING_VERIFICATION


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # The suffix list bundled with the package: no network fetch, no cache directory.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(url_or_host: str) -> str:
    """example.co.uk for https://www.example.co.uk/x; the whole host when it has no public suffix
    (an IP address, localhost): only the same host counts as the same site then."""
    text = (url_or_host or "").strip().lower()
    if not text:
        return ""
    host = (urlsplit(text if "://" in text else f"//{text}").hostname or "").strip("[]")
    parts = _extractor()(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def _sender_domain(mail: Mail) -> str:
    return registrable_domain(mail.sender.rpartition("@")[2].strip("[]"))


def directory_domain(row: PendingRow) -> str:
    return registrable_domain(row.directory_url or row.submission_url or "")


def match_row(mail: Mail, rows: list[PendingRow]) -> PendingRow | None:
    body = f"{mail.subject}\n{mail.text}".casefold()
    scored: list[tuple[int, PendingRow]] = []
    for row in rows:
        if not row.business_name or row.business_name.casefold() not in body:
            continue
        if mail.date and row.finished_at and mail.date < row.finished_at - dt.timedelta(minutes=10):
            continue  # older than the submission: another listing's mail
        domain = directory_domain(row)
        link_domains = {registrable_domain(u) for u in mail.links}
        sender_ok = _sender_domain(mail) == domain
        if not domain or not (sender_ok or domain in link_domains):
            continue
        score = int(sender_ok)
        site = (row.directory_url or "").rstrip("/")
        if site and any(u.startswith(site + "/") or u == site for u in mail.links):
            score += 4
        if row.directory_name and row.directory_name.casefold() in f"{mail.sender_name} {mail.subject}".casefold():
            score += 2
        scored.append((score, row))
    if not scored:
        return None
    best = max(score for score, _ in scored)
    return next(row for score, row in scored if score == best)


@dataclass
class RoundSummary:
    confirmed: list[str] = field(default_factory=list)  # directory ids moved to submitted/approved
    to_manual: list[str] = field(default_factory=list)  # expired links, refused links, unreadable pages
    refused_links: list[str] = field(default_factory=list)  # links never opened (another domain)
    timed_out: list[str] = field(default_factory=list)
    unmatched: int = 0
    opened: list[str] = field(default_factory=list)  # links opened


@dataclass
class _Visit:
    mail: Mail
    row: PendingRow
    link: str
    mail_id: int
    mail_uri: str


def _key(mail: Mail) -> str:
    return hashlib.sha256(mail.message_id.encode()).hexdigest()[:16]


async def _open(pool: BrowserPool, link: str) -> tuple[SubmissionStatus, str, str | None, bytes | None]:
    context = await pool.new_context()
    try:
        page = await context.new_page()
        response = await page.goto(link, wait_until="load")
        html = await page.content()
        shot = await page.screenshot(type="png")
        status_code = response.status if response else None
        final_url = page.url
    finally:
        await context.close()
    text = visible_text(html)
    quote = text[:160]
    if (status_code is not None and status_code >= 400) or EXPIRED.search(text):
        return (SubmissionStatus.NEEDS_MANUAL, f"confirmation link refused (HTTP {status_code}): \"{quote}\"; "
                "ask the directory for a new confirmation mail", None, shot)
    if LIVE.search(text):
        listing = find_listing_url(html, final_url, near="live")
        return SubmissionStatus.APPROVED, "e-mail confirmed: the listing is live", listing, shot
    if CONFIRMED.search(text):
        return SubmissionStatus.SUBMITTED, "e-mail confirmed: waiting for the directory's approval", None, shot
    return SubmissionStatus.NEEDS_MANUAL, f"confirmation page not understood: \"{quote}\"", None, shot


async def verify_round(store: Store, mailbox: Mailbox, artifacts: ArtifactStore, browser: BrowserOptions, *,
                       timeout_h: float, production: bool = False, now: dt.datetime | None = None,
                       actor: str = "mail-verifier") -> RoundSummary:
    """One pass over the mailbox and the pending rows (a sensor's run, `dirbolt mail verify`)."""
    now = now or dt.datetime.now(dt.UTC)
    timeout = dt.timedelta(hours=timeout_h)
    summary = RoundSummary()
    rows = store.verification.pending()
    visits: list[_Visit] = []
    for mail in await asyncio.to_thread(mailbox.unseen):
        if store.verification.handled(mail.message_id):
            mailbox.mark_seen(mail.uid)
            continue
        row = match_row(mail, rows)
        if row is None:
            # Maybe its row is not recorded yet (the directory mailed before the run wrote it): next round.
            if mail.date is not None and now - mail.date > timeout:
                store.verification.claim_mail(message_id=mail.message_id, action="unmatched", sender=mail.sender,
                                              subject=mail.subject, received_at=mail.date)
                mailbox.mark_seen(mail.uid)
            summary.unmatched += 1
            continue
        domain = directory_domain(row)
        own = [u for u in mail.links if registrable_domain(u) == domain]
        own.sort(key=lambda u: not _CONFIRM_LINK.search(u))
        elsewhere = [u for u in mail.links if registrable_domain(u) != domain]
        mail_uri = artifacts.put(f"mail/{row.job_id}/{row.directory_id}/{_key(mail)}.eml", mail.raw,
                                 "message/rfc822")
        if not own:
            link = elsewhere[0] if elsewhere else None
            action = "refused_link" if link else "no_link"
            reason = (f"the confirmation mail's link points to {registrable_domain(link)}, not the directory's "
                      f"{domain}: not opened; check the mail and confirm by hand") if link else \
                "the confirmation mail has no link on the directory's domain: confirm by hand"
            mail_id = store.verification.claim_mail(
                message_id=mail.message_id, action=action, row=row, sender=mail.sender, subject=mail.subject,
                received_at=mail.date, link=link, detail=reason, mail_uri=mail_uri)
            if mail_id is not None:
                moved = store.manual.send_to_queue(row.key, from_status=PENDING, reason=reason, actor=actor,
                                                   evidence={"verification_mail": mail_uri, "refused_link": link})
                store.verification.finish_mail(mail_id, outcome="needs_manual" if moved else None)
                summary.refused_links += [link] if link else []
                summary.to_manual.append(row.directory_id)
                rows.remove(row)
            mailbox.mark_seen(mail.uid)
            continue
        mail_id = store.verification.claim_mail(
            message_id=mail.message_id, action="opened", row=row, sender=mail.sender, subject=mail.subject,
            received_at=mail.date, link=own[0], mail_uri=mail_uri)
        if mail_id is None:  # another verifier has this mail
            continue
        visits.append(_Visit(mail, row, own[0], mail_id, mail_uri))
        rows.remove(row)
    if visits:
        await _visit_all(store, mailbox, artifacts, browser, visits, production=production, actor=actor,
                         summary=summary)
    for row in store.verification.pending(finished_before=now - timeout):
        reason = f"no confirmation mail within {timeout_h:g} h: confirm by hand or ask the directory to resend it"
        if store.manual.send_to_queue(row.key, from_status=PENDING, reason=reason, actor=actor):
            summary.timed_out.append(row.directory_id)
    return summary


async def _visit_all(store: Store, mailbox: Mailbox, artifacts: ArtifactStore, browser: BrowserOptions,
                     visits: list[_Visit], *, production: bool, actor: str, summary: RoundSummary) -> None:
    guard = UrlGuard([v.link for v in visits], production=production)
    async with BrowserPool(browser, guard) as pool:
        for visit in visits:
            try:
                status, reason, listing, shot = await _open(pool, visit.link)
            except Exception as exc:  # the page did not load: a person looks (the mail is claimed)
                status, reason, listing, shot = (SubmissionStatus.NEEDS_MANUAL,
                                                 f"confirmation link did not open: {type(exc).__name__}", None, None)
            summary.opened.append(visit.link)
            page_uri = artifacts.put(f"mail/{visit.row.job_id}/{visit.row.directory_id}/{_key(visit.mail)}.png",
                                     shot, "image/png") if shot else None
            evidence = {"verification_mail": visit.mail_uri, "confirmation_page": page_uri,
                        "confirmation_link": visit.link}
            if status is SubmissionStatus.NEEDS_MANUAL:
                moved = store.manual.send_to_queue(visit.row.key, from_status=PENDING, reason=reason, actor=actor,
                                                   evidence=evidence)
                summary.to_manual.append(visit.row.directory_id)
            else:
                moved = store.verification.confirm(visit.row.key, status=status, reason=reason, actor=actor,
                                                   listing_url=listing, evidence=evidence)
                summary.confirmed.append(visit.row.directory_id)
            store.verification.finish_mail(visit.mail_id, outcome=status.value if moved else None, detail=reason,
                                           page_uri=page_uri)
            mailbox.mark_seen(visit.mail.uid)
