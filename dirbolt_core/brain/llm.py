"""The LLM path: CrewAI agents for the fields heuristics are unsure of, and for unclear outcomes.

Nothing here runs unless an LLM is configured: `DIRBOLT_LLM_MODEL` (a CrewAI/LiteLLM model
name such as "openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "ollama/llama3.1")
plus the provider's key in its usual variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...) or
`DIRBOLT_LLM_API_KEY`; `DIRBOLT_LLM_BASE_URL` points at a self-hosted endpoint and
`DIRBOLT_LLM_TIMEOUT_S` bounds each crew run (default 30 s).

CrewAI costs seconds to import, so it is imported only when a crew is actually built.
Every failure (exception, timeout, an answer that is not the JSON asked for) yields no
answer: the caller keeps its rule-based result.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from dirbolt_core.brain.model import FieldMapping, FormInfo
from dirbolt_core.settings import LlmConfig, Settings, get_settings, quiet_third_party_telemetry
from dirbolt_core.vocabulary import CANONICAL_KEYS, SubmissionStatus

log = logging.getLogger(__name__)

_JSON_BLOCK = re.compile(r"\{.*\}", re.DOTALL)


def build_llm(config: LlmConfig) -> Any:
    """CrewAI's LLM for the configured model (CrewAI is imported here, not before)."""
    quiet_third_party_telemetry()
    from crewai import LLM

    kwargs: dict[str, Any] = {"model": config.model, "temperature": 0.0, "timeout": config.timeout_s}
    if config.api_key is not None:
        kwargs["api_key"] = config.api_key.get_secret_value()
    if config.base_url:
        kwargs["base_url"] = config.base_url
    return LLM(**kwargs)


def parse_json_answer(text: Any) -> dict[str, Any] | None:
    """The JSON object in an LLM answer (fenced, after 'Final Answer:', or bare); None if there is none."""
    if text is None:
        return None
    raw = getattr(text, "raw", text)
    if not isinstance(raw, str):
        raw = str(raw)
    raw = raw.strip()
    if "Final Answer:" in raw:
        raw = raw.split("Final Answer:", 1)[1]
    raw = re.sub(r"^```(?:json)?|```$", "", raw.strip(), flags=re.MULTILINE).strip()
    for candidate in (raw, *(m.group(0) for m in [_JSON_BLOCK.search(raw)] if m)):
        try:
            value = json.loads(candidate)
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(value, dict):
            return value
    return None


def _run_crew(build: Any, timeout_s: float) -> Any | None:
    """Build and run a crew in a worker thread; None on timeout or error."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dirbolt-crew")
    future = pool.submit(lambda: build().kickoff())
    try:
        return future.result(timeout=timeout_s)
    except concurrent.futures.TimeoutError:
        log.warning("LLM crew gave no answer within %.1fs; keeping the rule-based result", timeout_s)
        return None
    except Exception as exc:
        log.warning("LLM crew failed (%s); keeping the rule-based result", exc)
        return None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class _OneAgentCrew:
    """A crew of one agent and one task over an LLM that is built (CrewAI imported) on first use."""

    role = goal = backstory = expected_output = ""

    def __init__(self, llm: Any = None, *, timeout_s: float = 30.0, config: LlmConfig | None = None):
        self._llm = llm
        self._config = config
        self.timeout_s = timeout_s
        self.last_prompt: str | None = None

    @property
    def llm(self) -> Any:
        if self._llm is None and self._config is not None:
            self._llm = build_llm(self._config)
        return self._llm

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Any:
        """An instance when an LLM is configured, else None; CrewAI is not imported here."""
        config = (settings or get_settings()).llm()
        return None if config is None else cls(timeout_s=config.timeout_s, config=config)

    def ask(self, prompt: str) -> dict[str, Any] | None:
        """Run the crew on a prompt; the JSON object it answered, or None on any failure."""
        self.last_prompt = prompt
        llm = self.llm

        def build() -> Any:
            quiet_third_party_telemetry()
            from crewai import Agent, Crew, Task

            agent = Agent(role=self.role, goal=self.goal, backstory=self.backstory, llm=llm,
                          allow_delegation=False, max_iter=1, verbose=False)
            task = Task(description=prompt, agent=agent, expected_output=self.expected_output)
            return Crew(agents=[agent], tasks=[task], verbose=False)

        return parse_json_answer(_run_crew(build, self.timeout_s))


# --------------------------------------------------------------------- fields
FIELD_INSTRUCTIONS = """You map the fields of a web form to a business directory profile.
Allowed keys (use exactly one per field):
{keys}
Rules: a field a person cannot see, or that asks to be left empty, is "honeypot"; a box that asks to prove
you are human is "captcha"; anything that is not one of the profile keys is "unknown" (search boxes,
comments, birth dates, card numbers). Be conservative: if unsure, answer "unknown" with a low confidence.

