"""Signing in to a directory before its form: the login form is found and mapped by the brain like
any form (keys `username`, `email`, `password`), filled from the secret store, and submitted.

The session lives in the browser context, so the submission attempt that follows (a new page in
the same context) is signed in. Nothing of the credentials is logged, kept as proof or put in a
reason: the page's own error text is returned with every secret value blanked.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dirbolt_core.brain.extract import extract_forms_from_page
from dirbolt_core.brain.model import FormField, FormInfo, FormMapping
from dirbolt_core.brain.protocols import Brain

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Frame, Page

    from dirbolt_core.directories.credentials import DirectoryCredential
    from dirbolt_core.models import Directory

_LOGIN_KEYS = ("username", "email")
_SIGN_IN_BUTTON = re.compile(r"log ?in|sign ?in|submit|continue|enter|go\b|anmelden|einloggen|connexion|"
                             r"se connecter|entrar|iniciar|acceder|zaloguj|accedi|войти", re.IGNORECASE)
_NOT_SIGN_IN = re.compile(r"sign ?up|register|create|forgot|reset|cancel", re.IGNORECASE)
_MESSAGES_SCRIPT = """() => Array.from(document.querySelectorAll(
    '[role=alert], .error, .errors, .alert, .message, .notice, .flash, #error'))
  .filter((el) => { const st = getComputedStyle(el); return st.display !== 'none' && st.visibility !== 'hidden'; })
  .map((el) => (el.innerText || '').trim()).filter(Boolean).slice(0, 5)"""


@dataclass
class SignInResult:
    signed_in: bool
    # False with signed_in False: there was no sign-in form to use (the page shows the listing
    # form to anyone, or only after a submit); the attempt goes on unsigned.
    form_found: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.form_found and not self.signed_in


def _visible_password(form: FormInfo) -> list[FormField]:
    return [f for f in form.fields if f.type == "password" and f.visible]


def is_login_form(form: FormInfo, mapping: FormMapping) -> bool:
    """A visible password box, no confirmation box (that is a registration), few other fields."""
    keys = [m.key for m, f in zip(mapping.fields, form.fields, strict=True) if f.visible and f.is_fillable]
    if not _visible_password(form) or "password_confirm" in keys:
        return False
    others = [k for k in keys if k not in ("password", "username", "email", "unknown", "honeypot",
                                           "terms_checkbox", "newsletter_checkbox", "captcha")]
    return len(others) <= 2


def login_fields(form: FormInfo, mapping: FormMapping) -> list[tuple[FormField, str]]:
    """(field, key) to fill: the password and the login name. A login name the brain did not
    recognise is the one visible text box beside the password (a form of two boxes)."""
    pairs = [(f, m.key) for f, m in zip(form.fields, mapping.fields, strict=True)
             if f.visible and f.is_fillable and f.selector]
    chosen = [(f, k) for f, k in pairs if k in ("password", *_LOGIN_KEYS) and f.type != "checkbox"]
    if not any(k in _LOGIN_KEYS for _, k in chosen):
        texts = [f for f, k in pairs if f.type in ("text", "email", "tel", "") and f.tag == "input"
                 and k not in ("password", "honeypot", "captcha")]
        if len(texts) == 1:
            chosen.append((texts[0], "username"))
    return chosen


async def _find_login_form(page: Page, brain: Brain, directory: Directory, timeout_s: float
                           ) -> tuple[Frame, FormInfo, FormMapping] | None:
    deadline = time.monotonic() + timeout_s
    while True:
        for frame, form in await extract_forms_from_page(page):
            if not _visible_password(form):
                continue
            mapping = await asyncio.to_thread(brain.map_form, form, directory)
            if is_login_form(form, mapping):
                return frame, form, mapping
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(0.25)


async def _press(frame: Frame, form: FormInfo) -> None:
    buttons = [f for f in form.fields if f.visible and f.selector and (
        f.type in ("submit", "image") or (f.tag == "button" and f.type in ("submit", "button")))]
    ranked = sorted(buttons, key=lambda f: (
        bool(_NOT_SIGN_IN.search(f"{f.label} {f.value or ''}")),
        not _SIGN_IN_BUTTON.search(f"{f.label} {f.value or ''} {f.name or ''}"), f.type != "submit"))
    if ranked and not _NOT_SIGN_IN.search(f"{ranked[0].label} {ranked[0].value or ''}"):
        await frame.locator(ranked[0].selector).first.click()
    elif form.selector:
        await frame.evaluate("(sel) => { const f = document.querySelector(sel); "
                             "f.requestSubmit ? f.requestSubmit() : f.submit(); }", form.selector)
    else:
        await frame.locator(_visible_password(form)[0].selector or "input[type=password]").first.press("Enter")


def _blank(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[secret]")
    return text


async def sign_in(context: BrowserContext, directory: Directory, credential: DirectoryCredential, brain: Brain, *,
                  step_timeout_ms: int = 15_000, find_timeout_s: float = 3.0) -> SignInResult:
    """Open the directory's sign-in (its login_url, else its submission page), sign in, and say
    whether it worked. The page is closed; the session stays in `context`."""
    url = str(directory.login_url or directory.submission_url)
    page = await context.new_page()
    secrets = credential.secrets()
    try:
        response = await page.goto(url, wait_until="domcontentloaded")
        if response is not None and response.status >= 400:
            return SignInResult(False, True, f"the sign-in page answered HTTP {response.status}",
                                {"sign_in_status": response.status})
        found = await _find_login_form(page, brain, directory, find_timeout_s)
        if found is None:
            return SignInResult(False, False, "no sign-in form at the sign-in page")
        frame, form, mapping = found
        filled = []
        for field_, key in login_fields(form, mapping):
            value = credential.value_for(key)
            if value is None or not field_.selector:
                continue
            await frame.locator(field_.selector).first.fill(value)
            filled.append(key)
        if "password" not in filled or not any(k in _LOGIN_KEYS for k in filled):
            return SignInResult(False, True, "the sign-in form's login and password fields were not both found",
                                {"sign_in_fields": filled})
        await _press(frame, form)
        with contextlib.suppress(Exception):  # a form answered in place never fires a load
            await page.wait_for_load_state("domcontentloaded", timeout=step_timeout_ms)
        with contextlib.suppress(Exception):
            await page.wait_for_load_state("networkidle", timeout=min(step_timeout_ms, 5_000))
        still = await _find_login_form(page, brain, directory, 0)
        if still is not None:  # a sign-in form is still asking: the credentials were not taken
            messages: list[str] = []
            with contextlib.suppress(Exception):
                messages = await still[0].evaluate(_MESSAGES_SCRIPT)
            said = "; ".join(_blank(m, secrets)[:200] for m in messages)
            return SignInResult(False, True, "the directory refused the stored credentials"
                                + (f": {said}" if said else ""), {"sign_in_fields": filled})
        return SignInResult(True, True, "signed in", {"sign_in_fields": filled})
    finally:
        with contextlib.suppress(Exception):
            await page.close()


async def sign_in_first(context: BrowserContext, directory: Directory, credentials: Any, brain: Brain, *,
                        step_timeout_ms: int = 15_000) -> SignInResult | None:
    """Sign in when the secret store holds credentials for the directory; None when it holds none."""
    credential = credentials.get(directory.id) if credentials is not None else None
    if credential is None:
        return None
    return await sign_in(context, directory, credential, brain, step_timeout_ms=step_timeout_ms)
