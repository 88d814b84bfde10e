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

from dirbolt_core.brain.extract import FrameRead, extract_forms_from_page
from dirbolt_core.brain.model import FieldMapping, FormField, FormInfo, FormMapping
from dirbolt_core.brain.outcome import LOGIN_WALL, OutcomeAnalysis, classify_outcome
from dirbolt_core.brain.protocols import Brain
from dirbolt_core.brain.values import value_for_field
from dirbolt_core.models import BusinessProfile, Directory
from dirbolt_core.runner.domjs import DEEP_QUERY_JS
from dirbolt_core.runner.netproxy import failure_for
from dirbolt_core.runner.proof import proof_screenshot
from dirbolt_core.runner.roles import widget_buttons
from dirbolt_core.runner.widgets import date_value, fill_widget, is_custom, pick_shown_value
from dirbolt_core.vocabulary import SubmissionStatus

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Frame, Page, Request, Response

log = logging.getLogger(__name__)

NEXT_RX = re.compile(r"^\W*(next|continue|weiter|suivant|siguiente|dalej|avanti|próximo|volgende|далее)\b|"
                     r"next step", re.IGNORECASE)
# "OK": the submit of a form that has one; a step forward where every question has its own.
_OK_RX = re.compile(r"^\W*ok\b", re.IGNORECASE)
_ARROW_RX = re.compile(r"→|»|›")  # a step forward, unless its words say it submits ("Publish listing →")
# Buttons that never submit a listing: going back, cancelling, clearing, searching, signing in, a draft
# or a preview of it.
NOT_SUBMIT_RX = re.compile(r"^\W*(back|previous|prev|zurück|retour|précédent|atrás|anterior|wstecz|indietro|"
                           r"назад)\b|\b(draft|preview|entwurf|vorschau|brouillon|aperçu|borrador|"
                           r"cancel|abbrechen|annuler|cancelar|anuluj|reset|clear|search|suchen|"
                           r"rechercher|buscar|szukaj|log ?in|sign ?in|anmelden)\b|«|←", re.IGNORECASE)
SUBMIT_RX = re.compile(r"submit|send|publish|add|create|register|finish|complete|save|list|post|get listed|"
                       r"absenden|senden|eintragen|envoyer|valider|enviar|publicar|wyślij|dodaj|invia|"
                       r"отправить|go\b|ok\b", re.IGNORECASE)
CAPTCHA_WIDGET = re.compile(r"g-recaptcha|h-captcha|cf-turnstile|data-sitekey|recaptcha/api", re.IGNORECASE)
_INLINE_SELECTORS = ("[role=alert]", "[role=status]", "[aria-live]", ".message", ".success", ".alert",
                     ".notice", ".flash", ".error", ".errors", ".result", "#result", "#message")
_MAX_WIZARD_STEPS = 6
# What a directory answers once a listing reached it (after a press we took for a wizard's Next).
_ANSWERED = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, SubmissionStatus.PENDING_VERIFICATION,
                       SubmissionStatus.SKIPPED})
# Settling after a click: a first pause, then this long with nothing in flight and nothing changing.
_SETTLE_FIRST_S = 0.15
_SETTLE_QUIET_S = 0.5
# As long, once the click navigated and every frame's new document has finished loading (a posted
# form answered by a result page): a page that has loaded and asks for nothing more is its answer.
_SETTLE_QUIET_LOADED_S = 0.2
# How often the page is looked at meanwhile: each look is a script in every frame (its text length
# and element count), Chromium's CPU; every 0.1 s cost more than the answers it decided sooner.
_SETTLE_POLL_S = 0.2
# A page still working after the submit (a spinner, "Verifying…", aria-busy) and saying nothing yet is
# watched this long after the click, never pressed again.
_ANSWER_WAIT_S = 20.0
_IDLE_ANSWER_S = 1.0  # ...and no longer once it has looked done this long
_TRIAL_CLICK_MS = 1500  # a button that cannot take a real click this soon is covered (a cookie banner)
_LONG_REQUEST_S = 10.0  # a request in flight longer than this (a long poll) no longer holds the page
_LOGIN_PAGE_WAIT_S = 1.0  # a page showing a sign-in form and no listing form is given this long
_QUIET_PAGE_WAIT_S = 5.0  # a quiet page without a listing form is given this long to render one
# The network events an attempt listens to. Playwright has its driver send these only while a listener
# for them is on the page; a page lent from one directory to the next keeps one (runner/session.py),
# so an attempt adding and removing its own costs no driver round trips.
NETWORK_EVENTS = ("response", "request", "requestfinished", "requestfailed")
_IGNORED_REQUESTS = frozenset({"websocket", "eventsource", "ping", "beacon", "media", "font", "image"})
_SNAPSHOT_SCRIPT = """() => [document.readyState, location.href,
    document.body ? document.body.textContent.length : -1, document.getElementsByTagName('*').length].join('|')"""
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


class Unreachable(Exception):
    """The submission page was not reached (DNS, refused, the network policy); net::ERR_... in the text."""


class SubmitStarted(Exception):
    """Raised inside on_submit_started when the caller refuses (e.g. its claim was lost)."""


# The short messages a page shows in its alert/status places (a toast, an inline error), shown ones only.
_INLINE_MESSAGES_JS = """const inlineMessages = (sels) => {
  """ + DEEP_QUERY_JS + """
  const out = [];
  const roots = [document, ...shadowRoots()];
  for (const sel of sels) for (const root of roots) for (const el of root.querySelectorAll(sel)) {
    const t = (el.innerText || '').trim();
    const st = getComputedStyle(el);
    if (t && st.display !== 'none' && st.visibility !== 'hidden' && !out.includes(t)) out.push(t);
  }
  return out.slice(0, 20);
};
"""


