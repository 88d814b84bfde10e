"""The machinery every sandbox site shares: throttling, flakiness, latency, validation, record.

A site is a subclass of `Site` with its own markup (`form_page` and friends) and its rules
declared as class attributes (`required`, `email_fields`, `max_lengths`, ...). The base turns
them into the server-side behaviour real directories show:

* gate: latency on every request; a per-site rate limit (429 + Retry-After) and a seeded
  failure rate (503) on the site's *submission* requests (`submission_routes`), or on every
  request when the behaviour says `gate_all_requests`;
* process: internal fields (tokens) are set aside, a filled honeypot answers success but is
  recorded as spam, validation errors are answered with the site's messages, refusals with
  the site's reason, a second listing with the same business name + phone is refused as a
  duplicate, and what is left is accepted with a listing id that is deterministic under the
  seed.

`expected_status`, `expected_outcome` and `expected_fields(profile)` say what a correct
runner ends with after submitting a profile once; tests of the runner assert against them.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import math
import random
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dirbolt_core.vocabulary import CANONICAL_KEYS
from dirbolt_sandbox.record import SubmissionRecord

if TYPE_CHECKING:
    from dirbolt_core.models import BusinessProfile

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,20}$")

STATUSES = ("submitted", "approved", "needs_manual", "rejected", "skipped", "pending_verification")
READINESS = ("ready", "needs_review", "login_required", "captcha", "no_form", "unreachable")
OUTCOMES = ("accepted", "spam", "refused", "invalid", "throttled", "unavailable")
# What the record shows after a correct runner's one submission, by expected status.
_DEFAULT_OUTCOME = {"submitted": "accepted", "approved": "accepted", "pending_verification": "accepted",
                    "rejected": "refused",
                    "skipped": "refused", "needs_manual": None}

# The behaviours sites declare (Site.behaviours); the catalog notes and the index page show them.
BEHAVIOURS: dict[str, str] = {
    "names:conventional": "snake_case names a person would guess (business_name, email)",
    "names:camelCase": "camelCase names (businessName)",
    "names:kebab-case": "kebab-case names (nazwa-firmy)",
    "names:bracketed": "bracketed names (biz[name])",
    "names:dotted": "dotted names (listing.name)",
    "names:aspnet": "ASP.NET WebForms names (ctl00$Main$txtName) and __VIEWSTATE",
    "names:opaque": "opaque names and ids (f_01, fld_8c1e)",
    "names:foreign": "names in the site's language (firmenname, nombreEmpresa)",
    "labels:for": "<label for=id>",
    "labels:wrapping": "<label>text <input></label>",
    "labels:aria-label": "aria-label only",
    "labels:aria-labelledby": "aria-labelledby pointing at text elsewhere",
    "labels:placeholder": "placeholder text only",
    "language:de": "German page", "language:fr": "French page", "language:es": "Spanish page",
    "language:pl": "Polish page",
    "select:state-code": "state select whose values are codes", "select:state-name": "state select by name",
    "select:state-opaque": "state select with opaque numeric values",
    "select:category-wording": "category options worded unlike the profile", "select:optgroups": "optgroups",
    "select:country": "country select (names, codes or numbers)",
    "radios": "radio groups", "checkbox:terms": "a required terms checkbox",
    "checkbox:newsletter": "a newsletter/marketing checkbox to leave",
    "split:name": "first and last name", "split:phone": "phone in parts", "split:street": "street number + name",
    "honeypot:css-class": "honeypot hidden by a class in <style>", "honeypot:inline-style": "inline display:none",
    "honeypot:off-screen": "honeypot positioned off-screen", "honeypot:zero-size": "honeypot of zero size",
    "honeypot:tabindex": "tabindex=-1 honeypot with a tempting name",
    "wizard:client": "multi-step form, steps switched by script", "wizard:server": "multi-step form, server steps",
    "script-rendered": "form injected by script after a delay", "iframe": "form inside an iframe",
    "xhr": "fetch/XHR submit, inline message, no navigation",
    "result:redirect-thanks": "redirect to a thank-you page", "result:pending-review": "pending-review page",
    "result:approved-listing-url": "approved with a listing URL", "result:inline-message": "inline result message",
    "validation:server": "server-side required/email/URL/phone checks", "validation:phone-format": "a phone format",
    "validation:maxlength-html": "description maxlength declared in HTML",
    "validation:maxlength-server": "description limit only enforced server-side (fix once)",
    "validation:unfillable": "a required field the profile cannot fill",
    "validation:email-confirm": "email typed twice",
    "duplicate": "business already listed (same name + phone)", "refusal": "refused with the site's reason",
    "captcha": "a captcha a person must solve", "login-wall": "sign in before the form",
    "rate-limit": "429 + Retry-After inside the site's rate limit", "flaky-503": "seeded 503s",
    "slow": "slow pages (latency)", "known-selectors": "the catalog carries correct selectors",
    "cdn-script": "the form is built by a script loaded from the second origin (a CDN)",
    "formless": "no <form>: a field group and a clickable submit-like element",
    "contenteditable": "a contenteditable description",
    "shadow-dom": "fields inside a web component's open shadow root",
    "aria-combobox": "an ARIA combobox whose options appear after typing",
    "custom-checkbox": "a [role=checkbox] element, not an <input>", "date-input": "a date input for the founding date",
    "cross-origin-frame": "the form's frame is served by another origin",
    "redirect:other-host": "the submission URL redirects to another host name (apex to www)",
    "result:confirm-email": "the answer says a confirmation e-mail was sent (pending_verification)",
    "slow-answer": "the answer arrives seconds after the submit; a second press submits again",
}

EN_MESSAGES = {
    "required": "{label} is required",
    "email": "{label} is not a valid email address",
    "url": "{label} must be a full URL starting with http:// or https://",
    "phone": "{label} is not a valid phone number",
    "max": "{label} must be at most {limit} characters",
    "terms": "You must accept the {label}",
}


@dataclass
class SiteBehaviour:
    """Knobs an operator or a test may turn per site (POST /_admin/config)."""

    rate_limit_ms: int = 0  # minimum gap between submissions; closer ones get 429 + Retry-After
    retry_after_s: int = 1  # the Retry-After floor (the header never says less than the real wait)
    failure_rate: float = 0.0  # share of submissions answered 503 (seeded, so deterministic)
    latency_ms: int = 0  # added to every request of the site
    always_fail: bool = False  # every gated request answers 503
    gate_all_requests: bool = False  # rate limit and failures apply to page loads too
    max_consecutive_failures: int = 2  # a seeded failure streak never exceeds this (0: no cap)


@dataclass
class SiteState:
    behaviour: SiteBehaviour
    rng: random.Random
    last_hit: float = 0.0
    fail_streak: int = 0
    listings_issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Site:
    """One directory site. Subclasses give markup and rules; the base keeps the record honest."""

    id: ClassVar[str]
    name: ClassVar[str]
    mirror_of: ClassVar[str | None] = None  # the site a mirror copies (sites.mirror_classes)
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
    # what the sandbox record shows for that one submission: accepted | refused | invalid | None
    # (None: nothing must be recorded as accepted). Derived from expected_status unless set.
    expected_outcome: ClassVar[str | None] = "accepted"
    behaviours: ClassVar[tuple[str, ...]] = ()
    # What a probe (the runner's dry run of the submission page, never the final submit) should
    # find: ready | needs_review | login_required | captcha | no_form | unreachable. A required
    # field the profile cannot fill is needs_review; a wall, refusal or duplicate that only shows
    # after the submit is invisible to a probe (ready).
    expected_readiness: ClassVar[str] = "ready"
    default_behaviour: ClassVar[SiteBehaviour] = SiteBehaviour()
    honeypot_fields: ClassVar[tuple[str, ...]] = ()

    # ---- declarative server-side rules (field name as posted -> label used in messages)
    # The fields that carry the business's name, email, phone and website: role -> (name, label).
    # They give identity_fields (name + phone) and the usual rules: name, email and phone
    # required, email, phone and URL format; the dicts below add to them.
    core_fields: ClassVar[dict[str, tuple[str, str]]] = {}
    required: ClassVar[dict[str, str]] = {}
    email_fields: ClassVar[dict[str, str]] = {}
    url_fields: ClassVar[dict[str, str]] = {}  # checked when not empty
    phone_fields: ClassVar[dict[str, str]] = {}  # checked when not empty
    # field -> (regex the whole value must match, message) e.g. a phone format; checked when not empty
    patterns: ClassVar[dict[str, tuple[str, str]]] = {}
    max_lengths: ClassVar[dict[str, tuple[str, int]]] = {}  # field -> (label, limit)
    terms_fields: ClassVar[dict[str, str]] = {}  # checkbox -> what is accepted
    messages: ClassVar[dict[str, str]] = EN_MESSAGES
    # Which posted fields name the business and its phone (a tuple of names is joined: split phone).
    identity_fields: ClassVar[tuple[str | tuple[str, ...], str | tuple[str, ...]]] = ("business_name", "phone")
    # Fields the site itself put in the form (tokens, steps): kept out of `fields`, recorded as meta.
    internal_fields: ClassVar[tuple[str, ...]] = ()
    # The directory already lists the sample business (a correct runner ends `skipped`).
    preexisting_listings: ClassVar[tuple[tuple[str, str], ...]] = ()
    # (method, sub-path) of the requests that submit: rate limit and failures count these.
    submission_routes: ClassVar[frozenset[tuple[str, str]]] = frozenset({("POST", "submit")})
    responds_json: ClassVar[bool] = False  # XHR sites answer JSON; their page script shows it inline
    success_message: ClassVar[str] = "Thank you! Your listing has been submitted successfully."
    duplicate_message: ClassVar[str] = "This business is already listed in our directory."
    listing_prefix: ClassVar[str] = "listing"  # approved listings live at {base}/{listing_prefix}/{id}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "expected_outcome" not in cls.__dict__ and "expected_status" in cls.__dict__:
            cls.expected_outcome = _DEFAULT_OUTCOME.get(cls.expected_status)
        if "expected_readiness" not in cls.__dict__ and "validation:unfillable" in cls.behaviours:
            cls.expected_readiness = "needs_review"
        if cls.expected_readiness not in READINESS:
            raise ValueError(f"{cls.__name__}: expected_readiness {cls.expected_readiness!r} not in {READINESS}")
        if cls.expected_status not in STATUSES:
            raise ValueError(f"{cls.__name__}: expected_status {cls.expected_status!r} not in {STATUSES}")
        unknown = set(cls.known_selectors) - CANONICAL_KEYS
        if unknown:
            raise ValueError(f"{cls.__name__}: known_selectors keys {sorted(unknown)} are not canonical")
        if "core_fields" in cls.__dict__:
            cls._derive_core_rules()
        undeclared = set(cls.behaviours) - set(BEHAVIOURS)
        if undeclared:
            raise ValueError(f"{cls.__name__}: behaviours {sorted(undeclared)} are not in BEHAVIOURS")

    @classmethod
    def _derive_core_rules(cls) -> None:
        core, own = cls.core_fields, cls.__dict__
        if "identity_fields" not in own and "name" in core and "phone" in core:
            cls.identity_fields = (core["name"][0], core["phone"][0])

        def rule(roles: tuple[str, ...], attr: str) -> dict[str, str]:
            return {**{core[r][0]: core[r][1] for r in roles if r in core}, **own.get(attr, {})}

        cls.required = rule(("name", "email", "phone"), "required")
        cls.email_fields = rule(("email",), "email_fields")
        cls.phone_fields = rule(("phone",), "phone_fields")
        cls.url_fields = rule(("website",), "url_fields")

    def __init__(self, record: SubmissionRecord, seed: int):
        self.record = record
        self.seed = seed
        self.state = SiteState(behaviour=SiteBehaviour(**vars(self.default_behaviour)), rng=self._rng())
        self._seed_listings()

    def _rng(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.id}")

    def reset_state(self) -> None:
        """After the record was reset: fresh rate-limit clock, failure sequence and seeded listings."""
        with self.state.lock:
            self.state.rng = self._rng()
            self.state.last_hit = 0.0
            self.state.fail_streak = 0
            self.state.listings_issued = 0
        self._seed_listings()

    def restore_behaviour(self) -> None:
        self.state.behaviour = SiteBehaviour(**vars(self.default_behaviour))

    def _seed_listings(self) -> None:
        for i, (name, phone) in enumerate(self.preexisting_listings):
            self.record.add_listing(self.id, name, phone, f"seeded-{i + 1}")

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
            ("GET", f"{self.listing_prefix}/{{lid}}"): self.listing_page,
        }

    # ---- gates every request passes
    async def gate(self, request: Request, submission: bool | None = None) -> Response | None:
        """Latency always; rate limit and failures on submissions (or on everything when configured)."""
        b = self.state.behaviour
        if b.latency_ms:
            await asyncio.sleep(b.latency_ms / 1000)
        if submission is None:
            submission = request.method == "POST"
        if not (submission or b.gate_all_requests):
            return None
        wait_s = 0.0
        with self.state.lock:
            now = time.monotonic()
            if b.rate_limit_ms and self.state.last_hit and (now - self.state.last_hit) * 1000 < b.rate_limit_ms:
                wait_s = b.rate_limit_ms / 1000 - (now - self.state.last_hit)
                fail = False
            else:
                self.state.last_hit = now
                fail = b.always_fail
                if b.failure_rate > 0:
                    drawn = self.state.rng.random() < b.failure_rate
                    capped = b.max_consecutive_failures and self.state.fail_streak >= b.max_consecutive_failures
                    fail = fail or (drawn and not capped)
                self.state.fail_streak = self.state.fail_streak + 1 if fail else 0
        if wait_s > 0:
            retry_after = max(b.retry_after_s, math.ceil(wait_s))
            if request.method == "POST":
                self.record.add(self.id, "throttled", {}, reason=f"rate limit: retry after {retry_after}s")
            return HTMLResponse("<h1>429 Too Many Requests</h1><p>Slow down.</p>", status_code=429,
                                headers={"Retry-After": str(retry_after)})
        if fail:
            if request.method == "POST":
                self.record.add(self.id, "unavailable", {}, reason="503")
            return HTMLResponse("<h1>503 Service Unavailable</h1><p>Try again later.</p>", status_code=503,
                                headers={"Retry-After": "1"})
        return None

    # ---- pages
    lang: ClassVar[str] = "en"
    css: ClassVar[str] = "body{font-family:sans-serif;max-width:760px;margin:2em auto}"

    def page(self, title: str, body: str, *, css: str = "", head: str = "", status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><html lang='{self.lang}'><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{css or self.css}</style>{head}</head><body>{body}</body></html>",
            status_code=status_code,
        )

    async def home(self, request: Request) -> Response:
        return self.page(self.name, f"<h1>{html.escape(self.name)}</h1>"
                         f"<p><a href='{self.submission_path}'>Add your business</a></p>")

    async def form_page(self, request: Request) -> Response:
        raise NotImplementedError

    thanks_html: ClassVar[str] = "<h1>Thank you!</h1><p>Your listing has been submitted successfully.</p>"

    async def thanks(self, request: Request) -> Response:
        return self.page("Thank you", self.thanks_html)

    async def listing_page(self, request: Request) -> Response:
        lid = request.path_params.get("lid", "")
        item = self.record.by_listing(self.id, lid)
        if item is None:
            return self.page("Not found", "<h1>Listing not found</h1>", status_code=404)
        name, _ = self.identity(item["fields"])
        return self.page(name, f"<h1>{html.escape(name)}</h1><p class='listing-id'>Listing {html.escape(lid)}</p>")

    def listing_url(self, listing_id: str | None) -> str:
        return f"{self.base}/{self.listing_prefix}/{listing_id or 'pending'}"

    async def read_fields(self, request: Request) -> dict[str, Any]:
        """The posted fields: a form (urlencoded or multipart) or a JSON object."""
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError:
                body = {}
            return dict(body) if isinstance(body, dict) else {}
        form = await request.form()
        return {k: form.getlist(k)[0] if len(form.getlist(k)) == 1 else form.getlist(k) for k in form}

    async def handle_post(self, request: Request) -> Response:
        return await self.process(request, await self.read_fields(request))

    async def process(self, request: Request, fields: dict[str, Any]) -> Response:
        """Validate, detect spam and duplicates, record, answer."""
        meta = {k: fields.pop(k) for k in self.internal_fields if k in fields}
        extra = {"meta": meta} if meta else {}
        for hp in self.honeypot_fields:
            if str(fields.get(hp, "")).strip():
                # Real directories answer spam with success and drop it silently.
                self.record.add(self.id, "spam", fields, reason=f"honeypot {hp} filled", **extra)
                return self.success_response(request, listing_id=self._next_listing_id())
        errors = self.validate(fields)
        if errors:
            self.record.add(self.id, "invalid", fields, reason="; ".join(errors), **extra)
            return self.error_response(request, fields, errors)
        refusal = self.refuse(fields)
        if refusal:
            self.record.add(self.id, "refused", fields, reason=refusal, **extra)
            return self.refusal_response(request, refusal)
        name, phone = self.identity(fields)
        if name and phone and self.record.find_listing(self.id, name, phone):
            self.record.add(self.id, "refused", fields, reason="duplicate listing", **extra)
            return self.duplicate_response(request)
        listing_id = self._next_listing_id()
        if name and phone:
            self.record.add_listing(self.id, name, phone, listing_id)
        self.record.add(self.id, "accepted", fields, listing_id=listing_id, **extra)
        return self.success_response(request, listing_id=listing_id)

    def _next_listing_id(self) -> str:
        with self.state.lock:
            self.state.listings_issued += 1
            n = self.state.listings_issued
        return hashlib.sha256(f"{self.seed}:{self.id}:{n}".encode()).hexdigest()[:10]

    # ---- overridable rules
    def validate(self, fields: dict[str, Any]) -> list[str]:
        """The declared rules, in the site's language (`messages`)."""
        msg = self.messages
        errors = [msg["required"].format(label=label) for name, label in self.required.items()
                  if not _text(fields.get(name))]
        errors += [msg["email"].format(label=label) for name, label in self.email_fields.items()
                   if _text(fields.get(name)) and not EMAIL_RE.match(_text(fields.get(name)))]
        errors += [msg["url"].format(label=label) for name, label in self.url_fields.items()
                   if _text(fields.get(name)) and not URL_RE.match(_text(fields.get(name)))]
        errors += [msg["phone"].format(label=label) for name, label in self.phone_fields.items()
                   if _text(fields.get(name)) and not PHONE_RE.match(_text(fields.get(name)))]
        errors += [message for name, (regex, message) in self.patterns.items()
                   if _text(fields.get(name)) and not re.fullmatch(regex, _text(fields.get(name)))]
        errors += [msg["max"].format(label=label, limit=limit) for name, (label, limit) in self.max_lengths.items()
                   if len(_text(fields.get(name))) > limit]
        errors += [msg["terms"].format(label=label) for name, label in self.terms_fields.items()
                   if fields.get(name) in (None, "", "off", False)]
        return errors

    def refuse(self, fields: dict[str, Any]) -> str | None:
        return None

    def identity(self, fields: dict[str, Any]) -> tuple[str, str]:
        """Business name and phone as this site's form names them."""
        name_f, phone_f = self.identity_fields

        def join(names: str | tuple[str, ...]) -> str:
            return "".join(_text(fields.get(n)) for n in ((names,) if isinstance(names, str) else names))

        return join(name_f), join(phone_f)

    # ---- answers
    # The page answering an accepted post in place (no redirect): (title, body) where the body may
    # use {url} (the listing's URL) and {ref} (the listing id). None: redirect to the thank-you page.
    result_page: ClassVar[tuple[str, str] | None] = None

    def success_response(self, request: Request, *, listing_id: str | None) -> Response:
        if self.responds_json:
            return self.json_ok(self.success_message, **self._listing_extra(listing_id))
        if self.result_page is not None:
            title, body = self.result_page
            return self.page(title, body.format(url=self.listing_url(listing_id), ref=listing_id or ""))
        return RedirectResponse(f"{self.base}/thanks", status_code=303)

    def _listing_extra(self, listing_id: str | None) -> dict[str, Any]:
        return {"listing_url": self.listing_url(listing_id)} if self.expected_status == "approved" else {}

    def error_response(self, request: Request, fields: dict[str, Any], errors: list[str]) -> Response:
        if self.responds_json:
            return JSONResponse({"ok": False, "errors": errors}, status_code=422)
        items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
        return self.page("Please correct the errors",
                         f"<div class='error' role='alert'><p>Please correct the following errors:</p>"
                         f"<ul>{items}</ul></div><p><a href='{self.submission_path}'>Back</a></p>")

    def refusal_response(self, request: Request, reason: str) -> Response:
        if self.responds_json:
            return JSONResponse({"ok": False, "error": reason}, status_code=403)
        return self.page("Submission refused", f"<div class='error' role='alert'>{html.escape(reason)}</div>")

    def duplicate_response(self, request: Request) -> Response:
        if self.responds_json:
            return JSONResponse({"ok": False, "error": self.duplicate_message}, status_code=409)
        return self.page("Already listed", f"<div class='error' role='alert'>{html.escape(self.duplicate_message)}"
                         "</div>")

    def json_ok(self, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "message": message, **extra})

    # ---- what a correct runner leaves behind
    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any] | None:
        """The exact `fields` of this site's record after a correct runner submitted `profile` once.

        Keys are field names as posted; a key that is absent must not be posted (an unticked
        checkbox). Empty strings are fields posted empty (honeypots, fields the profile has no
        value for). None: no submission is expected to reach the record (captcha, login wall).
        """
        return None

    @classmethod
    def verify_fields(cls, fields: Mapping[str, Any], profile: BusinessProfile) -> list[str]:
        """Differences between a record's fields and `expected_fields(profile)` (empty: exact match)."""
        expected = cls.expected_fields(profile)
        if expected is None:
            return ["no submission is expected to be recorded for this site"]
        problems = [f"{k}: expected {v!r}, got {fields.get(k, '<absent>')!r}"
                    for k, v in expected.items() if fields.get(k, "<absent>") != v]
        problems += [f"{k}: not expected, got {fields[k]!r}" for k in fields if k not in expected]
        return problems

    @classmethod
    def describe(cls, profile: BusinessProfile) -> dict[str, Any]:
        """What /_admin/expected serves for this site."""
        return {
            "site": cls.id, "directory_id": f"sandbox-{cls.id}", "name": cls.name,
            "expected_status": cls.expected_status, "expected_outcome": cls.expected_outcome,
            "expected_readiness": cls.expected_readiness,
            "expected_fields": cls.expected_fields(profile), "behaviours": list(cls.behaviours),
            "rules": (cls.__doc__ or "").strip(),
        }


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


# ---- validation helpers (kept for sites that write their own rules)
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
