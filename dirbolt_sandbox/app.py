"""The sandbox directory network: many directory sites in one local web app.

Admin endpoints (not part of any site):
  GET  /                         every site with a link to its submission page
  GET  /_admin/health
  GET  /_admin/submissions       the record (?site=id filters); DELETE resets it (and each site's
                                 rate-limit clock, failure sequence, drafts, sessions, seeded listings)
  GET  /_admin/config            every site's behaviour knobs; POST {"site": id, knob: value...}
                                 changes one; DELETE restores every site's declared defaults
  GET  /_admin/catalog.json      the catalog with this server's URL
  GET  /_admin/catalog.legacy.json  the same sites in the legacy platform's directory-list format
  GET  /_admin/expected          per site: expected status, record outcome and exact fields for the
                                 sample profile; POST a profile (JSON) for another one
  GET  /_admin/captcha/{site}    the answer a person would read off a captcha site's challenge
  GET  /_admin/clock             the sandbox clock (review delays); POST {"advance_s": N} moves it forward
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from dirbolt_core.models import BusinessProfile
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_sandbox.base import Site, SiteBehaviour
from dirbolt_sandbox.kit import CaptchaProtected
from dirbolt_sandbox.record import SubmissionRecord
from dirbolt_sandbox.sites import SITE_CLASSES, mail, mirror_classes
from dirbolt_sandbox.sites import followup as followup_sites
from dirbolt_sandbox.sites.followup import SandboxClock

SANDBOX_PLACEHOLDER = "${SANDBOX_URL}"


def catalog_entries(sites: list[Site] | list[type[Site]], base_url: str = SANDBOX_PLACEHOLDER) -> list[dict]:
    """The sites in the project's catalog format."""
    entries = []
    for i, site in enumerate(sites):
        entries.append({
            "id": f"sandbox-{site.id}",
            "name": site.name,
            "url": f"{base_url}/sites/{site.id}/",
            "submission_url": f"{base_url}/sites/{site.id}/submit",
            "category": site.category,
            "tier": site.tier,
            "domain_authority": site.domain_authority,
            "priority": len(sites) - i,
            "rate_limit_ms": site.rate_limit_ms,
            "requires_login": site.requires_login,
            "has_captcha": site.has_captcha,
            "is_active": True,
            "selectors": dict(site.known_selectors),
            "notes": "sandbox: " + ", ".join(site.behaviours),
            # search_url, time to approval ... of the sites that have them (sites/followup.py)
            **(site.catalog_extra(base_url) if hasattr(site, "catalog_extra") else {}),
        })
    return entries


# The legacy platform's words for what the sandbox declares (tiers are its package names).
_LEGACY_TIERS = {1: "starter", 2: "growth", 3: "professional", 4: "enterprise"}
_LEGACY_FIELDS = {"business_name": "businessName", "address_line1": "address", "postal_code": "zip",
                  "short_description": "shortDescription", "contact_name": "contactName"}


def legacy_catalog(sites: list[Site] | list[type[Site]], base_url: str = SANDBOX_PLACEHOLDER) -> dict:
    """The sites in the legacy platform's directory-list format (what `dirbolt directories import`
    reads as `legacy`): camelCase keys, package-word tiers, formMapping selector lists, and the
    legacy's own facts (difficulty, success indicators, time to approval)."""
    entries = []
    for i, site in enumerate(sites):
        mapping = {_LEGACY_FIELDS.get(k, k): [css] for k, css in site.known_selectors.items()}
        difficulty = "hard" if site.has_captcha or site.requires_login else (
            "medium" if len(site.behaviours) > 6 else "easy")
        entries.append({
            "id": f"sandbox-{site.id}",
            "name": site.name,
            "url": f"{base_url}/sites/{site.id}/",
            "submissionUrl": f"{base_url}/sites/{site.id}/submit",
            "category": site.category,
            "domainAuthority": site.domain_authority,
            "difficulty": difficulty,
            "priority": len(sites) - i,
            "requiresLogin": site.requires_login,
            "hasCaptcha": site.has_captcha,
            "formMapping": mapping,
            "submitSelector": "button[type='submit'], input[type='submit']",
            "successIndicators": ["thank you", "submitted", "pending review"],
            "timeToApproval": "1-3 days" if site.expected_status == "approved" else "3-7 days",
            "isActive": True,
            "requiresApproval": site.expected_status != "approved",
            "tier": _LEGACY_TIERS.get(site.tier, site.tier),
            "rateLimitMs": site.rate_limit_ms,
        })
    return {"metadata": {"source": "dirbolt sandbox directory network", "format": "legacy directory list",
                         "total": len(entries)}, "directories": entries}


CATALOG_PATH = Path(__file__).resolve().parent / "catalog.json"


def catalog_json() -> str:
    """The committed catalog file's text: every site with ${SANDBOX_URL} placeholders."""
    return json.dumps(catalog_entries(SITE_CLASSES), indent=2, ensure_ascii=False) + "\n"