async def _page_snapshot(page: Page) -> tuple | None:
    """What the page shows, frame by frame, in a few numbers; None while a frame is between documents."""
    parts = []
    for frame in page.frames:
        try:
            parts.append(await asyncio.wait_for(frame.evaluate(_SNAPSHOT_SCRIPT), timeout=2.0))
        except Exception:
            return None
    return tuple(parts)


# Fills fields in the page: the native value setter (so script frameworks see the change), input and
# change events, focus and blur around each; boxes are clicked like a person would. Returns, per
# field, whether it now holds the value.
_FILL_SCRIPT = """(items) => { """ + DEEP_QUERY_JS + """ return items.map(({sel, value, box}) => {
  const el = deepQuery(sel);
  if (!el) return false;
  try {
    if (box) {
      if (!el.checked) el.click();
      if (!el.checked) { el.checked = true; el.dispatchEvent(new Event('change', {bubbles: true})); }
      return el.checked;
    }
    el.focus();
    const proto = el.tagName === 'SELECT' ? HTMLSelectElement.prototype
      : el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
    el.blur();
    return el.value === value;
  } catch (e) { return false; }
}); }"""


# Per selector: [visible, text] of a button, or null when it is gone. The text is what a person
# reads: a web component's slotted caption included, else its aria-label or title (an icon button).
_BUTTONS_SCRIPT = """(sels) => { """ + DEEP_QUERY_JS + """
const shown = (node) => {
  if (node.nodeType === 3) return node.nodeValue;
  if (node.nodeType !== 1 || ['STYLE', 'SCRIPT', 'TEMPLATE'].includes(node.tagName)) return '';
  const assigned = node.tagName === 'SLOT' ? node.assignedNodes({flatten: true}) : [];
  const kids = assigned.length ? assigned : [...node.childNodes];
  return kids.map(shown).join(' ');
};
return sels.map((sel) => {
  const el = deepQuery(sel);
  if (!el) return null;
  const r = el.getBoundingClientRect(), st = getComputedStyle(el);
  const visible = r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
  const text = (el.innerText || el.value || '').trim() || shown(el).replace(/\\s+/g, ' ').trim()
    || (el.getAttribute('aria-label') || el.getAttribute('title') || '').trim();
  return [visible, text];
}); }"""


# Whether a frame shows that it is still working: aria-busy, a progress bar, a spinner or loader, a short
# "Loading…" / "Verifying your details…" line.
_WORKING_SCRIPT = """() => { """ + DEEP_QUERY_JS + """
  const words = /\\b(loading|verifying|processing|submitting|sending|saving|uploading|checking|please wait)\\b/i;
  const shown = (el) => { const r = el.getBoundingClientRect(), st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none'; };
  for (const root of [document, ...shadowRoots()]) {
    const marks = '[aria-busy=true], [role=progressbar], progress, [class*=spin], [class*=loader], [class*=loading]';
    for (const el of root.querySelectorAll(marks)) if (shown(el)) return true;
    for (const el of root.querySelectorAll('*')) {
      if (el.children.length > 3 || ['SCRIPT', 'STYLE', 'TITLE', 'HEAD', 'HTML', 'BODY'].includes(el.tagName)) continue;
      const t = (el.textContent || '').trim();
      if (t && t.length <= 60 && words.test(t) && shown(el)) return true;
    }
  }
  return false;
}"""

# Dismisses a cookie / consent banner: a fixed or sticky box that says cookies (or is a known consent
# tool's) and holds no field of a form; its "reject" is preferred to its "accept". Returns the
# button's text, or null.
_DISMISS_CONSENT_SCRIPT = """() => {
  const tool = /cookie|consent|gdpr|onetrust|didomi|usercentrics|cookiebot|truste|quantcast|\\bcmp\\b/i;
  const prefer = [
    /^\\W*(reject|decline|deny|refuse)\\b|only (the )?(necessary|essential|required)|(necessary|essential) only/i,
    /^\\W*(accept|agree|allow|i agree|got it|ok|okay|understood|close|dismiss|continue without)\\b|^\\W*[×✕x]\\W*$/i];
  const boxes = [];
  for (const el of document.querySelectorAll('body *')) {
    const st = getComputedStyle(el);
    if (st.position !== 'fixed' && st.position !== 'sticky') continue;
    if (st.display === 'none' || st.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    const cls = typeof el.className === 'string' ? el.className : '';
    const text = (el.innerText || '').slice(0, 800);
    if (!/cookie/i.test(text) && !tool.test(el.id + ' ' + cls + ' ' + (el.getAttribute('aria-label') || ''))) continue;
    if (el.querySelector('textarea, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden])'
                         + ':not([type=button]):not([type=submit])')) continue;
    boxes.push(el);
  }
  for (const want of prefer) for (const box of boxes) {
    for (const b of box.querySelectorAll('button, [role=button], a, input[type=button], input[type=submit]')) {
      const t = (b.innerText || b.value || b.getAttribute('aria-label') || '').trim();
      if (t && t.length < 40 && want.test(t)) { b.click(); return t; }
    }
  }
  return null;
}"""


