"""Probing a directory: the runner's dry run on its submission page (never the final submit) and a
verdict on whether a job could submit there.

Verdicts (vocabulary.Readiness): `ready` (a listing form whose required fields all map with
confidence), `needs_review` (required fields unmapped or below the confidence bar, listed),
`login_required`, `captcha`, `no_form`, `unreachable` (DNS, TLS, refused connection, timeout,
HTTP 4xx/5xx). With credentials for a login-required directory the probe signs in first and
also judges the form behind the sign-in.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.model import FieldMapping, FormField, FormInfo, FormMapping
from dirbolt_core.brain.protocols import Brain
from dirbolt_core.brain.values import value_for_field
from dirbolt_core.directories.readiness import CONFIDENT
from dirbolt_core.runner.signin import sign_in_first
from dirbolt_core.runner.submit import CAPTCHA_WIDGET, AttemptResult, SubmissionAttempt
from dirbolt_core.vocabulary import Readiness, SubmissionStatus

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Response

    from dirbolt_core.models import BusinessProfile, Directory

PROBE_TIMEOUT_S = 90.0
# A label saying the field is required (beside the HTML required / aria-required attributes).
REQUIRED_MARK = re.compile(r"\*\s*:?\s*$|^\s*\*|\(\s*required\s*\)|\brequired\b|\bmandatory\b|obligatoire|"
                           r"pflicht|obligatori[oa]|obbligatori[oa]|wymagane|obrigatóri[oa]|verplicht|"
                           r"обязательн", re.IGNORECASE)
# Keys whose value the runner never has for a listing: a required one needs a person.
_NO_VALUE_KEYS = frozenset({"unknown", "password", "password_confirm", "username", "captcha"})
_NET_ERROR = re.compile(r"net::(ERR_[A-Z_]+)")
# A bot check in place of the page (a challenge interstitial), beside captcha widgets.
CHALLENGE = re.compile(r"challenge-platform|cf-chl|checking (if the site connection is secure|your browser)|"
                       r"verify(ing)? you are (a )?human|are you a robot|unusual traffic", re.IGNORECASE)
# Network errors worth another try (the rest, e.g. a name that does not resolve, are answers).
_TRANSIENT_NET = frozenset({"ERR_CONNECTION_RESET", "ERR_TIMED_OUT", "ERR_CONNECTION_TIMED_OUT",
                            "ERR_EMPTY_RESPONSE", "ERR_NETWORK_CHANGED", "ERR_CONNECTION_CLOSED"})


@dataclass
class ProbeResult:
    readiness: Readiness
    reason: str
    form_signature: str | None = None
    mapping: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[dict[str, Any]] = field(default_factory=list)
    http_status: int | None = None
    final_url: str | None = None
    screenshot: bytes | None = None
    html: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    transient: bool = False  # a later probe may see otherwise (5xx, 429, a reset connection)
    retry_after_s: float | None = None


def is_required(f: FormField) -> bool:
    return f.required or any(REQUIRED_MARK.search(t) for t in (f.label, f.aria_label, f.placeholder) if t)


def _label(f: FormField) -> str:
    return (f.label or f.aria_label or f.placeholder or f.name or f.id or f.type)[:80]


def judge_mapping(forms: list[tuple[FormInfo, FormMapping]], profile: BusinessProfile
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The mapping the runner would use (per visible field) and the required fields it would leave
    unfilled or fill on a guess. Radio groups count once: one chosen radio fills the group."""
    mapping: list[dict[str, Any]] = []
    unmapped: list[dict[str, Any]] = []
    groups: dict[tuple[int, str], list[tuple[FormField, FieldMapping, str | None]]] = defaultdict(list)
    for step, (form, form_mapping) in enumerate(forms):
        for f, m in zip(form.fields, form_mapping.fields, strict=True):
            if f.visible and f.type == "file" and is_required(f):
                unmapped.append({"step": step, "label": _label(f), "name": f.name, "key": m.key,
                                 "confidence": round(m.confidence, 3), "problem": "asks for a file upload"})
                continue
            if not (f.visible and f.is_fillable):
                continue
            required = is_required(f)
            value = value_for_field(m, f, profile)
            mapping.append({"step": step, "label": _label(f), "name": f.name, "type": f.type, "key": m.key,
                            "confidence": round(m.confidence, 3), "strategy": m.strategy, "required": required,
                            "filled": value is not None})
            if f.type == "radio" and f.name:
                groups[(step, f.name)].append((f, m, value))
                continue
            problem = _problem(f, m, value, required)
            if problem:
                unmapped.append({"step": step, "label": _label(f), "name": f.name, "key": m.key,
                                 "confidence": round(m.confidence, 3), "problem": problem})
    for (step, name), radios in groups.items():
        if not any(is_required(f) for f, _, _ in radios) or any(v is not None for _, _, v in radios):
            continue
        f, m, _ = radios[0]
        unmapped.append({"step": step, "label": f.section or _label(f), "name": name, "key": m.key,
                         "confidence": round(max(r[1].confidence for r in radios), 3),
                         "problem": "no choice of this required group means the profile's value"})
    return mapping, unmapped


