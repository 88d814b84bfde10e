"""A client of the brain service that never stops the runner.

`BrainClient` has the mapper's interface (`map_form`, `choose_form`, `learn`) plus
`analyze`. With DIRBOLT_BRAIN_URL unset it is the in-process brain. With it set, each call
goes to the service with a timeout and a few retries (tenacity: connection errors,
timeouts, 5xx and 429); when the service is still unreachable the call is answered by the
in-process brain and the service is not tried again for `cooldown_s` seconds, so a dead
service costs one timeout, not one per form. 4xx answers (a wrong key, a bad request) are
configuration errors: they are logged and answered in-process too, never retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from dirbolt_core.brain.mapper import FormBrain, pick_listing_form
from dirbolt_core.brain.model import FormInfo, FormMapping
from dirbolt_core.brain.outcome import OutcomeAnalysis, classify_outcome
from dirbolt_core.brain.protocols import LearnedStore
from dirbolt_core.models import BusinessProfile, Directory
from dirbolt_core.settings import Settings

log = logging.getLogger(__name__)


class BrainUnavailable(Exception):
    pass


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):  # connect errors, timeouts, broken connections
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return False


class BrainClient:
    def __init__(self, url: str | None = None, *, api_key: str | None = None, timeout_s: float = 5.0,
                 attempts: int = 3, backoff_s: float = 0.2, cooldown_s: float = 30.0,
                 fallback: FormBrain | None = None, transport: httpx.BaseTransport | None = None):
        self.url = url.rstrip("/") if url else None
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.cooldown_s = cooldown_s
        self.fallback = fallback or FormBrain()
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 2.0)),
                                  transport=transport) if self.url else None
        self.remote_calls = 0
        self.fallbacks = 0

    @classmethod
    def from_settings(cls, settings: Settings, fallback: FormBrain | None = None) -> BrainClient:
        """DIRBOLT_BRAIN_URL (unset: in-process), DIRBOLT_BRAIN_API_KEY, DIRBOLT_BRAIN_TIMEOUT_S."""
        key = settings.brain_api_key.get_secret_value() if settings.brain_api_key else None
        return cls(settings.brain_url, api_key=key, timeout_s=settings.brain_timeout_s, fallback=fallback)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> BrainClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- plumbing
    @property
    def remote(self) -> bool:
        return self._http is not None and time.monotonic() >= self._down_until

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        assert self._http is not None
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        retrying = Retrying(stop=stop_after_attempt(self.attempts), reraise=True,
                            wait=wait_exponential(multiplier=self.backoff_s, max=2.0),
                            retry=retry_if_exception(_retryable))
        try:
            for attempt in retrying:
                with attempt:
                    response = self._http.post(self.url + path, json=payload, headers=headers)
                    response.raise_for_status()
                    self.remote_calls += 1
                    return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            if _retryable(exc):
                with self._lock:
                    self._down_until = time.monotonic() + self.cooldown_s
            raise BrainUnavailable(f"brain service {path}: {exc}") from exc
        raise BrainUnavailable(path)  # pragma: no cover - Retrying always returns or raises

    def _fell_back(self, exc: Exception) -> None:
        self.fallbacks += 1
        log.warning("%s; answering in-process", exc)

    @staticmethod
    def _directory_ref(directory: Directory | None) -> dict[str, Any] | None:
        return None if directory is None else {"id": directory.id, "selectors": dict(directory.selectors),
                                               "selector_hints": dict(directory.selector_hints)}

    # ----------------------------------------------------------------- brain
    def map_forms(self, forms: Sequence[FormInfo], directory: Directory | None = None,
                  profile: BusinessProfile | None = None) -> list[FormMapping]:
        if self.remote and forms:
            payload: dict[str, Any] = {"forms": [f.model_dump(mode="json") for f in forms],
                                       "directory": self._directory_ref(directory)}
            if profile is not None:
                payload["profile"] = profile.model_dump(mode="json")
            try:
                answer = self._post("/v1/map", payload)
                mapped = [FormMapping(form_index=m["index"], signature=m["signature"], fields=m["fields"],
                                      is_listing_form=m["is_listing_form"]) for m in answer["forms"]]
                if len(mapped) == len(forms) and all(len(m.fields) == len(f.fields)
                                                     for m, f in zip(mapped, forms, strict=True)):
                    return mapped
                raise BrainUnavailable("brain service answered a mapping of another shape")
            except (BrainUnavailable, KeyError, TypeError, ValueError) as exc:
                self._fell_back(exc)
        return [self.fallback.map_form(f, directory, profile) for f in forms]

    def map_form(self, form: FormInfo, directory: Directory | None = None,
                 profile: BusinessProfile | None = None) -> FormMapping:
        return self.map_forms([form], directory, profile)[0]

    def choose_form(self, forms: Sequence[FormInfo], directory: Directory | None = None) -> FormMapping | None:
        return pick_listing_form(forms, self.map_forms(forms, directory)) if forms else None

    def learn(self, directory: Directory | None, form: FormInfo, mapping: FormMapping,
              form_url: str | None = None) -> None:
        if self.remote:
            try:
                self._post("/v1/learn", {"form": form.model_dump(mode="json"),
                                         "mapping": mapping.model_dump(mode="json"),
                                         "directory_id": directory.id if directory else None, "form_url": form_url})
                return
            except BrainUnavailable as exc:
                self._fell_back(exc)
        self.fallback.learn(directory, form, mapping, form_url=form_url)

    # ---------------------------------------------------------------- outcome
    def analyze(self, html: str, *, url: str | None = None, status_code: int | None = None,
                before_url: str | None = None, inline_messages: list[str] | None = None,
                retry_after: str | None = None) -> OutcomeAnalysis:
        if self.remote:
            try:
                answer = self._post("/v1/analyze", {"html": html, "url": url, "status_code": status_code,
                                                    "before_url": before_url, "inline_messages": inline_messages,
                                                    "retry_after": retry_after})
                evidence = dict(answer.get("evidence") or {})
                evidence["decided_by"] = answer.get("decided_by", "rules")
                if answer.get("llm"):
                    evidence["llm"] = answer["llm"]
                return OutcomeAnalysis.model_validate({**answer, "evidence": evidence})
            except (BrainUnavailable, ValueError) as exc:
                self._fell_back(exc)
        return classify_outcome(html, url=url, status_code=status_code, before_url=before_url,
                                inline_messages=inline_messages, retry_after=retry_after)

    # A Brain (protocols.py), as a FormBrain is.
    @property
    def learned_store(self) -> LearnedStore | None:
        return self.fallback.learned_store

    @property
    def llm_mapper(self) -> Any:
        return self.fallback.llm_mapper