def _visible_identity(form: FormInfo) -> tuple[tuple[str, str, str, str], ...]:
    """Which fields and buttons a person sees (by tag, type, name or label, id): a wizard's next step
    shows others (a last step may bring only its submit button)."""
    return tuple(sorted((f.tag, f.type, f.name or ("" if f.is_fillable else f.label), f.id or "")
                        for f in form.fields if f.visible and (f.is_fillable or f.type in ("submit", "button"))))


@dataclass(frozen=True)
class Control:
    """A button of a form, found in `frame` by `selector` (a deep selector: shadow roots searched)."""

    frame: Frame
    selector: str

    @property
    def locator(self) -> Any:
        return self.frame.locator(self.selector).first


# Whether a real click at the element's centre would reach it: scrolled into view when it is not,
# then the element at that point is it or inside it (across shadow roots). Not reached: something
# lies over it (a cookie banner, its backdrop), or it cannot be brought into view.
_REACHABLE_JS = """const reachable = (el) => {
  if (!el || !el.isConnected) return false;
  let r = el.getBoundingClientRect();
  if (r.width <= 0 || r.height <= 0) return false;
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
    el.scrollIntoView({block: 'center', inline: 'center'});
    r = el.getBoundingClientRect();
  }
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
  for (let n = el.getRootNode().elementFromPoint(x, y); n; n = n.parentNode || n.host) {
    if (n === el) return true;
  }
  return false;
};
"""
_REACHABLE_SCRIPT = "(sel) => { " + DEEP_QUERY_JS + _REACHABLE_JS + "return reachable(deepQuery(sel)); }"

# Before the final press, in one round trip: whether the form is still there; the messages the
# browser would show instead of submitting (constraint validation: per invalid field its label-ish
# name and the browser's message), unless the form opts out (novalidate) or the button is a scripted
# one (or skips validation), for which the browser checks nothing; whether a click reaches the button.
_PRESS_CHECK_SCRIPT = """([sel, buttonSel]) => { """ + DEEP_QUERY_JS + _REACHABLE_JS + """
  const there = !!(sel && deepQuery(sel));
  const b = buttonSel ? deepQuery(buttonSel) : null;
  const reached = reachable(b);
  const refusals = () => {
    if (!there || (buttonSel && !(b && b.form && (b.type === 'submit' || b.type === 'image') && !b.formNoValidate))) {
      return [];
    }
    const f = document.querySelector(sel);
    if (!f || f.noValidate || f.checkValidity()) return [];
    const out = [];
    for (const el of f.elements) {
      if (!el.willValidate || el.checkValidity()) continue;
      const name = (el.labels && el.labels[0] && el.labels[0].innerText.trim()) || el.getAttribute('aria-label')
        || el.placeholder || el.name || el.id || el.type;
      out.push(name + ': ' + el.validationMessage);
    }
    return out.slice(0, 10);
  };
  return [there, refusals(), reached];
}"""


@dataclass(frozen=True)
class PressCheck:
    form_there: bool  # the <form> is still in the page (a formless group is never "there": it is clicked)
    refusals: list[str]  # what the browser's own validation would say instead of submitting
    reachable: bool | None  # a real click reaches the button (None: not known)


async def _press_check(frame: Frame, form: FormInfo, button: Control | None) -> PressCheck:
    selector = form.selector if form.selector and not form.formless else None
    try:
        there, refusals, reached = await frame.evaluate(_PRESS_CHECK_SCRIPT,
                                                        [selector, button.selector if button else None])
    except Exception:  # the frame navigated: nothing is known, the click path finds out
        return PressCheck(False, [], None)
    return PressCheck(bool(there), list(refusals), bool(reached) if button else None)


# The document as a person sees it: a copy without what is not rendered (display:none, hidden,
# visibility:hidden), so a hidden "Thank you" or error template never decides an outcome.
# An open shadow root's visible content is copied into its host (a web component's answer lives there).
_VISIBLE_HTML_SCRIPT = """() => {
  const visibleCopy = (origRoot, copyRoot) => {
    const orig = origRoot.getElementsByTagName ? origRoot.getElementsByTagName('*') : origRoot.querySelectorAll('*');
    const copy = copyRoot.getElementsByTagName('*');
    const drop = [], hosts = [];
    if (orig.length === copy.length) {
      for (let i = 0; i < orig.length; i++) {
        const st = getComputedStyle(orig[i]);
        if (st.display === 'none' || st.visibility === 'hidden') drop.push(copy[i]);
        else if (orig[i].shadowRoot) hosts.push([orig[i].shadowRoot, copy[i]]);
      }
    }
    for (const [shadow, host] of hosts) {
      const holder = document.createElement('div');
      holder.setAttribute('data-dirbolt-shadow', '1');
      for (const child of shadow.children) if (child.tagName !== 'STYLE') holder.appendChild(child.cloneNode(true));
      const origHolder = {getElementsByTagName: () => [...shadow.children].filter((c) => c.tagName !== 'STYLE')
        .flatMap((c) => [c, ...c.getElementsByTagName('*')])};
      visibleCopy(origHolder, holder);
      host.appendChild(holder);
    }
    for (const n of drop) n.remove();
  };
  const root = document.documentElement.cloneNode(true);
  const body = document.body, copyBody = root.querySelector('body');
  if (body && copyBody) visibleCopy(body, copyBody);
  return '<!DOCTYPE html>' + root.outerHTML;
}"""


