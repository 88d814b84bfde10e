"""Listing follow-up: look again at submitted rows. Is the listing live, and does it say what the profile says?

For each submitted row: the recorded listing URL, else the directory's search page (the catalog's
`search_url`, `{business_name}` filled in) and the result whose text is the business's name. A live
listing's name, address and phone are read (nap.py) and compared with the profile: the same once
normalised -> `approved` with its URL; a difference -> `nap_mismatch` naming the fields. A listing not
live keeps the row submitted; past the directory's time to approval (catalog `time_to_approval_days`,
or the legacy `timeToApproval` words; 28 days when unknown) it is flagged overdue. Pages open in the
runner's browser behind its URL guard.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin

import lxml.html
from lxml import etree
from pydantic import ValidationError

from dirbolt_core.db.followup import FollowupRow
from dirbolt_core.db.store import Store
from dirbolt_core.followup.nap import nap_differences, normalise_name, read_nap
from dirbolt_core.models import BusinessProfile
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.vocabulary import SubmissionStatus

DEFAULT_APPROVAL_DAYS = 28  # BrightLocal: about 70% of citations are live within four weeks


@dataclass
class FollowupSummary:
    approved: list[str] = field(default_factory=list)
    nap_mismatch: dict[str, list[str]] = field(default_factory=dict)  # directory -> fields that differ
    not_live: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # no listing URL and no search page


def approval_days(details: dict) -> int:
    """The directory's time to approval in days (the upper bound of "1-3 days", "2 weeks" = 14)."""
    if isinstance(details.get("time_to_approval_days"), int | float):
        return int(details["time_to_approval_days"])
    words = str(details.get("time_to_approval") or details.get("timeToApproval") or "").lower()
    numbers = [int(n) for n in re.findall(r"\d+", words)]
    if not numbers:
        return DEFAULT_APPROVAL_DAYS
    return max(numbers) * (7 if "week" in words else 30 if "month" in words else 1)


def search_page(row: FollowupRow, business_name: str) -> str | None:
    template = row.details.get("search_url") or row.details.get("searchUrl")
    if not isinstance(template, str) or "{business_name}" not in template:
        return None
    return template.replace("{business_name}", quote(business_name))


def _result_link(page_html: str, page_url: str, business_name: str) -> str | None:
    try:
        doc = lxml.html.document_fromstring(page_html or "<html></html>")
    except (etree.ParserError, ValueError):
        return None
    wanted = normalise_name(business_name)
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:")) and \
                normalise_name(a.text_content() or "") == wanted:
            return urljoin(page_url, href)
    return None


async def _fetch(pool: BrowserPool, url: str) -> tuple[int | None, str, str]:
    context = await pool.new_context()
    try:
        page = await context.new_page()
        response = await page.goto(url, wait_until="load")
        return (response.status if response else None), await page.content(), page.url
    finally:
        await context.close()


async def _find_listing(pool: BrowserPool, row: FollowupRow, name: str) -> tuple[str | None, str]:
    """(listing URL, its page) when the listing is live, else (None, what was looked at)."""
    if row.listing_url:
        status, page_html, url = await _fetch(pool, row.listing_url)
        if status is not None and status < 400:
            return url, page_html
    search = search_page(row, name)
    if search is None:
        return None, "no listing URL recorded and no search page in the catalog"
    status, page_html, url = await _fetch(pool, search)
    link = _result_link(page_html, url, name) if status is not None and status < 400 else None
    if link is None:
        return None, f"not found on {search}"
    status, page_html, final = await _fetch(pool, link)
    return (final, page_html) if status is not None and status < 400 else (None, f"{link} answered {status}")


async def followup_round(store: Store, browser: BrowserOptions, *, now: dt.datetime | None = None,
                         production: bool = False, job_id=None, actor: str = "listing-followup") -> FollowupSummary:
    now = now or dt.datetime.now(dt.UTC)
    summary = FollowupSummary()
    rows = store.followup.due(job_id)
    if not rows:
        return summary
    allowed = [u for r in rows for u in (r.directory_url, r.submission_url, r.listing_url,
                                         search_page(r, "x")) if u]
    async with BrowserPool(browser, UrlGuard(allowed, production=production)) as pool:
        for row in rows:
            try:
                profile = BusinessProfile.model_validate(row.business_data)
            except ValidationError:
                summary.unchecked.append(row.directory_id)
                continue
            if not row.listing_url and search_page(row, profile.business_name) is None:
                summary.unchecked.append(row.directory_id)
                continue
            try:
                listing_url, found = await _find_listing(pool, row, profile.business_name)
            except Exception as exc:  # the directory did not answer: look again next time
                listing_url, found = None, f"{type(exc).__name__}"
            days = (now - row.finished_at).days if row.finished_at else 0
            check = {"checked_at": now.isoformat(), "days_since_submission": days}
            if listing_url is None:
                limit = approval_days(row.details)
                overdue = days > limit
                check.update(live=False, overdue=overdue, approval_days=limit, looked_at=found[:300])
                reason = (f"not live {days} days after submission (the directory approves within {limit} days)"
                          if overdue else None)
                store.followup.note_not_live(row.key, followup=check, reason=reason)
                summary.not_live.append(row.directory_id)
                if overdue:
                    summary.overdue.append(row.directory_id)
                continue
            differences = nap_differences(read_nap(found), profile)
            check.update(live=True, differences=differences)
            if differences:
                said = "; ".join(f"{k}: listed {v['listed']!r}, profile {v['profile']!r}"
                                 for k, v in differences.items())
                store.followup.mark_live(row.key, status=SubmissionStatus.NAP_MISMATCH, listing_url=listing_url,
                                         reason=f"live, but differs from the profile ({said})", actor=actor,
                                         followup=check)
                summary.nap_mismatch[row.directory_id] = sorted(differences)
            else:
                store.followup.mark_live(row.key, status=SubmissionStatus.APPROVED, listing_url=listing_url,
                                         reason="live: the listing matches the profile", actor=actor, followup=check)
                summary.approved.append(row.directory_id)
    return summary
