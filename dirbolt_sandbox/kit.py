"""Behaviours several sites share: a sign-in wall, server-side wizard steps, a captcha rule.

Each is a `Site` subclass a site inherits from; the site still writes its own markup.
"""

from __future__ import annotations

import hashlib
import html
import secrets
import threading
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dirbolt_sandbox.base import Site
from dirbolt_sandbox.record import SubmissionRecord

# The one sandbox account a person (or a test acting as one) may sign in with.
DEMO_ACCOUNT = ("owner@bluebird-bakery.example", "sandbox-pass")


class LoginWall(Site):
    """The form is behind a sign-in: without a session GET shows the wall and POST is refused.

    With the demo account (DEMO_ACCOUNT) a person can sign in; the form then behaves like any
    other. A correct runner without credentials ends `needs_manual` and nothing is recorded
    as accepted (a POST without a session is recorded `refused`, reason "not signed in").
    """

    expected_status = "needs_manual"
    expected_readiness = "login_required"
    login_fields: ClassVar[tuple[str, str]] = ("email", "password")  # names on the sign-in form
    # False: anyone sees the form; the wall only appears when the filled form is posted.
    wall_before_form: ClassVar[bool] = True

    def __init__(self, record: SubmissionRecord, seed: int):
        super().__init__(record, seed)
        self._sessions: set[str] = set()
        self._sessions_lock = threading.Lock()

    @property
    def cookie_name(self) -> str:
        return f"sbx_session_{self.id}"

    def signed_in(self, request: Request) -> bool:
        with self._sessions_lock:
            return request.cookies.get(self.cookie_name, "") in self._sessions

    def reset_state(self) -> None:
        super().reset_state()
        with self._sessions_lock:
            self._sessions.clear()

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "submit"): self.guarded_form, ("POST", "submit"): self.guarded_post,
                ("GET", "login"): self.login_get, ("POST", "login"): self.login_post}

    async def guarded_form(self, request: Request) -> Response:
        if self.wall_before_form and not self.signed_in(request):
            return await self.wall(request)
        return await self.form_page(request)

    async def guarded_post(self, request: Request) -> Response:
        if not self.signed_in(request):
            self.record.add(self.id, "refused", await self.read_fields(request), reason="not signed in")
            return await self.wall(request)
        return await self.handle_post(request)

    async def wall(self, request: Request) -> Response:
        """Default: send the visitor to the sign-in page and back to the form afterwards."""
        return RedirectResponse(f"{self.base}/login?next={self.submission_path}", status_code=303)

    async def login_get(self, request: Request) -> Response:
        return self.login_page(request.query_params.get("next", self.submission_path), error="")

    async def login_post(self, request: Request) -> Response:
        form = await request.form()
        user_f, pass_f = self.login_fields
        nxt = str(form.get("next") or self.submission_path)
        if not nxt.startswith(self.base):
            nxt = self.submission_path
        if (str(form.get(user_f, "")), str(form.get(pass_f, ""))) != DEMO_ACCOUNT:
            return self.login_page(nxt, error="Incorrect email or password.")
        token = secrets.token_hex(16)
        with self._sessions_lock:
            self._sessions.add(token)
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(self.cookie_name, token, httponly=True, samesite="lax", path=self.base)
        return response

    def login_page(self, next_url: str, *, error: str) -> Response:
        raise NotImplementedError


class ServerWizard(Site):
    """Server-side steps: each step posts to `submit` with a hidden step number and draft token.

    Steps before the last are checked for their own required fields (`step_required`) and kept
    in a draft; the last step's post is processed with every step's fields merged. `step` and
    `draft` are internal: they are recorded under meta, not in `fields`.
    """

    step_count: ClassVar[int] = 2
    step_required: ClassVar[dict[int, dict[str, str]]] = {}
    internal_fields = ("step", "draft")

    def __init__(self, record: SubmissionRecord, seed: int):
        super().__init__(record, seed)
        self._drafts: dict[str, dict[str, Any]] = {}
        self._drafts_lock = threading.Lock()

    def reset_state(self) -> None:
        super().reset_state()
        with self._drafts_lock:
            self._drafts.clear()

    async def form_page(self, request: Request) -> Response:
        return self.render_step(1, draft="", values={}, errors=[])

    async def handle_post(self, request: Request) -> Response:
        fields = await self.read_fields(request)
        try:
            step = int(str(fields.get("step") or "1"))
        except ValueError:
            step = 1
        token = str(fields.get("draft") or "")
        with self._drafts_lock:
            draft = self._drafts.get(token) if token else None
        if step > 1 and draft is None:
            return self.page("Session expired", "<div class='error' role='alert'>Your session has expired. "
                             f"Please <a href='{self.submission_path}'>start again</a>.</div>")
        if draft is None:
            token = secrets.token_hex(8)
            draft = {}
        merged = {**draft, **{k: v for k, v in fields.items() if k not in self.internal_fields}}
        if step < self.step_count:
            msg = self.messages["required"]
            errors = [msg.format(label=label) for name, label in self.step_required.get(step, {}).items()
                      if not str(merged.get(name, "")).strip()]
            with self._drafts_lock:
                self._drafts[token] = merged
            if errors:
                return self.render_step(step, draft=token, values=merged, errors=errors)
            return self.render_step(step + 1, draft=token, values=merged, errors=[])
        with self._drafts_lock:
            self._drafts.pop(token, None)
        return await self.process(request, {**merged, "step": str(step), "draft": token})

    def render_step(self, step: int, *, draft: str, values: dict[str, Any], errors: list[str]) -> Response:
        raise NotImplementedError

    @staticmethod
    def hidden_state(step: int, draft: str) -> str:
        return (f"<input type='hidden' name='step' value='{step}'>"
                f"<input type='hidden' name='draft' value='{html.escape(draft)}'>")


class CaptchaProtected(Site):
    """The post must carry the answer to a challenge only a person can read.

    The answer is derived from the seed and never appears in the page; GET
    /_admin/captcha/{site} tells it (standing in for the person who reads the challenge).
    """

    expected_status = "needs_manual"
    expected_readiness = "captcha"
    captcha_field: ClassVar[str] = "captcha"
    captcha_message: ClassVar[str] = "Please complete the captcha to prove you are not a robot."

    @property
    def captcha_answer(self) -> str:
        return hashlib.sha256(f"{self.seed}:{self.id}:captcha".encode()).hexdigest()[:6].upper()

    def validate(self, fields: dict[str, Any]) -> list[str]:
        errors = super().validate(fields)
        if str(fields.get(self.captcha_field, "")).strip().upper() != self.captcha_answer:
            errors.insert(0, self.captcha_message)
        return errors