# A frame's answer in one round trip: the visible document and its inline messages.
_ANSWER_SCRIPT = ("(sels) => { " + _INLINE_MESSAGES_JS
                  + "return [(" + _VISIBLE_HTML_SCRIPT + ")(), inlineMessages(sels)]; }")


async def _read_answer(frame: Frame) -> tuple[str, list[str]] | None:
    """What a frame shows after a press (visible HTML, inline messages); its plain HTML when the
    script cannot run there; None when the frame cannot be read at all."""
    try:
        html, said = await frame.evaluate(_ANSWER_SCRIPT, list(_INLINE_SELECTORS))
        return html, list(said)
    except Exception:
        try:
            return await frame.content(), []
        except Exception:
            return None


def _is_next(text: str) -> bool:
    """A button that goes to the next step: its words say so, or an arrow with no submit word."""
    return bool(NEXT_RX.search(text) or (_ARROW_RX.search(text) and not SUBMIT_RX.search(text)))


def _visible_fillable(field_: FormField) -> bool:
    return field_.visible and field_.is_fillable


def _hidden_selects(form: FormInfo, mapping: FormMapping) -> list[int]:
    """Native selects hidden on their own that the brain gave a profile key (candidates for _REPLACED_SCRIPT)."""
    return [i for i, (f, m) in enumerate(zip(form.fields, mapping.fields, strict=True))
            if f.tag == "select" and not f.visible and f.hidden_scope == "control" and f.selector
            and m.key not in ("unknown", "honeypot")]


# Per selector: the custom dropdown that replaced a hidden native select and shows it (Select2, Chosen,
# Choices.js: a shown combobox around it or beside it), as a selector of its own; null when none did.
_REPLACED_SCRIPT = """(sels) => { """ + DEEP_QUERY_JS + """
const shown = (n) => { const r = n.getBoundingClientRect();
  return r.width > 1 && r.height > 1 && getComputedStyle(n).visibility !== 'hidden'; };
const widget = '[role=combobox], [role=listbox], [aria-haspopup]';
const named = (n, i) => { n.setAttribute('data-dirbolt-replacement', String(i));
  return '[data-dirbolt-replacement="' + i + '"]'; };
return sels.map((sel, i) => {
  const el = deepQuery(sel);
  if (!el || !el.parentElement) return null;
  const around = el.parentElement.closest(widget);
  if (around && shown(around)) return named(around, i);
  for (let p = el.parentElement, depth = 0; p && depth < 2; p = p.parentElement, depth++) {
    for (const sib of p.children) {
      if (sib === el || sib.contains(el) || !shown(sib)) continue;
      const cls = typeof sib.className === 'string' ? sib.className : '';
      const inner = sib.matches(widget) ? sib : sib.querySelector(widget);
      if (inner && shown(inner)) return named(inner, i);
      if (depth === 0 && /select|chosen|choices|dropdown|combo/i.test(cls)) return named(sib, i);
    }
  }
  return null;
}); }"""


