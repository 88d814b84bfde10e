"""The machinery every sandbox site shares: throttling, flakiness, latency, validation, record."""

from __future__ import annotations

import asyncio
import html
import random
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dirbolt_core.sandbox.record import SubmissionRecord

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,20}$")


@dataclass
class SiteBehaviour:
    """Knobs an operator or a test may turn per site (POST /_admin/config)."""

    rate_limit_ms: int = 0  # minimum gap between requests; closer ones get 429
    retry_after_s: int = 1
    failure_rate: float = 0.0  # share of requests answered 503
    latency_ms: int = 0
    always_fail: bool = False


@dataclass
class SiteState:
    behaviour: SiteBehaviour
    rng: random.Random
    last_hit: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Site:
    """One directory site. Subclasses give markup and rules; the base keeps the record honest."""

    id: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str] = "general"
    tier: ClassVar[int] = 3
    domain_authority: ClassVar[int] = 30
    rate_limit_ms: ClassVar[int] = 0  # catalog pacing the platform must respect
    requires_login: ClassVar[bool] = False
    has_captcha: ClassVar[bool] = False
    # known selectors for the catalog (canonical key -> CSS); most sites have none.
    known_selectors: ClassVar[dict[str, str]] = {}
    # what the runner should end with: submitted | approved | needs_manual | rejected | skipped
    expected_status: ClassVar[str] = "submitted"
    behaviours: ClassVar[tuple[str, ...]] = ()
    default_behaviour: ClassVar[SiteBehaviour] = SiteBehaviour()
    honeypot_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, record: SubmissionRecord, seed: int):
        self.record = record
        self.state = SiteState(behaviour=SiteBehaviour(**vars(self.default_behaviour)),
                               rng=random.Random(f"{seed}:{self.id}"))

    # ---- routing helpers
    @property
    def base(self) -> str:
        return f"/sites/{self.id}"

    @property
    def submission_path(self) -> str:
        return f"{self.base}/submit"

    def routes(self) -> Mapping[tuple[str, str], Any]:
        """(method, sub-path) -> handler. Sub-path '' is the home page."""
        return {
            ("GET", ""): self.home,
            ("GET", "submit"): self.form_page,
            ("POST", "submit"): self.handle_post,
            ("GET", "thanks"): self.thanks,
        }

    # ---- gates every request passes
    async def gate(self, request: Request) -> Response | None:
        b = self.state.behaviour
        if b.latency_ms:
            await asyncio.sleep(b.latency_ms / 1000)
        with self.state.lock:
            now = time.monotonic()
            if b.rate_limit_ms and self.state.last_hit and (now - self.state.last_hit) * 1000 < b.rate_limit_ms:
                throttled = True
            else:
                throttled = False
                self.state.last_hit = now
            fail = b.always_fail or (b.failure_rate > 0 and self.state.rng.random() < b.failure_rate)
        if throttled:
            if request.method == "POST":
                self.record.add(self.id, "throttled", {}, reason="rate limit")
            return HTMLResponse("<h1>429 Too Many Requests</h1><p>Slow down.</p>", status_code=429,
                                headers={"Retry-After": str(b.retry_after_s)})
        if fail:
            if request.method == "POST":
                self.record.add(self.id, "unavailable", {}, reason="503")
            return HTMLResponse("<h1>503 Service Unavailable</h1><p>Try again later.</p>", status_code=503)
        return None

    # ---- pages
    def page(self, title: str, body: str, *, css: str = "", head: str = "") -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{css or self.css}</style>{head}</head><body>{body}</body></html>"
        )

    css: ClassVar[str] = "body{font-family:sans-serif;max-width:760px;margin:2em auto}"

    async def home(self, request: Request) -> Response:
        return self.page(self.name, f"<h1>{html.escape(self.name)}</h1>"
                         f"<p><a href='{self.submission_path}'>Add your business</a></p>")

    async def form_page(self, request: Request) -> Response:
        raise NotImplementedError

    async def thanks(self, request: Request) -> Response:
        return self.page("Thank you", "<h1>Thank you!</h1><p>Your listing has been submitted successfully.</p>")

    async def handle_post(self, request: Request) -> Response:
        form = await request.form()
        fields = {k: form.getlist(k)[0] if len(form.getlist(k)) == 1 else form.getlist(k) for k in form}
        return await self.process(request, fields)

    async def process(self, request: Request, fields: dict[str, Any]) -> Response:
        """Validate, detect spam and duplicates, record, answer."""
        for hp in self.honeypot_fields:
            if str(fields.get(hp, "")).strip():
                # Real directories answer spam with success and drop it silently.
                self.record.add(self.id, "spam", fields, reason=f"honeypot {hp} filled")
                return self.success_response(request, listing_id=None)
        errors = self.validate(fields)
        if errors:
            self.record.add(self.id, "invalid", fields, reason="; ".join(errors))
            return self.error_response(request, fields, errors)
        refusal = self.refuse(fields)
        if refusal:
            self.record.add(self.id, "refused", fields, reason=refusal)
            return self.refusal_response(request, refusal)
        name, phone = self.identity(fields)
        if name and phone and self.record.find_listing(self.id, name, phone):
            self.record.add(self.id, "refused", fields, reason="duplicate listing")
            return self.duplicate_response(request)
        listing_id = uuid.uuid4().hex[:10]
        if name and phone:
            self.record.add_listing(self.id, name, phone, listing_id)
        self.record.add(self.id, "accepted", fields, listing_id=listing_id)
        return self.success_response(request, listing_id=listing_id)

    # ---- overridable rules
    def validate(self, fields: dict[str, Any]) -> list[str]:
        return []

    def refuse(self, fields: dict[str, Any]) -> str | None:
        return None

    def identity(self, fields: dict[str, Any]) -> tuple[str, str]:
        """Business name and phone as this site's form names them."""
        return str(fields.get("business_name", "")), str(fields.get("phone", ""))

    def success_response(self, request: Request, *, listing_id: str | None) -> Response:
        return RedirectResponse(f"{self.base}/thanks", status_code=303)

    def error_response(self, request: Request, fields: dict[str, Any], errors: list[str]) -> Response:
        items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
        return self.page("Please correct the errors",
                         f"<div class='error' role='alert'><p>Please correct the following errors:</p>"
                         f"<ul>{items}</ul></div><p><a href='{self.submission_path}'>Back</a></p>")

    def refusal_response(self, request: Request, reason: str) -> Response:
        return self.page("Submission refused", f"<div class='error' role='alert'>{html.escape(reason)}</div>")

    def duplicate_response(self, request: Request) -> Response:
        return self.page("Already listed", "<div class='error' role='alert'>This business is already listed "
                         "in our directory.</div>")

    def json_ok(self, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "message": message, **extra})


# ---- validation helpers shared by sites
def require(fields: dict[str, Any], names: Mapping[str, str]) -> list[str]:
    return [f"{label} is required" for name, label in names.items() if not str(fields.get(name, "")).strip()]


def check_email(value: Any, label: str = "Email") -> list[str]:
    return [] if EMAIL_RE.match(str(value or "")) else [f"{label} is not a valid email address"]


def check_url(value: Any, label: str = "Website") -> list[str]:
    return [] if URL_RE.match(str(value or "")) else [f"{label} must be a full URL starting with http:// or https://"]


def check_phone(value: Any, label: str = "Phone") -> list[str]:
    return [] if PHONE_RE.match(str(value or "")) else [f"{label} is not a valid phone number"]


def check_max_len(value: Any, limit: int, label: str) -> list[str]:
    return [] if len(str(value or "")) <= limit else [f"{label} must be at most {limit} characters"]


def checked(fields: dict[str, Any], name: str, label: str) -> list[str]:
    return [] if fields.get(name) not in (None, "", "off") else [f"You must accept the {label}"]