The form ({heading}) has these fields still to decide (index: description):
{fields}

Answer with JSON only, in this shape:
{{"fields": [{{"index": <index>, "key": "<key>", "confidence": <0..1>}}]}}"""


def describe_field(i: int, form: FormInfo, draft: Sequence[FieldMapping]) -> str:
    f = form.fields[i]
    parts = [f"{i}: <{f.tag} type={f.type}>", f"name={f.name!r}", f"id={f.id!r}"]
    for label, value in (("label", f.label), ("placeholder", f.placeholder), ("text before", f.nearby_text),
                         ("text after", f.text_after), ("section", f.section), ("autocomplete", f.autocomplete)):
        if value:
            parts.append(f"{label}={value[:80]!r}")
    if f.options:
        parts.append("options=" + ", ".join(repr(o.text or o.value)[:30] for o in f.options[:12]))
    if not f.visible:
        parts.append(f"hidden ({f.hidden_reason})")
    if i < len(draft):
        parts.append(f"rule guess={draft[i].key} ({draft[i].confidence:.2f})")
    return " ".join(parts)


class CrewFieldMapper(_OneAgentCrew):
    """A one-agent crew that names the fields the heuristics could not (FormBrain's llm_mapper)."""

    role = "Web form analyst"
    goal = "Say which business-profile field each form field asks for"
    backstory = ("You have filled thousands of business-directory submission forms in many languages and never "
                 "type into traps.")
    expected_output = 'JSON: {"fields": [{"index": int, "key": str, "confidence": float}]}'

    def __init__(self, llm: Any = None, *, timeout_s: float = 30.0, max_fields: int = 40,
                 config: LlmConfig | None = None):
        super().__init__(llm, timeout_s=timeout_s, config=config)
        self.max_fields = max_fields

    def prompt(self, form: FormInfo, fields: Sequence[int], draft: Sequence[FieldMapping]) -> str:
        return FIELD_INSTRUCTIONS.format(
            keys=", ".join(sorted(CANONICAL_KEYS)), heading=form.heading or "no heading",
            fields="\n".join(describe_field(i, form, draft) for i in fields[: self.max_fields]))

    def map_fields(self, form: FormInfo, fields: Sequence[int],
                   draft: Sequence[FieldMapping]) -> dict[int, tuple[str, float]]:
        if not fields:
            return {}
        return parse_field_answer(self.ask(self.prompt(form, fields, draft)), set(fields))


def parse_field_answer(answer: dict[str, Any] | None, asked: set[int]) -> dict[int, tuple[str, float]]:
    """Keep only well-formed decisions about fields that were asked, in the vocabulary."""
    out: dict[int, tuple[str, float]] = {}
    if not answer or not isinstance(answer.get("fields"), list):
        return out
    for item in answer["fields"]:
        if not isinstance(item, dict):
            continue
        try:
            index = int(item.get("index"))
            confidence = float(item.get("confidence", 0.5))
        except (TypeError, ValueError):
            continue
        key = str(item.get("key", "")).strip()
        if index in asked and key in CANONICAL_KEYS and 0.0 <= confidence <= 1.0:
            out[index] = (key, confidence)
    return out


# -------------------------------------------------------------------- outcome
OUTCOME_INSTRUCTIONS = """A business was just submitted to an online directory. Read the page the directory
answered with and say what happened.
Statuses: submitted (accepted, awaiting approval), approved (listing is live), needs_manual (captcha, login,
phone or e-mail verification needed), rejected (refused or validation errors), skipped (already listed),
failed (error page, nothing happened).
The rule-based reading says: {rules}
URL: {url}
Page text (excerpt):
{text}

Answer with JSON only: {{"status": "<status>", "reason": "<one sentence>", "confidence": <0..1>}}"""


class CrewOutcomeAnalyzer(_OneAgentCrew):
    """A one-agent crew that reads an unclear post-submit page (the service's /v1/analyze)."""

    role = "Submission outcome reader"
    goal = "Tell what a directory's answer page means"
    backstory = "You read directory confirmation, error and review pages in many languages."
    expected_output = 'JSON: {"status": str, "reason": str, "confidence": float}'

    def analyze(self, text: str, *, url: str | None, rules: dict[str, Any]) -> dict[str, Any] | None:
        answer = self.ask(OUTCOME_INSTRUCTIONS.format(rules=json.dumps(rules, default=str)[:600],
                                                      url=url or "unknown", text=text[:4000]))
        if not answer:
            return None
        status = str(answer.get("status", "")).strip().lower()
        if status not in {s.value for s in SubmissionStatus} or status in ("pending", "processing"):
            return None
        try:
            confidence = max(0.0, min(float(answer.get("confidence", 0.5)), 1.0))
        except (TypeError, ValueError):
            return None
        return {"status": status, "reason": str(answer.get("reason") or "")[:500], "confidence": confidence}