def _problem(f: FormField, m: FieldMapping, value: str | None, required: bool) -> str | None:
    if not required or m.key in ("honeypot", "newsletter_checkbox"):
        return None
    if m.key in _NO_VALUE_KEYS:
        if m.key == "unknown":
            return "unmapped"
        return f"asks for {m.key.replace('_', ' ')}, which a listing has no value for"
    if m.confidence < CONFIDENT:
        return f"low confidence ({m.confidence:.2f} as {m.key})"
    if value is None:
        return f"mapped to {m.key} but no value of the profile fits it"
    return None


# A form of this many boxes the brain cannot read as a listing form is for a person to look at (a
# search box or a newsletter sign-up has one or two).
UNREAD_FORM_FIELDS = 3


def _unread_form(html: str) -> list[dict[str, Any]]:
    """The fields of the page's largest form when it has enough text boxes to be a listing form."""
    best: list[FormField] = []
    for form in extract_forms_from_html(html or ""):
        boxes = [f for f in form.fields if f.visible and f.is_fillable and f.type not in ("checkbox", "radio")]
        if len(boxes) > len(best):
            best = boxes
    if len(best) < UNREAD_FORM_FIELDS:
        return []
    return [{"step": 0, "label": _label(f), "name": f.name, "key": "unknown", "confidence": 0.0,
             "problem": "unmapped"} for f in best]


def _page_gate(html: str, mapping: FormMapping | None = None) -> Readiness | None:
    """What stands on a page without a usable listing form: a sign-in, a captcha, or nothing."""
    forms = extract_forms_from_html(html or "")
    if any(f.type == "password" and f.visible for form in forms for f in form.fields):
        return Readiness.LOGIN_REQUIRED
    if CAPTCHA_WIDGET.search(html or "") or (mapping is not None and any(m.key == "captcha" for m in mapping.fields)):
        return Readiness.CAPTCHA
    return None


def _network_reason(exc: BaseException) -> tuple[str, bool]:
    text = str(exc)
    match = _NET_ERROR.search(text)
    if match:
        code = match.group(1)
        kind = ("DNS" if "NAME_NOT_RESOLVED" in code or "NAME_RESOLUTION" in code else
                "TLS" if "CERT" in code or "SSL" in code else
                "blocked by the network policy" if "BLOCKED" in code else "connection")
        return f"{kind}: {code}", code in _TRANSIENT_NET
    if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__ or "timeout" in text.lower():
        return "timed out loading the submission page", True
    return f"{type(exc).__name__}: {text.splitlines()[0][:160] if text else ''}", False


