"""The CrewAI path, through a real Crew with a scripted LLM double (CrewAI's BaseLLM)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.llm import CrewFieldMapper, CrewOutcomeAnalyzer, parse_json_answer
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormInfo
from dirbolt_core.settings import Settings

FORM = """<form><label>Business name <input name="biz"></label>
  <input name="f_09"><div style="position:absolute;left:-9999px"><input name="trap"></div>
  <label>Email <input name="mail" type="email"></label></form>"""


@pytest.fixture(scope="module")
def scripted() -> type:
    """A BaseLLM that answers from a script: text, an exception to raise, or ("sleep", seconds, text)."""
    from crewai import BaseLLM  # the seconds-long import happens once, here

    class ScriptedLLM(BaseLLM):
        def __init__(self, answers: list[Any]):
            super().__init__(model="scripted-double")
            self._script = list(answers)
            self._seen: list[Any] = []

        @property
        def prompts(self) -> list[str]:
            return [m if isinstance(m, str) else "\n".join(x["content"] for x in m) for m in self._seen]

        def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
                 from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> Any:
            self._seen.append(messages)
            answer = self._script.pop(0) if self._script else "no more answers"
            if isinstance(answer, BaseException):
                raise answer
            if isinstance(answer, tuple):
                time.sleep(answer[1])
                answer = answer[2]
            return answer

        def supports_function_calling(self) -> bool:
            return False

        def supports_stop_words(self) -> bool:
            return False

        def get_context_window_size(self) -> int:
            return 16_000

    return ScriptedLLM


def the_form() -> FormInfo:
    return extract_forms_from_html(FORM)[0]


def test_the_crew_decides_only_the_doubtful_fields(scripted: type) -> None:
    llm = scripted(['Thought: I know.\nFinal Answer: {"fields": [{"index": 1, "key": "city", "confidence": 0.8}]}'])
    mapper = CrewFieldMapper(llm, timeout_s=20)
    mapping = FormBrain(llm_mapper=mapper).map_form(the_form())
    by = {m.name: (m.key, m.strategy) for m in mapping.fields}
    assert by == {"biz": ("business_name", "heuristic"), "f_09": ("city", "llm"), "trap": ("honeypot", "heuristic"),
                  "mail": ("email", "heuristic")}
    assert len(llm.prompts) == 1
    prompt = llm.prompts[0]
    assert "1: <input type=text> name='f_09'" in prompt and "honeypot" in prompt and "business_name" in prompt
    assert "name='trap'" not in prompt and "name='biz'" not in prompt  # only the doubtful fields are sent


@pytest.mark.parametrize("answer", [
    "I think it is probably the city!",  # not JSON
    '{"fields": [{"index": 1, "key": "shoe_size", "confidence": 0.9}]}',  # not a vocabulary key
    '{"fields": [{"index": 2, "key": "email", "confidence": 0.9}]}',  # a field that was not asked
    '{"fields": [{"index": 1, "key": "city", "confidence": 7}]}',  # a confidence out of range
    RuntimeError("provider exploded"),
])
def test_bad_answers_and_errors_keep_the_heuristic_answer(scripted: type, answer: Any) -> None:
    mapping = FormBrain(llm_mapper=CrewFieldMapper(scripted([answer]), timeout_s=20)).map_form(the_form())
    assert [(m.key, m.strategy) for m in mapping.fields][1] == ("unknown", "heuristic")
    assert {m.strategy for m in mapping.fields} == {"heuristic"}


def test_a_slow_llm_is_abandoned_at_the_timeout(scripted: type) -> None:
    slow = scripted([("sleep", 3.0, '{"fields": [{"index": 1, "key": "city", "confidence": 0.9}]}')])
    started = time.monotonic()
    mapping = FormBrain(llm_mapper=CrewFieldMapper(slow, timeout_s=0.5)).map_form(the_form())
    assert time.monotonic() - started < 2.5
    assert mapping.fields[1].key == "unknown" and mapping.fields[1].strategy == "heuristic"


def test_the_outcome_analyzer_reads_the_page_through_a_crew(scripted: type) -> None:
    llm = scripted(['```json\n{"status": "needs_manual", "reason": "asks to confirm by phone", "confidence": 0.8}\n```',
                    "the page looks fine to me"])
    analyzer = CrewOutcomeAnalyzer(llm, timeout_s=20)
    opinion = analyzer.analyze("We will call you to verify your listing.", url="http://d.test/x",
                               rules={"status": "failed", "confidence": 0.3})
    assert opinion == {"status": "needs_manual", "reason": "asks to confirm by phone", "confidence": 0.8}
    assert "We will call you to verify" in llm.prompts[0] and '"confidence": 0.3' in llm.prompts[0]
    assert analyzer.analyze("?", url=None, rules={}) is None


def test_without_a_configured_llm_nothing_is_built_or_imported() -> None:
    def llm(**values):
        return Settings(**{"llm_model": None, "llm_api_key": None, "llm_base_url": None, "provider_api_keys": {},
                           **values}).llm()

    assert llm() is None
    assert llm(llm_model="openai/gpt-4o-mini") is None  # no key: not configured
    keyed = llm(llm_model="openai/gpt-4o-mini", provider_api_keys={"OPENAI_API_KEY": "k"})
    assert keyed.api_key.get_secret_value() == "k"
    assert llm(llm_model="ollama/llama3.1") is not None  # a local model needs no key
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIRBOLT_LLM")}
    code = ("import sys, json; from dirbolt_core.brain.mapper import FormBrain; "
            "from dirbolt_core.brain.extract import extract_forms_from_html; b = FormBrain.from_settings(); "
            "m = b.map_form(extract_forms_from_html('<form><input name=q1></form>')[0]); "
            "print(json.dumps([b.llm_mapper is None, 'crewai' in sys.modules, m.fields[0].strategy]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, False, "heuristic"]


def test_json_is_found_in_the_usual_wrappings() -> None:
    assert parse_json_answer('Final Answer: ```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json_answer('Sure! {"a": [1, 2]} hope that helps') == {"a": [1, 2]}
    assert parse_json_answer("[1, 2]") is None and parse_json_answer(None) is None
