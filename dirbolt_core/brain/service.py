"""The brain service: the form brain and the outcome analyser over HTTP (FastAPI).

    POST /v1/map      form HTML, or FormInfo JSON (one form or many) -> the mappings
    POST /v1/analyze  the page a directory answered with -> the outcome analysis
    POST /v1/learn    a form and the mapping that submitted successfully -> stored (learned)
    GET  /healthz     liveness, unauthenticated (load balancers), no data

Every /v1 call needs `Authorization: Bearer <DIRBOLT_BRAIN_API_KEY>` (401 otherwise); a
request body above DIRBOLT_BRAIN_MAX_BODY_BYTES (default 2 MiB) is refused with 413 before it
is read. The LLM (CrewAI) is used only when DIRBOLT_LLM_MODEL and its key are set; learned
mappings are kept when DIRBOLT_DATABASE_URL points at the system of record.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain, pick_listing_form
from dirbolt_core.brain.model import FieldMapping, FormInfo, FormMapping
from dirbolt_core.brain.outcome import classify_outcome
from dirbolt_core.models import BusinessProfile, Directory
from dirbolt_core.settings import Settings, get_settings

log = logging.getLogger(__name__)

LLM_OUTCOME_THRESHOLD = 0.75  # below this rule confidence, a configured LLM reads the page too


class DirectoryRef(BaseModel):
    """What the brain needs of a catalog entry: its id (learned mappings), known selectors and the
    candidate selectors of an imported catalog."""

    id: str | None = None
    selectors: dict[str, str] = Field(default_factory=dict)
    selector_hints: dict[str, list[str]] = Field(default_factory=dict)


class MapRequest(BaseModel):
    html: str | None = None
    form: FormInfo | None = None
    forms: list[FormInfo] | None = None
    directory: DirectoryRef | None = None
    profile: BusinessProfile | None = None

    @model_validator(mode="after")
    def _one_input(self) -> MapRequest:
        if sum(x is not None for x in (self.html, self.form, self.forms)) != 1:
            raise ValueError("give exactly one of html, form, forms")
        return self


class MappedForm(BaseModel):
    index: int
    signature: str
    is_listing_form: bool
    fields: list[FieldMapping]


class MapResponse(BaseModel):
    forms: list[MappedForm]
    chosen: int | None = None  # index (in `forms`) of the listing form, when there is one


class AnalyzeRequest(BaseModel):
    html: str
    url: str | None = None
    status_code: int | None = None
    before_url: str | None = None
    inline_messages: list[str] | None = None
    retry_after: str | None = None


class LearnRequest(BaseModel):
    form: FormInfo
    mapping: FormMapping
    directory_id: str | None = None
    form_url: str | None = None


class BodyLimit:
    """Pure ASGI: 413 for a body over the limit, by Content-Length or by what actually arrives."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await _too_large(scope, receive, send, self.max_bytes)
                    return
        # No (or a small) Content-Length: read what arrives, up to the limit, then replay it.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await _too_large(scope, receive, send, self.max_bytes)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(scope: dict, receive: Any, send: Any, limit: int) -> None:
    response = JSONResponse({"detail": f"request body over {limit} bytes"}, status_code=413)
    await response(scope, receive, send)


def create_app(*, api_key: str | None = None, brain: FormBrain | None = None, analyzer: Any = None,
               max_body_bytes: int | None = None, settings: Settings | None = None) -> Any:
    """The service. Without an API key (argument or DIRBOLT_BRAIN_API_KEY) it refuses to start.

    Without a brain: heuristics (+ CrewAI when an LLM is configured), no learned mappings; the
    composition root (`dirbolt brain-serve`) gives it one over the system of record.
    """
    settings = settings or get_settings()
    key = api_key or (settings.brain_api_key.get_secret_value() if settings.brain_api_key else None)
    if not key:
        raise RuntimeError("DIRBOLT_BRAIN_API_KEY is not set: the brain service never runs without a key")
    if max_body_bytes is None:
        max_body_bytes = settings.brain_max_body_bytes
    if brain is None:
        brain = FormBrain.from_settings(settings)
    if analyzer is None:
        from dirbolt_core.brain.llm import CrewOutcomeAnalyzer

        analyzer = CrewOutcomeAnalyzer.from_settings(settings)
    expected = f"Bearer {key}".encode()

    def require_key(request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if not given or not hmac.compare_digest(given, expected):
            raise HTTPException(status_code=401, detail="a valid bearer API key is required",
                                headers={"WWW-Authenticate": "Bearer"})

    app = FastAPI(title="dirbolt form brain", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.brain = brain
    app.state.analyzer = analyzer

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "llm": brain.llm_mapper is not None, "learned": brain.learned_store is not None}

    @app.post("/v1/map", dependencies=[Depends(require_key)])
    def map_forms(body: MapRequest) -> MapResponse:
        if body.html is not None:
            forms = extract_forms_from_html(body.html)
        else:
            forms = body.forms if body.forms is not None else [body.form]  # type: ignore[list-item]
        directory = _directory(body.directory)
        mappings = [brain.map_form(form, directory, body.profile) for form in forms]
        chosen = pick_listing_form(forms, mappings)
        return MapResponse(
            forms=[MappedForm(index=m.form_index, signature=m.signature, is_listing_form=m.is_listing_form,
                              fields=m.fields) for m in mappings],
            chosen=next((i for i, m in enumerate(mappings) if m is chosen), None))

    @app.post("/v1/analyze", dependencies=[Depends(require_key)])
    def analyze(body: AnalyzeRequest) -> dict[str, Any]:
        rules = classify_outcome(body.html, url=body.url, status_code=body.status_code, before_url=body.before_url,
                                 inline_messages=body.inline_messages, retry_after=body.retry_after)
        out = rules.model_dump(mode="json")
        out["decided_by"] = "rules"
        out["llm"] = None
        if analyzer is not None and rules.confidence < LLM_OUTCOME_THRESHOLD and not rules.transient:
            from dirbolt_core.brain.outcome import visible_text

            opinion = analyzer.analyze(visible_text(body.html), url=body.url, rules=out)
            out["llm"] = opinion
            if opinion and opinion["confidence"] > rules.confidence:
                out.update(status=opinion["status"], reason=opinion["reason"] or out["reason"],
                           confidence=opinion["confidence"], decided_by="llm")
        return out

    @app.post("/v1/learn", dependencies=[Depends(require_key)])
    def learn(body: LearnRequest) -> dict[str, Any]:
        if brain.learned_store is None:
            raise HTTPException(status_code=409, detail="this service keeps no learned mappings")
        try:
            brain.learned_store.record_success(body.form, body.mapping, directory_id=body.directory_id,
                                               form_url=body.form_url)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {"ok": True, "signature": body.form.signature}

    return BodyLimit(app, max_body_bytes)


def _directory(ref: DirectoryRef | None) -> Directory | None:
    if ref is None:
        return None
    # The mapper reads only id and selectors; the rest is a placeholder a Directory requires.
    return Directory.model_construct(id=ref.id or "", name=ref.id or "", selectors=dict(ref.selectors),
                                     selector_hints=dict(ref.selector_hints))


def serve(app: Any, *, host: str = "127.0.0.1", port: int = 8088, log_level: str = "info") -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level=log_level)
