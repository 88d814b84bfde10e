"""Sites that answer a listing with a confirmation e-mail sent over real SMTP (issue 19).

Each accepted submission gets a mail to the address the form carried, with a one-time link; the
listing goes live when the link is opened. The record shows the submission (`accepted`) and each
click: `confirmed` (the first, valid click), `reused` (a second click), `expired`.

* mailconfirm — a normal one-time link on the site's own address;
* mailexpire  — the link has already expired when it is opened (`link_ttl_s` = 0);
* mailphish   — the mail claims to be the directory but its link points to another registrable
                domain: a correct verifier never opens it (the record would show a click on the
                site's own `confirm` route only if someone typed it in).

They are served only when the sandbox has an SMTP server to send to (`create_app(smtp=...)`,
`dirbolt sandbox --smtp HOST:PORT`), and are not in `catalog.json`: `/_admin/catalog.json` lists
them when they are served.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import smtplib
import time
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response

from dirbolt_core.models import BusinessProfile
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.record import SubmissionRecord
from dirbolt_sandbox.sites._common import val


class ConfirmationMailSite(Site):
    """A plain form; an accepted listing waits for the e-mailed link to be opened."""

    id = "mailconfirm"
    name = "Mail Confirm Listings"
    tier = 2
    domain_authority = 40
    behaviours = ("names:conventional", "labels:for", "validation:server")
    expected_status = "pending_verification"
    core_fields = {"name": ("business_name", "Business name"), "email": ("email", "Email"),
                   "phone": ("phone", "Phone")}
    link_ttl_s: ClassVar[float] = 7 * 86400
    success_message = "Thanks! We sent a confirmation e-mail; click the link in it to publish your listing."
    result_page = ("Check your inbox", "<h1>Almost done</h1><p>We sent a confirmation e-mail. Click the link in "
                                       "it to confirm your address and publish your listing.</p>")
    smtp: tuple[str, int] | None = None

    def __init__(self, record: SubmissionRecord, seed: int, smtp: tuple[str, int] | None = None):
        super().__init__(record, seed)
        self.smtp = smtp
        self.tokens: dict[str, dict[str, Any]] = {}

    def reset_state(self) -> None:
        super().reset_state()
        self.tokens.clear()

    def routes(self) -> Mapping[tuple[str, str], Any]:
        return {**super().routes(), ("GET", "confirm/{token}"): self.confirm}

    async def form_page(self, request: Request) -> Response:
        return self.page(f"Add your business - {self.name}", f"""
<h1>{html.escape(self.name)}</h1>
<form method="post" action="{self.submission_path}">
  <p><label for="business_name">Business name</label><input id="business_name" name="business_name" required></p>
  <p><label for="email">Email</label><input id="email" name="email" type="email" required></p>
  <p><label for="phone">Phone</label><input id="phone" name="phone" required></p>
  <p><label for="city">City</label><input id="city" name="city"></p>
  <p><button type="submit">Add listing</button></p>
</form>""")

    async def process(self, request: Request, fields: dict[str, Any]) -> Response:
        before = len(self.record.items(self.id))
        response = await super().process(request, fields)
        accepted = [i for i in self.record.items(self.id)[before:] if i["outcome"] == "accepted"]
        for item in accepted:
            await asyncio.to_thread(self._send, request, item)
        return response

    def link_for(self, request: Request, token: str) -> str:
        return f"{str(request.base_url).rstrip('/')}{self.base}/confirm/{token}"

    def _send(self, request: Request, item: dict[str, Any]) -> None:
        if self.smtp is None:
            return
        token = hashlib.sha256(f"{self.seed}:{self.id}:{item['seq']}:{time.time_ns()}".encode()).hexdigest()[:24]
        self.tokens[token] = {"listing_id": item["listing_id"], "issued": time.time(), "used": False}
        name = str(item["fields"].get("business_name", ""))
        host = request.url.hostname or "localhost"
        msg = EmailMessage()
        msg["From"] = formataddr((self.name, f"no-reply@{host}"))
        msg["To"] = str(item["fields"].get("email", ""))
        msg["Subject"] = f"{self.name}: confirm the listing of {name}"
        msg["Message-ID"] = make_msgid(domain=host)
        msg["Date"] = formatdate(usegmt=True)
        link = self.link_for(request, token)
        msg.set_content(f"Hello,\n\nThanks for adding {name} to {self.name}.\nConfirm your e-mail address to "
                        f"publish the listing:\n\n{link}\n\nThe {self.name} team\n")
        msg.add_alternative(f"<p>Thanks for adding <b>{html.escape(name)}</b> to {html.escape(self.name)}.</p>"
                            f"<p><a href=\"{html.escape(link, quote=True)}\">Confirm my listing</a></p>",
                            subtype="html")
        with smtplib.SMTP(*self.smtp, timeout=10) as client:
            client.send_message(msg)

    async def confirm(self, request: Request) -> Response:
        token = request.path_params["token"]
        entry = self.tokens.get(token)
        if entry is None:
            return self.page("Invalid link", "<h1>This confirmation link is not valid.</h1>", status_code=404)
        if entry["used"]:
            self.record.add(self.id, "reused", {}, listing_id=entry["listing_id"], token=token)
            return self.page("Already confirmed", "<h1>This link was already used.</h1>")
        if time.time() - entry["issued"] > self.link_ttl_s:
            self.record.add(self.id, "expired", {}, listing_id=entry["listing_id"], token=token)
            return self.page("Link expired", "<h1>This confirmation link has expired.</h1>"
                             "<p>Request a new confirmation e-mail from your account.</p>", status_code=410)
        entry["used"] = True
        self.record.add(self.id, "confirmed", {}, listing_id=entry["listing_id"], token=token)
        url = self.listing_url(entry["listing_id"])
        return self.page("Listing confirmed", f"<h1>Thank you, your e-mail address is confirmed.</h1>"
                         f"<p>Your listing is now live: <a href='{url}'>view your listing</a></p>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"business_name": val(profile, "business_name"), "email": val(profile, "email"),
                "phone": val(profile, "phone"), "city": val(profile, "city")}


class ExpiringMailSite(ConfirmationMailSite):
    """The confirmation link is already expired when it is opened: a person must ask for a new one."""

    id = "mailexpire"
    name = "Expiring Link Directory"
    link_ttl_s = 0.0


class PhishingMailSite(ConfirmationMailSite):
    """Its mail's link points to another registrable domain: never to be opened."""

    id = "mailphish"
    name = "Lookalike Mail Directory"
    phishing_host: ClassVar[str] = "mailphish-listings.example"

    def link_for(self, request: Request, token: str) -> str:
        return f"http://{self.phishing_host}/sites/{self.id}/confirm/{token}"


SITES: list[type[Site]] = [ConfirmationMailSite, ExpiringMailSite, PhishingMailSite]
