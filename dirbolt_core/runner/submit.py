"""One submission attempt in a browser context: open, read, map, fill, submit, classify, prove."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dirbolt_core.brain.extract import extract_forms_from_page
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormField, FormInfo, FormMapping
from dirbolt_core.brain.values import value_for_field
from dirbolt_core.models import BusinessProfile, Directory
from dirbolt_core.runner.outcome import LOGIN_WALL, OutcomeAnalysis, classify_outcome
from dirbolt_core.vocabulary import SubmissionStatus

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Frame, Page, Response

log = logging.getLogger(__name__)

NEXT_RX = re.compile(r"^\W*(next|continue|weiter|suivant|siguiente|dalej|avanti|próximo|volgende|далее)\b|"
                     r"next step|→|»", re.IGNORECASE)
SUBMIT_RX = re.compile(r"submit|send|publish|add|create|register|finish|complete|save|list|post|get listed|"
                       r"absenden|senden|eintragen|envoyer|valider|enviar|publicar|wyślij|dodaj|invia|"
                       r"отправить|go\b|ok\b", re.IGNORECASE)
CAPTCHA_WIDGET = re.compile(r"g-recaptcha|h-captcha|cf-turnstile|data-sitekey|recaptcha/api", re.IGNORECASE)
_INLINE_SELECTORS = ("[role=alert]", "[role=status]", "[aria-live]", ".message", ".success", ".alert",
                     ".notice", ".flash", ".error", ".errors", ".result", "#result", "#message")
_MAX_WIZARD_STEPS = 6
_FIXABLE_LENGTH = re.compile(r"(?:at most|maximum(?: of)?|no more than|up to|max\.?)\s*(\d+)\s*(?:characters|chars)"
                             r"|(\d+)\s*(?:characters|chars) (?:or (?:less|fewer)|max)", re.IGNORECASE)


@dataclass
class AttemptResult:
    analysis: OutcomeAnalysis
    html: str = ""
    screenshot: bytes | None = None
    field_values: dict[str, str] = field(default_factory=dict)
    mapping: FormMapping | None = None
    submit_pressed: bool = False
    final_url: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # Every form filled on the way (one per wizard step), to learn from after a success.
    filled_forms: list[tuple[FormInfo, FormMapping, str]] = field(default_factory=list)


class SubmitStarted(Exception):
    """Raised inside on_submit_started when the caller refuses (e.g. its claim was lost)."""


async def _frame_inline_messages(frame: Frame) -> list[str]:
    script = """(sels) => {
        const out = [];
        for (const sel of sels) for (const el of document.querySelectorAll(sel)) {
            const t = (el.innerText || '').trim();
            const st = getComputedStyle(el);
            if (t && st.display !== 'none' && st.visibility !== 'hidden' && !out.includes(t)) out.push(t);
        }
        return out.slice(0, 20);
    }"""
    try:
        return await frame.evaluate(script, list(_INLINE_SELECTORS))
    except Exception:
        return []


def _visible_fillable(field_: FormField) -> bool:
    return field_.visible and field_.is_fillable


class SubmissionAttempt:
    """Drives one attempt. Never types into a captcha or a login wall, never fills a honeypot."""

    def __init__(self, *, context: BrowserContext, directory: Directory, profile: BusinessProfile,
                 brain: FormBrain, step_timeout_ms: int = 15_000, dry_run: bool = False,
                 on_submit_started: Callable[[], Awaitable[None]] | None = None,
                 max_lengths: dict[str, int] | None = None):
        self.context = context
        self.directory = directory
        self.profile = profile
        self.brain = brain
        self.step_timeout_ms = step_timeout_ms
        self.dry_run = dry_run
        self.on_submit_started = on_submit_started
        self.max_lengths = dict(max_lengths or {})
        self.field_values: dict[str, str] = {}
        self.filled_forms: list[tuple[FormInfo, FormMapping, str]] = []
        self.timings: dict[str, float] = {}
        self._responses: list[Response] = []

    async def run(self) -> AttemptResult:
        page = await self.context.new_page()
        page.on("response", lambda response: self._responses.append(response))
        t0 = time.monotonic()
        try:
            return await self._run(page)
        finally:
            self.timings["total_s"] = time.monotonic() - t0

    async def _proof(self, page: Page, analysis: OutcomeAnalysis, mapping: FormMapping | None,
                     pressed: bool) -> AttemptResult:
        html, shot = "", None
        try:
            html = await page.content()
            shot = await page.screenshot(full_page=True, type="png", timeout=self.step_timeout_ms)
        except Exception as exc:  # the page may be gone (crash); the outcome still stands
            analysis.evidence.setdefault("proof_error", str(exc)[:200])
        return AttemptResult(analysis=analysis, html=html, screenshot=shot, field_values=dict(self.field_values),
                             mapping=mapping, submit_pressed=pressed, final_url=page.url, timings=self.timings,
                             filled_forms=list(self.filled_forms))

    async def _run(self, page: Page) -> AttemptResult:
        url = str(self.directory.submission_url)
        response = await page.goto(url, wait_until="domcontentloaded")
        if response is not None and (response.status == 429 or response.status >= 500):
            analysis = classify_outcome("", url=page.url, status_code=response.status,
                                        retry_after=response.headers.get("retry-after"))
            analysis.reason = f"opening the form: {analysis.reason}"
            return await self._proof(page, analysis, None, False)
        found = await self._wait_for_listing_form(page)
        if found is None:
            html = await page.content()
            if self._login_wall(html, []):
                return await self._proof(page, self._manual("login wall: the directory asks to sign in first",
                                                            0.85), None, False)
            if CAPTCHA_WIDGET.search(html):
                return await self._proof(page, self._manual("captcha before the form", 0.85), None, False)
            analysis = OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.3, transient=True,
                                       reason="no listing form found on the submission page")
            return await self._proof(page, analysis, None, False)
        frame, form, mapping = found
        frame_html = await frame.content()
        if self._login_wall(frame_html, form.fields):
            return await self._proof(page, self._manual("login wall: the form needs an account", 0.85),
                                     mapping, False)
        if self._captcha(frame_html, form, mapping):
            return await self._proof(page, self._manual("captcha: a person must complete this submission", 0.9),
                                     mapping, False)
        # Fill, stepping through a wizard until the final submit is in view.
        for _step in range(_MAX_WIZARD_STEPS):
            await self._fill(frame, form, mapping)
            self.filled_forms.append((form, mapping, frame.url))
            next_button = await self._button(frame, form, final=False)
            final_button = await self._button(frame, form, final=True)
            if final_button is None and next_button is not None:
                await self._click_and_settle(page, next_button)
                refreshed = await self._wait_for_listing_form(page, prefer_frame=frame)
                if refreshed is None:
                    break
                frame, form, new_mapping = refreshed
                if self._captcha(await frame.content(), form, new_mapping):
                    return await self._proof(page, self._manual("captcha in a later wizard step", 0.9),
                                             new_mapping, False)
                mapping = new_mapping
                continue
            break
        final_button = await self._button(frame, form, final=True)
        if self.dry_run:
            analysis = OutcomeAnalysis(status=SubmissionStatus.PENDING, confidence=1.0,
                                       reason="dry run: form filled, final submit not pressed",
                                       evidence={"submit_found": final_button is not None})
            return await self._proof(page, analysis, mapping, False)
        before_url = page.url
        self._responses.clear()
        if self.on_submit_started is not None:
            await self.on_submit_started()
        t_submit = time.monotonic()
        if final_button is not None:
            await self._click_and_settle(page, final_button)
        else:
            await frame.evaluate("(sel) => { const f = document.querySelector(sel); "
                                 "f.requestSubmit ? f.requestSubmit() : f.submit(); }", form.selector)
            await self._settle(page)
        self.timings["submit_s"] = time.monotonic() - t_submit
        analysis = await self._analyse(page, frame, before_url)
        return await self._proof(page, analysis, mapping, True)

    # ---------------------------------------------------------------- reading
    async def _wait_for_listing_form(self, page: Page, prefer_frame: Frame | None = None
                                     ) -> tuple[Frame, FormInfo, FormMapping] | None:
        """Poll until a listing form is rendered (script-rendered forms and iframes take time)."""
        deadline = time.monotonic() + self.step_timeout_ms / 1000
        while True:
            forms = await extract_forms_from_page(page)
            best: tuple[int, Frame, FormInfo, FormMapping] | None = None
            for frame, form in forms:
                mapping = await asyncio.to_thread(self.brain.map_form, form, self.directory, self.profile)
                visible_keys = {
                    m.key for m, f in zip(mapping.fields, form.fields, strict=True)
                    if f.visible and m.key not in ("unknown", "honeypot", "submit")
                }
                score = len(visible_keys) + (1 if frame is prefer_frame else 0)
                if mapping.is_listing_form and visible_keys and (best is None or score > best[0]):
                    best = (score, frame, form, mapping)
            if best is not None:
                return best[1], best[2], best[3]
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.25)

    @staticmethod
    def _login_wall(html: str, fields: list[FormField]) -> bool:
        has_password = any(f.type == "password" and f.visible for f in fields) or (
            not fields and 'type="password"' in html.lower())
        return bool(has_password and (LOGIN_WALL.search(html) or re.search(r"sign ?in|log ?in", html, re.I)))

    def _captcha(self, html: str, form: FormInfo, mapping: FormMapping) -> bool:
        if self.directory.has_captcha:
            return True
        if any(m.key == "captcha" and f.visible for m, f in zip(mapping.fields, form.fields, strict=True)):
            return True
        return bool(CAPTCHA_WIDGET.search(html))

    @staticmethod
    def _manual(reason: str, confidence: float) -> OutcomeAnalysis:
        return OutcomeAnalysis(status=SubmissionStatus.NEEDS_MANUAL, confidence=confidence, reason=reason)

    # ---------------------------------------------------------------- writing
    async def _fill(self, frame: Frame, form: FormInfo, mapping: FormMapping) -> None:
        for field_, m in zip(form.fields, mapping.fields, strict=True):
            if not _visible_fillable(field_) or not field_.selector:
                continue
            limit = self.max_lengths.get(m.key)
            if limit:
                # A limit the site stated in an error message (not in the markup).
                m.maxlength = min(m.maxlength or limit, limit)
            value = value_for_field(m, field_, self.profile)
            if value is None:
                continue
            locator = frame.locator(field_.selector).first
            label = field_.name or field_.id or field_.selector
            try:
                if field_.type in ("checkbox", "radio"):
                    if not await locator.is_checked():
                        await locator.check(force=True)
                elif field_.tag == "select":
                    await locator.select_option(value=value)
                else:
                    await locator.fill(value)
                self.field_values[label] = value
            except Exception as exc:
                # A field that cannot be filled (covered, detached) is left; the site's
                # validation will say if it mattered.
                log.debug("could not fill %s: %s", label, exc)

    async def _button(self, frame: Frame, form: FormInfo, *, final: bool) -> Any | None:
        """The visible final-submit (or Next) button of the form."""
        candidates = [f for f in form.fields if f.visible and (
            f.type in ("submit", "image") or (f.tag == "button" and f.type in ("submit", "button")))]
        buttons: list[tuple[FormField, str]] = []
        for f in candidates:
            if not f.selector:
                continue
            loc = frame.locator(f.selector).first
            try:
                if not await loc.is_visible():
                    continue
                text = (await loc.inner_text() if f.tag == "button" else (f.value or f.label or "")) or ""
            except Exception:
                continue
            buttons.append((f, text.strip()))
        if final:
            submit_like = [(f, t) for f, t in buttons if not NEXT_RX.search(t) and
                           (f.type == "submit" or SUBMIT_RX.search(t))]
            chosen = next(iter(submit_like), None)
        else:
            chosen = next(((f, t) for f, t in buttons if NEXT_RX.search(t)), None)
        if chosen is None:
            return None
        return frame.locator(chosen[0].selector).first

    async def _click_and_settle(self, page: Page, button: Any) -> None:
        await button.click()
        await self._settle(page)

    async def _settle(self, page: Page) -> None:
        with contextlib.suppress(Exception):  # long-polling pages never go idle; judge what has loaded
            await page.wait_for_load_state("networkidle", timeout=self.step_timeout_ms)

    # --------------------------------------------------------------- judging
    async def _analyse(self, page: Page, frame: Frame, before_url: str) -> OutcomeAnalysis:
        submit_resp = next((r for r in self._responses if r.request.method == "POST"
                            and r.request.resource_type in ("document", "xhr", "fetch")), None)
        if submit_resp is not None and (submit_resp.status == 429 or submit_resp.status >= 500):
            # The directory refused the submit itself: nothing was accepted, a retry is safe.
            return classify_outcome("", url=page.url, status_code=submit_resp.status,
                                    retry_after=submit_resp.headers.get("retry-after"))
        doc_status = self._last_document_status()
        reloads = 0
        while submit_resp is not None and doc_status is not None and (doc_status == 429 or doc_status >= 500):
            # The submit was accepted (2xx/3xx) but its result page failed. Reloading the result
            # page is a GET and safe; submitting again is not.
            if reloads == 2:
                return OutcomeAnalysis(
                    status=SubmissionStatus.NEEDS_MANUAL, confidence=0.4,
                    reason=f"the directory accepted the submit (HTTP {submit_resp.status}) but its result page "
                           f"kept failing (HTTP {doc_status}); verify the listing",
                    evidence={"submit_status": submit_resp.status, "result_status": doc_status})
            reloads += 1
            await asyncio.sleep(reloads)
            self._responses.clear()
            with contextlib.suppress(Exception):
                await page.reload(wait_until="domcontentloaded")
            doc_status = self._last_document_status()
        target = frame if not frame.is_detached() else page.main_frame
        try:
            html = await target.content()
        except Exception:
            target = page.main_frame
            html = await page.content()
        inline = await _frame_inline_messages(target)
        status_code = doc_status if submit_resp is None else None
        analysis = classify_outcome(html, url=target.url, status_code=status_code, before_url=before_url,
                                    inline_messages=inline)
        if analysis.confidence < 0.6 and getattr(self.brain, "remote", False):
            # Unsure by the rules: ask the brain service (its LLM analyser, when it has one).
            analysis = await asyncio.to_thread(self.brain.analyze, html, url=target.url, status_code=status_code,
                                               before_url=before_url, inline_messages=inline)
        analysis.evidence["inline_messages"] = inline[:5]
        if submit_resp is not None:
            analysis.evidence["submit_status"] = submit_resp.status
        if reloads:
            analysis.evidence["result_page_reloads"] = reloads
        return analysis

    def _last_document_status(self) -> int | None:
        docs = [r for r in self._responses if r.request.resource_type == "document"]
        return docs[-1].status if docs else None


def fixes_for(analysis: OutcomeAnalysis) -> dict[str, int]:
    """Fixable validation errors: a length limit the site states in its message."""
    fixes: dict[str, int] = {}
    for message in analysis.validation_errors:
        m = _FIXABLE_LENGTH.search(message)
        if m:
            limit = int(m.group(1) or m.group(2))
            lowered = message.lower()
            key = "short_description" if "short" in lowered or "summary" in lowered else "description"
            fixes[key] = limit
    return fixes
