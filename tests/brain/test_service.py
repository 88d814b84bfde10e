"""The brain service under uvicorn, and the client that falls back when it is down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dirbolt_core.brain.client import BrainClient
from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.service import create_app
from dirbolt_core.services import free_port
from tests.brain.conftest import API_KEY, RunningService

FORM_HTML = """<html><body><form action="/search"><input name="q" placeholder="Search"></form>
<form><label>Business name <input name="n"></label><label>Phone <input name="p"></label>
<label>Email <input name="e" type="email"></label><div style="display:none"><input name="hp"></div></form>
</body></html>"""
AUTH = {"Authorization": f"Bearer {API_KEY}"}


class StubAnalyzer:
    """Stands in for the LLM outcome reader (the crew itself is tested in test_llm)."""

    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, text: str, *, url: str | None, rules: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return {"status": "needs_manual", "reason": "the page asks for a phone verification", "confidence": 0.9}


@pytest.fixture(scope="module")
def analyzer() -> StubAnalyzer:
    return StubAnalyzer()


@pytest.fixture(scope="module")
def service(analyzer: StubAnalyzer) -> Iterator[RunningService]:
    app = create_app(api_key=API_KEY, brain=FormBrain(), analyzer=analyzer, max_body_bytes=50_000)
    with RunningService(app) as running:
        yield running


def test_health_is_open_and_the_api_needs_the_key(service: RunningService) -> None:
    assert httpx.get(f"{service.url}/healthz").json() == {"ok": True, "llm": False, "learned": False}
    body = {"html": FORM_HTML}
    missing = httpx.post(f"{service.url}/v1/map", json=body)
    wrong = httpx.post(f"{service.url}/v1/map", json=body, headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert httpx.post(f"{service.url}/v1/analyze", json={"html": "x"}).status_code == 401


def test_oversize_requests_are_refused_with_413(service: RunningService) -> None:
    big = {"html": "<p>" + "x" * 60_000 + "</p>"}
    assert httpx.post(f"{service.url}/v1/map", json=big, headers=AUTH).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"html": "'
        for _ in range(40):
            yield b"y" * 2000
        yield b'"}'

    r = httpx.post(f"{service.url}/v1/map", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413


def test_map_from_html_or_form_json_agrees_with_the_in_process_brain(service: RunningService) -> None:
    r = httpx.post(f"{service.url}/v1/map", json={"html": FORM_HTML}, headers=AUTH)
    assert r.status_code == 200
    answer = r.json()
    assert answer["chosen"] == 1 and [f["index"] for f in answer["forms"]] == [0, 1]
    assert [(f["name"], f["key"], f["strategy"]) for f in answer["forms"][1]["fields"]] == [
        ("n", "business_name", "heuristic"), ("p", "phone", "heuristic"), ("e", "email", "heuristic"),
        ("hp", "honeypot", "heuristic")]
    forms = extract_forms_from_html(FORM_HTML)
    local = FormBrain().map_form(forms[1])
    via_json = httpx.post(f"{service.url}/v1/map", json={"form": forms[1].model_dump(mode="json")}, headers=AUTH)
    assert via_json.json()["forms"][0]["fields"] == [m.model_dump(mode="json") for m in local.fields]
    bad = httpx.post(f"{service.url}/v1/map", json={"html": "x", "form": forms[1].model_dump()}, headers=AUTH)
    assert bad.status_code == 422


def test_analyze_uses_the_rules_and_the_llm_reader_when_unsure(service: RunningService,
                                                               analyzer: StubAnalyzer) -> None:
    clear = httpx.post(f"{service.url}/v1/analyze", headers=AUTH, json={
        "html": "<h1>Thank you!</h1><p>Your listing is pending review by our editors.</p>",
        "url": "http://d.test/thanks", "before_url": "http://d.test/add", "status_code": 200}).json()
    assert (clear["status"], clear["decided_by"], analyzer.calls) == ("submitted", "rules", 0)
    unclear = httpx.post(f"{service.url}/v1/analyze", headers=AUTH, json={
        "html": "<p>We will call you at the number you gave.</p>", "status_code": 200}).json()
    assert (unclear["status"], unclear["decided_by"], analyzer.calls) == ("needs_manual", "llm", 1)
    assert unclear["llm"]["reason"] == "the page asks for a phone verification"


def test_the_service_never_starts_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIRBOLT_BRAIN_API_KEY", raising=False)
    with pytest.raises(RuntimeError, match="DIRBOLT_BRAIN_API_KEY"):
        create_app()


def test_the_client_uses_the_service_then_falls_back_when_it_goes_down(analyzer: StubAnalyzer) -> None:
    forms = extract_forms_from_html(FORM_HTML)
    expected = [m.key for m in FormBrain().map_form(forms[1]).fields]
    app = create_app(api_key=API_KEY, brain=FormBrain(), analyzer=analyzer)
    with RunningService(app) as running:
        client = BrainClient(running.url, api_key=API_KEY, timeout_s=2, backoff_s=0.01, cooldown_s=60)
        chosen = client.choose_form(forms)
        assert chosen is not None and chosen.form_index == 1 and [m.key for m in chosen.fields] == expected
        page = "<h1>Thank you!</h1><p>Your listing is pending review by our editors.</p>"
        assert client.analyze(page, url="http://d.test/thanks", before_url="http://d.test/add",
                              status_code=200).status == "submitted"
        assert (client.remote_calls, client.fallbacks) == (2, 0)
    # The service is gone: the runner keeps going with the in-process brain, and stops asking.
    assert [m.key for m in client.map_form(forms[1]).fields] == expected
    assert client.fallbacks == 1 and not client.remote
    assert client.map_form(forms[1]).fields[0].key == "business_name"
    assert client.fallbacks == 1  # not retried during the cool-down


def test_the_client_with_nothing_listening_or_a_wrong_key_answers_in_process(service: RunningService) -> None:
    forms = extract_forms_from_html(FORM_HTML)
    down = BrainClient(f"http://127.0.0.1:{free_port()}", api_key=API_KEY, timeout_s=1, backoff_s=0.01)
    assert down.map_form(forms[1]).fields[0].key == "business_name" and down.fallbacks == 1
    wrong = BrainClient(service.url, api_key="wrong", timeout_s=1)
    assert wrong.map_form(forms[1]).fields[0].key == "business_name" and wrong.fallbacks == 1
    assert wrong.remote  # a 401 is a configuration error, not an outage: no cool-down
    assert BrainClient(None).map_form(forms[1]).fields[0].key == "business_name"  # unset URL: in-process


def test_the_client_retries_server_errors() -> None:
    calls = {"n": 0}
    forms = extract_forms_from_html(FORM_HTML)
    good = FormBrain().map_form(forms[1])

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] < 3:
            return httpx.Response(503, json={"detail": "busy"})
        return httpx.Response(200, json={"forms": [{"index": 1, "signature": good.signature, "is_listing_form": True,
                                                    "fields": [m.model_dump(mode="json") for m in good.fields]}],
                                         "chosen": 0})

    client = BrainClient("http://brain.test", api_key=API_KEY, backoff_s=0.01, transport=httpx.MockTransport(handler))
    assert [m.key for m in client.map_form(forms[1]).fields] == [m.key for m in good.fields]
    assert (calls["n"], client.remote_calls, client.fallbacks) == (3, 1, 0)