def classify(result: AttemptResult, *, first_status: int | None, profile: BusinessProfile,
             catalog_captcha: bool = False) -> ProbeResult:
    """The verdict on one dry run."""
    a = result.analysis
    base = {"http_status": first_status, "final_url": result.final_url, "screenshot": result.screenshot,
            "html": result.html or None}
    forms = [(form, mapping) for form, mapping, _ in result.filled_forms]
    signature = forms[0][0].signature if forms else (result.mapping.signature if result.mapping else None)
    evidence = {"attempt_reason": a.reason, "timings": result.timings}
    if result.submit_pressed:
        # A dry run presses only Next; a Next that turned out to be the final submit is on record.
        evidence["submit_pressed"] = True
    if first_status is not None and first_status >= 400:
        if first_status in (401, 403, 429, 503) and (CAPTCHA_WIDGET.search(result.html or "")
                                                     or CHALLENGE.search(result.html or "")):
            return ProbeResult(Readiness.CAPTCHA, f"a bot check answers the submission page (HTTP {first_status})",
                               evidence=evidence, **base)
        transient = first_status == 429 or first_status >= 500
        return ProbeResult(Readiness.UNREACHABLE, f"the submission page answered HTTP {first_status}",
                           evidence=evidence, transient=transient, retry_after_s=a.retry_after_s, **base)
    if a.transient and a.status is SubmissionStatus.FAILED and not forms and (a.retry_after_s or "HTTP" in (
            a.reason or "")):
        return ProbeResult(Readiness.UNREACHABLE, a.reason or "the page failed", evidence=evidence, transient=True,
                           retry_after_s=a.retry_after_s, **base)
    mapping, unmapped = judge_mapping(forms, profile)
    if a.status is SubmissionStatus.NEEDS_MANUAL or not forms:
        gate = _page_gate(result.html, result.mapping)
        if gate is None and a.status is SubmissionStatus.NEEDS_MANUAL and catalog_captcha:
            return ProbeResult(Readiness.CAPTCHA, "the catalog marks this directory as having a captcha (none "
                               "was seen on the form; the runner will not submit it)", signature, mapping, unmapped,
                               evidence=evidence, **base)
        if gate is None and a.status is SubmissionStatus.NEEDS_MANUAL:
            gate = Readiness.CAPTCHA if "captcha" in (a.reason or "").lower() else Readiness.LOGIN_REQUIRED
        if gate is Readiness.LOGIN_REQUIRED:
            return ProbeResult(gate, "a sign-in stands before the form", signature, mapping, unmapped,
                               evidence=evidence, **base)
        if gate is Readiness.CAPTCHA:
            return ProbeResult(gate, "a captcha a person must solve", signature, mapping, unmapped,
                               evidence=evidence, **base)
        unread = _unread_form(result.html)
        if unread:
            names = ", ".join(u["label"] for u in unread[:6])
            return ProbeResult(Readiness.NEEDS_REVIEW, f"a form the brain cannot read as a listing form: {names}",
                               unmapped=unread, evidence=evidence, **base)
        return ProbeResult(Readiness.NO_FORM, "no listing form on the submission page", evidence=evidence, **base)
    if a.status is SubmissionStatus.PENDING and not unmapped:
        fields = sum(1 for m in mapping if m["filled"])
        return ProbeResult(Readiness.READY, f"listing form found: {fields} fields filled, every required one "
                           f"mapped with confidence", signature, mapping, unmapped, evidence=evidence, **base)
    if unmapped:
        names = ", ".join(f"{u['label']} ({u['problem']})" for u in unmapped[:6])
        return ProbeResult(Readiness.NEEDS_REVIEW, f"required fields a person should map: {names}", signature,
                           mapping, unmapped, evidence=evidence, **base)
    return ProbeResult(Readiness.NEEDS_REVIEW, f"the dry run did not reach the final submit: {a.reason}",
                       signature, mapping, unmapped, evidence=evidence, **base)


async def probe_in_context(context: BrowserContext, directory: Directory, brain: Brain, profile: BusinessProfile, *,
                           step_timeout_ms: int = 15_000, credentials: Any = None,
                           timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """One probe in a fresh browser context. Never presses a final submit (a dry run)."""
    started = time.monotonic()
    statuses: list[int] = []

    def on_response(response: Response) -> None:
        # The first answer of the top-level page that is not a redirect: is the page there?
        request = response.request
        if not statuses and request.is_navigation_request() and request.frame.parent_frame is None \
                and not 300 <= response.status < 400:
            statuses.append(response.status)

    signed = None
    try:
        signed = await sign_in_first(context, directory, credentials, brain, step_timeout_ms=step_timeout_ms)
        context.on("response", on_response)
        attempt = SubmissionAttempt(context=context, directory=directory, profile=profile, brain=brain,
                                    step_timeout_ms=step_timeout_ms, dry_run=True)
        result = await asyncio.wait_for(attempt.run(), timeout=timeout_s)
    except Exception as exc:
        reason, transient = _network_reason(exc)
        return ProbeResult(Readiness.UNREACHABLE, reason, http_status=statuses[0] if statuses else None,
                           evidence={"error": type(exc).__name__}, transient=transient)
    verdict = classify(result, first_status=statuses[0] if statuses else None, profile=profile,
                       catalog_captcha=directory.has_captcha)
    verdict.evidence["duration_ms"] = int((time.monotonic() - started) * 1000)
    if signed is not None and signed.form_found:
        # Behind a sign-in: the directory is login_required; what is behind it decides whether a
        # job with these credentials can submit.
        inner = verdict.readiness if signed.signed_in else None
        verdict.evidence["behind_login"] = {"readiness": inner.value if inner else None, "signed_in": signed.signed_in,
                                            "reason": verdict.reason if signed.signed_in else signed.reason}
        verdict.reason = (f"a sign-in stands before the form; signed in with stored credentials: behind it "
                          f"{inner.value}: {verdict.reason}" if signed.signed_in
                          else f"a sign-in stands before the form; {signed.reason}")
        verdict.readiness = Readiness.LOGIN_REQUIRED
    return verdict
