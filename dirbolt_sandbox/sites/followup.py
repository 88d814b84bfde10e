"""Sites whose listings go live after an editor's review, on the sandbox's clock (issue 19).

A submission is accepted "pending review"; the listing is published `review_delay_s` later on the
sandbox clock (`POST /_admin/clock {"advance_s": N}` moves it forward), at `{base}/listing/{id}`
with its name, address and phone in schema.org microdata, and found by the site's search page
(`{base}/search?q=NAME`, the catalog's `search_url`). Until then both answer "not found".

* reviewlater — publishes what was submitted, in its own words ("1402 S. Congress Avenue" for
                "1402 South Congress Ave"): the same listing once normalised;
* reviewalter — publishes the phone number with other digits (a directory's typo): a NAP mismatch.

Served when the sandbox is created with `followup=True` (`dirbolt sandbox --followup`); not in
`catalog.json`, listed by `/_admin/catalog.json` when served.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from dirbolt_core.models import BusinessProfile
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.record import SubmissionRecord
from dirbolt_sandbox.sites._common import val


class SandboxClock:
    """The sandbox's time: the machine's, moved forward by tests (never backward)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.offset_s = 0.0

    def now(self) -> float:
        return time.time() + self.offset_s

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self.offset_s += seconds
            return self.offset_s

    def reset(self) -> None:
        with self._lock:
            self.offset_s = 0.0


_WORDS = {"South": "S.", "North": "N.", "Ave": "Avenue", "St": "Street"}


class ReviewLaterSite(Site):
    """Listings go live after an editor's review; the site words the address its own way."""

    id = "reviewlater"
    name = "Review Later Directory"
    tier = 2
    domain_authority = 44
    behaviours = ("names:conventional", "labels:for", "result:pending-review")
    core_fields = {"name": ("business_name", "Business name"), "email": ("email", "Email"),
                   "phone": ("phone", "Phone")}
    result_page = ("Pending review", "<h1>Thank you!</h1><p>Your listing is pending review: it will be published "
                                     "once approved by our editors.</p>")
    review_delay_s: ClassVar[float] = 2 * 86400
    time_to_approval_days: ClassVar[int] = 3
    altered_field: ClassVar[str | None] = None

    def __init__(self, record: SubmissionRecord, seed: int, clock: SandboxClock | None = None):
        super().__init__(record, seed)
        self.clock = clock or SandboxClock()

    def routes(self) -> Mapping[tuple[str, str], Any]:
        return {**super().routes(), ("GET", "search"): self.search}

    def catalog_extra(self, base_url: str) -> dict[str, Any]:
        return {"details": {"search_url": f"{base_url}{self.base}/search?q={{business_name}}",
                            "time_to_approval_days": self.time_to_approval_days}}

    async def form_page(self, request: Request) -> Response:
        return self.page(f"List your business - {self.name}", f"""
<h1>{html.escape(self.name)}</h1>
<form method="post" action="{self.submission_path}">
  <p><label for="business_name">Business name</label><input id="business_name" name="business_name" required></p>
  <p><label for="email">Email</label><input id="email" name="email" type="email" required></p>
  <p><label for="phone">Phone</label><input id="phone" name="phone" required></p>
  <p><label for="address">Street address</label><input id="address" name="address"></p>
  <p><label for="city">City</label><input id="city" name="city"></p>
  <p><label for="zip">ZIP code</label><input id="zip" name="zip"></p>
  <p><button type="submit">Submit for review</button></p>
</form>""")

    def _live(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        return [i for i in self.record.items(self.id)
                if i["outcome"] == "accepted" and i["received_at"] + self.review_delay_s <= now]

    def published(self, item: dict[str, Any]) -> dict[str, str]:
        """What the listing shows: the submission in the site's words (and its typo, if it makes one)."""
        fields = item["fields"]
        address = " ".join(_WORDS.get(w, w) for w in str(fields.get("address", "")).split())
        shown = {"name": str(fields.get("business_name", "")), "address": address,
                 "city": str(fields.get("city", "")), "postal_code": str(fields.get("zip", "")),
                 "phone": str(fields.get("phone", ""))}
        if self.altered_field == "phone":  # the last digit mistyped
            shown["phone"] = re.sub(r"\d(?=\D*$)", lambda m: str((int(m.group()) + 7) % 10), shown["phone"])
        return shown

    async def listing_page(self, request: Request) -> Response:
        lid = request.path_params.get("lid", "")
        item = next((i for i in self._live() if i["listing_id"] == lid), None)
        if item is None:
            return self.page("Not found", "<h1>Listing not found</h1>", status_code=404)
        shown = {k: html.escape(v) for k, v in self.published(item).items()}
        return self.page(shown["name"], f"""
<article itemscope itemtype="https://schema.org/LocalBusiness">
  <h1 itemprop="name">{shown['name']}</h1>
  <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">{shown['address']}</span>,
    <span itemprop="addressLocality">{shown['city']}</span>
    <span itemprop="postalCode">{shown['postal_code']}</span>
  </div>
  <p>Call <a itemprop="telephone" href="tel:{shown['phone']}">{shown['phone']}</a></p>
</article>""")

    async def search(self, request: Request) -> Response:
        query = " ".join(request.query_params.get("q", "").casefold().split())
        hits = [i for i in self._live() if query and query in " ".join(str(i["fields"].get("business_name", ""))
                                                                        .casefold().split())]
        items = "".join(f"<li><a class='result' href='{self.base}/{self.listing_prefix}/{quote(i['listing_id'])}'>"
                        f"{html.escape(str(i['fields'].get('business_name', '')))}</a></li>" for i in hits)
        return self.page(f"Search - {self.name}", f"<h1>Search results</h1><ul id='results'>{items}</ul>"
                         + ("" if hits else "<p class='empty'>No listings found.</p>"))

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"business_name": val(profile, "business_name"), "email": val(profile, "email"),
                "phone": val(profile, "phone"), "address": val(profile, "address_line1"),
                "city": val(profile, "city"), "zip": val(profile, "postal_code")}


class ReviewAlterSite(ReviewLaterSite):
    """Publishes the listing with a phone number that differs from the one submitted."""

    id = "reviewalter"
    name = "Typo Prone Directory"
    altered_field = "phone"


SITES: list[type[Site]] = [ReviewLaterSite, ReviewAlterSite]