def create_app(seed: int = 7, mirrors: int = 1, cdn_url: str | None = None, smtp: tuple[str, int] | None = None,
               followup: bool = False) -> Starlette:
    """The sandbox; `mirrors` > 1 serves every site that many times as distinct directories.

    `cdn_url`: the sandbox's second origin (its CDN and widget host), when the other host name of the
    same server (127.0.0.1 <-> localhost) does not reach it (a container's service name). `smtp`
    (host, port): also the confirmation-mail sites (sites/mail.py), which send their mails there;
    `followup`: also the sites that publish listings after a review delay (sites/followup.py)."""
    record = SubmissionRecord()
    clock = SandboxClock()
    sites: dict[str, Site] = {cls.id: cls(record, seed) for cls in mirror_classes(mirrors)}
    if smtp is not None:
        sites.update({cls.id: cls(record, seed, smtp) for cls in mail.SITES})
    if followup:
        sites.update({cls.id: cls(record, seed, clock) for cls in followup_sites.SITES})

    async def index(request: Request) -> Response:
        rows = "".join(
            f"<li><a href='{s.submission_path}'>{html.escape(s.name)}</a> "
            f"<small>({html.escape(', '.join(s.behaviours))}; expected {s.expected_status})</small></li>"
            for s in sites.values()
        )
        return HTMLResponse(f"<!doctype html><title>Sandbox directories</title><h1>Sandbox directory network"
                            f"</h1><p>{len(sites)} sites, seed {seed}</p><ul>{rows}</ul>")

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "sites": len(sites), "seed": seed})

    async def submissions(request: Request) -> Response:
        if request.method == "DELETE":
            record.reset()
            clock.reset()
            for s in sites.values():
                s.reset_state()
            return JSONResponse({"ok": True})
        site = request.query_params.get("site")
        return JSONResponse(record.items(site))

    async def config(request: Request) -> Response:
        """GET: every site's behaviour. POST {"site": id, ...SiteBehaviour fields}: change one."""
        if request.method == "DELETE":
            for s in sites.values():
                s.restore_behaviour()
            return JSONResponse({"ok": True})
        if request.method == "POST":
            body: dict[str, Any] = await request.json()
            site = sites.get(str(body.pop("site", "")))
            if site is None:
                return JSONResponse({"error": "unknown site"}, status_code=404)
            unknown = set(body) - set(SiteBehaviour.__dataclass_fields__)
            if unknown:
                return JSONResponse({"error": f"unknown settings {sorted(unknown)}"}, status_code=400)
            try:
                values = {key: _knob(key, value) for key, value in body.items()}
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            for key, value in values.items():
                setattr(site.state.behaviour, key, value)
            return JSONResponse({"ok": True, "site": site.id, **asdict(site.state.behaviour)})
        return JSONResponse({sid: asdict(s.state.behaviour) for sid, s in sites.items()})

    async def clock_endpoint(request: Request) -> Response:
        """GET: the sandbox clock's offset; POST {"advance_s": N}: move it forward (review delays)."""
        if request.method == "POST":
            body = await request.json()
            try:
                clock.advance(float(body.get("advance_s", 0)))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"offset_s": clock.offset_s, "now": clock.now()})

    async def catalog(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(catalog_entries(list(sites.values()), base))

    async def catalog_legacy(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(legacy_catalog(list(sites.values()), base))

    async def expected(request: Request) -> Response:
        profile = SAMPLE_PROFILE
        if request.method == "POST":
            try:
                profile = BusinessProfile.model_validate(await request.json())
            except (ValidationError, ValueError) as exc:
                return JSONResponse({"error": str(exc)[:500]}, status_code=422)
        return JSONResponse([type(s).describe(profile) for s in sites.values()])

    async def captcha(request: Request) -> Response:
        site = sites.get(request.path_params["site"])
        if not isinstance(site, CaptchaProtected):
            return JSONResponse({"error": "not a captcha site"}, status_code=404)
        return JSONResponse({"site": site.id, "field": site.captcha_field, "answer": site.captcha_answer})

    routes: list[Route] = [
        Route("/", index),
        Route("/_admin/health", health),
        Route("/_admin/submissions", submissions, methods=["GET", "DELETE"]),
        Route("/_admin/config", config, methods=["GET", "POST", "DELETE"]),
        Route("/_admin/catalog.json", catalog),
        Route("/_admin/catalog.legacy.json", catalog_legacy),
        Route("/_admin/expected", expected, methods=["GET", "POST"]),
        Route("/_admin/captcha/{site}", captcha),
        Route("/_admin/clock", clock_endpoint, methods=["GET", "POST"]),
    ]
    for site in sites.values():
        for (method, sub), handler in site.routes().items():
            submission = (method, sub) in site.submission_routes
            routes.append(Route(f"{site.base}/{sub}", _gated(site, handler, submission), methods=[method]))
    app = Starlette(routes=routes)
    app.state.record = record
    app.state.cdn_url = cdn_url
    app.state.sites = sites
    return app


def _knob(key: str, value: Any) -> Any:
    """A behaviour value of the knob's own type (bool, int or float), or ValueError."""
    kind = type(getattr(SiteBehaviour(), key))
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    if value < 0 or (key == "failure_rate" and value > 1):
        raise ValueError(f"{key} is out of range")
    return kind(value)


def _gated(site: Site, handler, submission: bool):
    async def endpoint(request: Request) -> Response:
        refused = await site.gate(request, submission)
        if refused is not None:
            return refused
        return await handler(request)

    return endpoint