class SubmissionAttempt:
    """Drives one attempt. Never types into a captcha or a login wall, never fills a honeypot."""

    def __init__(self, *, context: BrowserContext, directory: Directory, profile: BusinessProfile,
                 brain: Brain, step_timeout_ms: int = 15_000, dry_run: bool = False,
                 on_submit_started: Callable[[], Awaitable[None]] | None = None,
                 max_lengths: dict[str, int] | None = None, page: Page | None = None):
        self.context = context
        # A page lent by the caller (reused from one directory to the next); else a new one.
        self.page = page
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
        self._inflight: dict[Request, float] = {}
        self._navigations: list[float] = []  # when a frame committed a navigation
        # The form's buttons as last read (frame, form, what _BUTTONS_SCRIPT saw): the Next and the
        # final submit are looked up one after the other; a fill or a click forgets it.
        self._buttons_seen: tuple[Frame, FormInfo, list[Any]] | None = None
        self._reads: dict[Frame, FrameRead] = {}  # each frame as the last form read saw it

    async def run(self) -> AttemptResult:
        page = self.page or await self.context.new_page()
        network: dict[str, Callable[[Any], None]] = {
            "response": lambda response: self._responses.append(response), "request": self._on_request,
            "requestfinished": self._on_request_done, "requestfailed": self._on_request_done}
        listeners: list[tuple[str, Callable[[Any], None]]] = [
            *((event, network[event]) for event in NETWORK_EVENTS),
            ("framenavigated", lambda _frame: self._navigations.append(time.monotonic()))]
        for event, listener in listeners:
            page.on(event, listener)  # type: ignore[call-overload]
        t0 = time.monotonic()
        try:
            return await self._run(page)
        finally:
            self.timings["total_s"] = time.monotonic() - t0
            if self.page is not None:  # the page goes on to the next directory without this attempt's ears
                for event, listener in listeners:
                    with contextlib.suppress(Exception):
                        page.remove_listener(event, listener)

    async def _proxy_failure(self, url: str) -> str | None:
        """Why the context's proxy did not reach `url` (a moment's grace for its bookkeeping)."""
        for _ in range(5):
            why = failure_for(self.context, url)
            if why:
                return why
            await asyncio.sleep(0.1)
        return None

    async def _proof(self, page: Page, analysis: OutcomeAnalysis, mapping: FormMapping | None,
                     pressed: bool) -> AttemptResult:
        t_proof = time.monotonic()
        # Both at once (two round trips to Chromium overlap); the page may be gone (a crash): the
        # outcome still stands, with whatever proof was taken.
        got_html, got_shot = await asyncio.gather(page.content(), self._screenshot(page), return_exceptions=True)
        for got in (got_html, got_shot):
            if isinstance(got, BaseException):
                analysis.evidence.setdefault("proof_error", str(got)[:200])
        html = got_html if isinstance(got_html, str) else ""
        shot = got_shot if isinstance(got_shot, bytes) else None
        self.timings["proof_s"] = time.monotonic() - t_proof
        return AttemptResult(analysis=analysis, html=html, screenshot=shot, field_values=dict(self.field_values),
                             mapping=mapping, submit_pressed=pressed, final_url=page.url, timings=self.timings,
                             filled_forms=list(self.filled_forms))

    async def _screenshot(self, page: Page) -> bytes:
        return await proof_screenshot(self.context, page, timeout_s=self.step_timeout_ms / 1000)

    async def _run(self, page: Page) -> AttemptResult:
        url = str(self.directory.submission_url)
        t_open = time.monotonic()
        try:
            response = await page.goto(url, wait_until="domcontentloaded")
        except Exception as exc:
            # Behind the guarded proxy a failed tunnel hides why: say it as Chromium would have.
            why = await self._proxy_failure(url)
            if why and why not in str(exc):
                raise Unreachable(f"net::{why} at {url}") from exc
            raise
        self.timings["open_s"] = time.monotonic() - t_open
        if response is not None and response.status in (403, 502):
            why = await self._proxy_failure(response.url)
            if why:  # the proxy's own answer, not the directory's
                raise Unreachable(f"net::{why} at {response.url}")
        if response is not None and (response.status == 429 or response.status >= 500):
            analysis = classify_outcome("", url=page.url, status_code=response.status,
                                        retry_after=response.headers.get("retry-after"))
            analysis.reason = f"opening the form: {analysis.reason}"
            return await self._proof(page, analysis, None, False)
        t_read = time.monotonic()
        found = await self._wait_for_listing_form(page)
        self.timings["read_s"] = time.monotonic() - t_read
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
        t_gate = time.monotonic()
        gate = await self._gate(frame, form, mapping, "on the form")
        self.timings["gate_s"] = time.monotonic() - t_gate
        if gate is not None:
            return await self._proof(page, gate, mapping, False)
        # Fill, stepping through a wizard until the final submit is in view.
        stepped = await self._step_through(page, frame, form, mapping)
        if isinstance(stepped, AttemptResult):
            return stepped
        frame, form, mapping = stepped
        t_button = time.monotonic()
        final_button = await self._button(frame, form, final=True)
        # A formless group (fields and a submit-like control in a container) is only ever clicked.
        check = await _press_check(frame, form, final_button)
        form_there = check.form_there
        self.timings["button_s"] = time.monotonic() - t_button
        if self.dry_run:
            analysis = OutcomeAnalysis(status=SubmissionStatus.PENDING, confidence=1.0,
                                       reason="dry run: form filled, final submit not pressed",
                                       evidence={"submit_found": final_button is not None})
            return await self._proof(page, analysis, mapping, False)
        if final_button is None and not form_there:
            # Nothing to press: never report a submit that did not happen.
            analysis = OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.3,
                                       reason="the form's final submit button could not be found")
            return await self._proof(page, analysis, mapping, False)
        refusals = check.refusals
        if refusals:
            # The browser itself would block this submit (required, pattern, type): nothing is sent.
            analysis = OutcomeAnalysis(status=SubmissionStatus.REJECTED, confidence=0.7,
                                       reason="the form's own checks refuse it: " + "; ".join(refusals)[:400],
                                       validation_errors=refusals, evidence={"browser_validation": refusals})
            return await self._proof(page, analysis, mapping, False)
        before_url = page.url
        self._responses.clear()
        if self.on_submit_started is not None:
            await self.on_submit_started()
        t_submit = time.monotonic()  # the press: answers are watched for from here
        if final_button is not None:
            await self._click_and_settle(page, final_button, reachable=check.reachable)
        else:
            await frame.evaluate("(sel) => { const f = document.querySelector(sel); "
                                 "f.requestSubmit ? f.requestSubmit() : f.submit(); }", form.selector)
            await self._settle(page, t_submit)
        self.timings["submit_s"] = time.monotonic() - t_submit
        t_analyse = time.monotonic()
        analysis = await self._analyse(page, frame, before_url)
        analysis = await self._await_answer(page, frame, before_url, t_submit, analysis)
        self.timings["analyse_s"] = time.monotonic() - t_analyse
        return await self._proof(page, analysis, mapping, True)

    async def _step_through(self, page: Page, frame: Frame, form: FormInfo, mapping: FormMapping
                            ) -> tuple[Frame, FormInfo, FormMapping] | AttemptResult:
        """Fill the form; while it shows a Next and no final submit, press Next and fill the next step.

        Returns the last step (to submit) or, when a step ends the attempt (a captcha, a sign-in,
        a refused step, no next step), the attempt's result. Next is never the final submit."""
        for _step in range(_MAX_WIZARD_STEPS):
            t_fill = time.monotonic()
            await self._fill(frame, form, mapping)
            self.timings["fill_s"] = self.timings.get("fill_s", 0.0) + time.monotonic() - t_fill
            self.filled_forms.append((form, mapping, frame.url))
            next_button = await self._button(frame, form, final=False)
            final_button = await self._button(frame, form, final=True)
            if final_button is not None or next_button is None:
                return frame, form, mapping
            before = _visible_identity(form)
            self._responses.clear()
            await self._click_and_settle(page, next_button)
            refreshed = await self._wait_for_listing_form(page, prefer_frame=frame, continuing=True)
            if refreshed is None:
                analysis = await self._analyse(page, frame, page.url)
                if analysis.status in _ANSWERED:
                    # "Continue" was the final submit after all: the directory answered it.
                    return await self._proof(page, analysis, mapping, True)
                if analysis.status is not SubmissionStatus.REJECTED and not analysis.transient:
                    analysis = OutcomeAnalysis(
                        status=SubmissionStatus.FAILED, confidence=0.3,
                        reason="the wizard's next step showed no form to fill", evidence=analysis.evidence)
                return await self._proof(page, analysis, mapping, False)
            frame, form, mapping = refreshed
            gate = await self._gate(frame, form, mapping, "in a later wizard step")
            if gate is not None:
                return await self._proof(page, gate, mapping, False)
            if _visible_identity(form) == before:
                # The same step again: the site refused it (its errors are the answer), or the "Continue"
                # was the final submit and the fields stayed in view (a formless app's toast). Never
                # pressed twice: an answer we cannot read is a person's to check.
                step = await self._analyse(page, frame, page.url)
                if step.status is SubmissionStatus.REJECTED:
                    return await self._proof(page, step, mapping, False)
                if step.status in _ANSWERED:
                    return await self._proof(page, step, mapping, True)
                step = OutcomeAnalysis(
                    status=SubmissionStatus.NEEDS_MANUAL, confidence=0.4, evidence=step.evidence,
                    reason="a Continue press left the same step in view without a readable answer; "
                           "verify whether the directory received it before submitting again")
                return await self._proof(page, step, mapping, True)
        analysis = OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.3,
                                   reason=f"the wizard did not reach its final step in {_MAX_WIZARD_STEPS} steps")
        return await self._proof(page, analysis, mapping, False)

    # ---------------------------------------------------------------- reading
    async def _wait_for_listing_form(self, page: Page, prefer_frame: Frame | None = None, *,
                                     continuing: bool = False) -> tuple[Frame, FormInfo, FormMapping] | None:
        """Poll until a listing form is rendered (script-rendered forms and iframes take time).

        `continuing`: a wizard's later step, which need not look like a listing form on its own
        (a description and the terms, or a review page with only the final button)."""
        started = time.monotonic()
        deadline = started + self.step_timeout_ms / 1000
        while True:
            self._reads.clear()
            forms = await widget_buttons(await extract_forms_from_page(page, self._reads))
            best: tuple[int, Frame, FormInfo, FormMapping] | None = None
            for frame, form in forms:
                mapping = await asyncio.to_thread(self.brain.map_form, form, self.directory, self.profile)
                visible_keys = {
                    m.key for m, f in zip(mapping.fields, form.fields, strict=True)
                    if f.visible and m.key not in ("unknown", "honeypot", "submit")
                }
                score = len(visible_keys) + (1 if frame is prefer_frame else 0)
                if continuing:
                    usable = visible_keys or any(f.visible and (f.type in ("submit", "image") or f.tag == "button")
                                                 for f in form.fields)
                    usable = bool(usable)
                else:
                    usable = mapping.is_listing_form and bool(visible_keys)
                if usable and (best is None or score > best[0]):
                    best = (score, frame, form, mapping)
            if best is not None:
                read = self._reads.get(best[1])
                if read is None or not read.loading or time.monotonic() >= deadline:
                    return best[1], best[2], best[3]
                # The frame is still parsing its document (an iframe, whose load nothing awaited): the
                # rest of its form (the terms box below the fields) may not exist yet. Read it again.
                await asyncio.sleep(0.1)
                continue
            waited = time.monotonic() - started
            if time.monotonic() > deadline:
                return None
            if waited >= _LOGIN_PAGE_WAIT_S and any(f.type == "password" and f.visible
                                                    for _, form in forms for f in form.fields):
                return None  # a sign-in page, not a form still being rendered
            if waited >= _QUIET_PAGE_WAIT_S and not self._busy():
                return None  # loaded, nothing in flight, and still no listing form
            await asyncio.sleep(0.25)

    async def _gate(self, frame: Frame, form: FormInfo, mapping: FormMapping, where: str) -> OutcomeAnalysis | None:
        """A sign-in or a captcha on the form about to be filled: a person's work, nothing is typed."""
        # The HTML the form was just read from (no second read of the same document).
        read = self._reads.get(frame)
        html = read.html if read is not None else await frame.content()
        if self._login_wall(html, form.fields):
            return self._manual(f"login wall {where}: the form needs an account", 0.85)
        if self._captcha(html, form, mapping):
            return self._manual(f"captcha {where}: a person must complete this submission", 0.9)
        return None

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
        """Type every value in one pass in the page (as a person's browser does: focus, value, input
        and change events, blur; boxes clicked), then check each field took its value and fall back
        to Playwright's own fill for any that did not."""
        self._buttons_seen = None
        plan: list[tuple[FormField, str, str]] = []
        custom: list[tuple[FormField, FieldMapping, str, str]] = []
        hidden = _hidden_selects(form, mapping)
        replaced: dict[int, str] = {}  # a hidden select -> the dropdown that shows it
        if hidden:
            try:
                shown_by = await frame.evaluate(_REPLACED_SCRIPT, [form.fields[i].selector for i in hidden])
                replaced = {i: sel for i, sel in zip(hidden, shown_by, strict=True) if sel}
            except Exception:  # the frame navigated: nothing hidden is filled
                replaced = {}
        picks: list[tuple[FormField, str, str]] = []
        for i, (field_, m) in enumerate(zip(form.fields, mapping.fields, strict=True)):
            if not (_visible_fillable(field_) or i in replaced) or not field_.selector:
                continue
            limit = self.max_lengths.get(m.key)
            if limit:
                # A limit the site stated in an error message (not in the markup).
                m.maxlength = min(m.maxlength or limit, limit)
            value = value_for_field(m, field_, self.profile)
            if value is None and i in replaced:
                # The select holds only what its dropdown picked (Choices.js): the dropdown is picked from.
                value = self.profile.value_for(m.key)
                field_ = field_.model_copy(update={"selector": replaced[i], "tag": "div", "type": "combobox",
                                                   "widget": "combobox", "options": [], "visible": True})
            if value is None:
                continue
            label = field_.name or field_.id or field_.data_name or field_.selector
            if field_.widget == "date" or field_.type in ("date", "month", "datetime-local", "week") \
                    or m.key == "year_founded":
                value = date_value(value, field_)  # a text box's placeholder may ask for a whole date
            if is_custom(field_):
                custom.append((field_, m, value, label))  # ARIA widgets, contenteditable: acted on below
                continue
            plan.append((field_, value, label))
            if field_.tag == "input" and (field_.widget == "date" or m.key == "year_founded"):
                picks.append((field_, value, label))
        if custom:
            await self._dismiss_consent(frame.page)  # widgets are clicked: nothing may lie over them
        if plan:
            await self._fill_native(frame, plan)
            for field_, value, label in picks:
                if label in self.field_values:
                    await pick_shown_value(frame, field_, value)  # a read-only picker: what is picked counts
        for field_, m, value, label in custom:
            held = await fill_widget(frame, field_, m, value, self.profile)
            if held is not None:
                self.field_values[label] = held

    async def _fill_native(self, frame: Frame, plan: list[tuple[FormField, str, str]]) -> None:
        items = [{"sel": f.selector, "value": v, "box": f.type in ("checkbox", "radio")} for f, v, _ in plan]
        try:
            took = await frame.evaluate(_FILL_SCRIPT, items)
        except Exception as exc:  # the frame navigated or the script was blocked: fill one by one
            log.debug("batch fill failed: %s", exc)
            took = [False] * len(plan)
        for (field_, value, label), ok in zip(plan, took, strict=True):
            if not ok:
                ok = await self._fill_one(frame, field_, value, label)
            if ok:
                self.field_values[label] = value

    @staticmethod
    async def _fill_one(frame: Frame, field_: FormField, value: str, label: str) -> bool:
        locator = frame.locator(field_.selector or "").first
        try:
            if field_.type in ("checkbox", "radio"):
                if not await locator.is_checked():
                    await locator.check(force=True)
            elif field_.tag == "select":
                await locator.select_option(value=value, force=True)
            else:
                await locator.fill(value, force=True)
            return True
        except Exception as exc:
            # A field that cannot be filled (covered, detached) is left; the site's
            # validation will say if it mattered.
            log.debug("could not fill %s: %s", label, exc)
            return False

    async def _button(self, frame: Frame, form: FormInfo, *, final: bool) -> Control | None:
        """The visible final-submit (or Next) button of the form."""
        candidates = [f for f in form.fields if f.visible and (
            f.type in ("submit", "image") or (f.tag == "button" and f.type in ("submit", "button"))
            or f.widget == "button")]
        candidates = [f for f in candidates if f.selector]
        cached = self._buttons_seen
        if cached is not None and cached[0] is frame and cached[1] is form:
            seen = cached[2]  # read since the last fill or click: nothing on the page has moved
        else:
            try:
                seen = await frame.evaluate(_BUTTONS_SCRIPT, [f.selector for f in candidates])
            except Exception:
                seen = [None] * len(candidates)
            self._buttons_seen = (frame, form, seen)
        buttons: list[tuple[FormField, str]] = []
        for f, found in zip(candidates, seen, strict=True):
            if not found or not found[0]:
                continue
            text = (found[1] if f.tag == "button" or f.widget == "button" else (f.value or f.label or "")) or ""
            buttons.append((f, text.strip()))
        many_ok = sum(1 for f in form.fields if f.type in ("submit", "button") and _OK_RX.search(f.label or "")) > 1

        def forward(t: str) -> bool:
            return _is_next(t) or bool(many_ok and _OK_RX.search(t))

        if final:
            submit_like = [(f, t) for f, t in buttons if not forward(t) and not NOT_SUBMIT_RX.search(t) and
                           (f.type == "submit" or SUBMIT_RX.search(t))]
            chosen = next(iter(submit_like), None)
        else:
            # The last one shown: a conversational form's newest question has its own "OK".
            chosen = next(((f, t) for f, t in reversed(buttons) if forward(t) and not NOT_SUBMIT_RX.search(t)),
                          None)
        if chosen is None:
            return None
        return Control(frame, chosen[0].selector or "")

    async def _click_and_settle(self, page: Page, control: Control, *, reachable: bool | None = None) -> None:
        self._buttons_seen = None
        button = control.locator
        await self._clear_the_way(page, control, reachable)
        clicked_at = time.monotonic()
        try:
            await button.click()
        except Exception as exc:
            if "intercepts pointer events" not in str(exc):
                raise
            # Still covered after the banners went: the element's own click, as its script expects it.
            log.debug("covered button clicked by script: %s", exc)
            await button.evaluate("(el) => el.click()")
        await self._settle(page, clicked_at)

    async def _clear_the_way(self, page: Page, control: Control, reachable: bool | None = None) -> None:
        """A button a real click cannot reach (a cookie banner or its backdrop over it): the banner is
        dismissed first. One read in the page says whether the way is clear (the usual case); when it
        is not, or the button is in a frame (whose parent may cover it), a trial click asks
        Playwright, which presses nothing."""
        if control.frame.parent_frame is None:
            if reachable is None:
                with contextlib.suppress(Exception):
                    reachable = await control.frame.evaluate(_REACHABLE_SCRIPT, control.selector)
            if reachable:
                return
        button = control.locator
        try:
            await button.click(trial=True, timeout=_TRIAL_CLICK_MS)
            return
        except Exception as exc:
            log.debug("button not clickable yet: %s", str(exc).splitlines()[0])
        if await self._dismiss_consent(page):
            with contextlib.suppress(Exception):
                await button.click(trial=True, timeout=_TRIAL_CLICK_MS)

    async def _dismiss_consent(self, page: Page) -> bool:
        dismissed = False
        for frame in page.frames:
            try:
                said = await frame.evaluate(_DISMISS_CONSENT_SCRIPT)
            except Exception:
                continue
            if said:
                log.info("dismissed a cookie banner (%s)", said)
                dismissed = True
        if dismissed:
            await asyncio.sleep(0.3)
        return dismissed

    async def _working(self, page: Page) -> bool:
        for frame in page.frames:
            with contextlib.suppress(Exception):
                if await frame.evaluate(_WORKING_SCRIPT):
                    return True
        return False

    async def _await_answer(self, page: Page, frame: Frame, before_url: str, clicked_at: float,
                            analysis: OutcomeAnalysis) -> OutcomeAnalysis:
        """No answer yet while the page still works on it (a request, a spinner, "Verifying…"): watch
        up to _ANSWER_WAIT_S after the click and read again. The submit is never pressed again."""
        deadline = clicked_at + _ANSWER_WAIT_S
        idle_since: float | None = None  # the page has looked done since then (seen twice: a read can fail)
        while (analysis.status is SubmissionStatus.FAILED and analysis.confidence < 0.5 and not analysis.transient
               and time.monotonic() < deadline):
            if self._busy() or await self._working(page):
                idle_since = None
            else:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= _IDLE_ANSWER_S:
                    break
            await asyncio.sleep(0.5)
            analysis = await self._analyse(page, frame, before_url)
        return analysis

    async def _settle(self, page: Page, clicked_at: float) -> None:
        """Wait until the page is done answering: no request of ours in flight and every frame's
        document unchanged for a moment (a navigation, an iframe's own navigation, a fetch answer
        written into the page, a client-side wizard step). `networkidle` is not enough: once a page
        has been idle it resolves at once, before a fetch answer or a frame navigation arrives."""
        deadline = time.monotonic() + self.step_timeout_ms / 1000
        await asyncio.sleep(_SETTLE_FIRST_S)
        last: tuple | None = None
        since = time.monotonic()
        while time.monotonic() < deadline:
            busy = self._busy()
            snap = await _page_snapshot(page)
            now = time.monotonic()
            if busy or snap is None or snap != last:
                last, since = snap, now
            elif now - since >= self._quiet_needed(snap, clicked_at):
                return
            await asyncio.sleep(_SETTLE_POLL_S)

    def _quiet_needed(self, snap: tuple, clicked_at: float) -> float:
        """How long an unchanged page must stay unchanged: shorter once the click brought a new
        document (a document response, then a frame committing a navigation) and every frame has
        finished loading. A same-document change (a script's wizard step) has no document response."""
        navigated = (any(r.request.resource_type == "document" for r in self._responses)
                     and any(t >= clicked_at for t in self._navigations))
        loaded = all(part.startswith("complete|") for part in snap)
        return _SETTLE_QUIET_LOADED_S if navigated and loaded else _SETTLE_QUIET_S

    def _on_request(self, request: Request) -> None:
        if request.resource_type not in _IGNORED_REQUESTS:
            self._inflight[request] = time.monotonic()

    def _on_request_done(self, request: Request) -> None:
        self._inflight.pop(request, None)

    def _busy(self) -> bool:
        """A request of the page still in flight (long-lived ones, e.g. long polls, do not count)."""
        now = time.monotonic()
        return any(now - started < _LONG_REQUEST_S for started in self._inflight.values())

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
        status_code = doc_status if submit_resp is None else None
        # The form's own frame first; when it says nothing recognisable, the answer may be in the
        # page around it or in another frame (a form posting to its parent or to a result frame).
        first = frame if not frame.is_detached() else page.main_frame
        targets = [first] + [f for f in page.frames if f is not first and not f.is_detached()]
        analysis = html = inline = None
        target = first
        for candidate in targets:
            answer = await _read_answer(candidate)
            if answer is None:
                continue
            seen, said = answer
            read = classify_outcome(seen, url=candidate.url, status_code=status_code, before_url=before_url,
                                    inline_messages=said)
            if analysis is None or read.status is not SubmissionStatus.FAILED:
                analysis, html, inline, target = read, seen, said, candidate
            if read.status is not SubmissionStatus.FAILED or read.transient:
                break
        if analysis is None or html is None or inline is None:
            return OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.2,
                                   reason="the page after submit could not be read")
        if analysis.confidence < 0.6 and self.brain.remote:
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
