"""Learned mappings in PostgreSQL: reuse on the next visit, invalidation on form drift."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormInfo
from dirbolt_core.db.learned import LearnedMappingRepository
from dirbolt_core.db.migrations import apply_migrations
from dirbolt_core.db.store import Store
from dirbolt_core.models import Directory

FORM = """<form><label>Company <input name="f_01"></label><label>E-mail <input name="f_02"></label>
  <label>{third} <input name="{third_name}"></label><input name="f_04"><button>Send</button></form>"""


def form(third: str = "Telephone", third_name: str = "f_03") -> FormInfo:
    return extract_forms_from_html(FORM.format(third=third, third_name=third_name))[0]


def directory(did: str) -> Directory:
    return Directory(id=did, name=did, url="http://dir.test/", submission_url="http://dir.test/add")


@pytest.fixture
def store(database_url: str) -> Iterator[LearnedMappingRepository]:
    with Store(database_url) as db:
        yield db.learned


def test_the_second_visit_uses_the_learned_mapping(store: LearnedMappingRepository) -> None:
    brain = FormBrain(learned_store=store)
    d = directory("dir-a")
    first = brain.map_form(form(), d)
    assert {m.strategy for m in first.fields} == {"heuristic"}
    # After the submission succeeded, the runner teaches the brain what worked, including what
    # the operator fixed: here the unlabelled f_04 turned out to be the city.
    first.fields[3].key = "city"
    brain.learn(d, form(), first, form_url="http://dir.test/add")
    second = brain.map_form(form(), d)
    assert {m.strategy for m in second.fields} == {"learned"}
    assert [m.key for m in second.fields] == ["business_name", "email", "phone", "city", "submit"]
    row = store.get("dir-a", second.signature)
    assert row is not None and row.successes == 1 and row.uses == 1 and row.invalidated_at is None


def test_form_drift_invalidates_the_learned_mapping(store: LearnedMappingRepository) -> None:
    brain = FormBrain(learned_store=store)
    d = directory("dir-b")
    old = form()
    brain.learn(d, old, brain.map_form(old, d))
    drifted = form(third="Fax", third_name="f_03")  # same names, the third field now asks for a fax
    assert drifted.signature != old.signature
    mapping = brain.map_form(drifted, d)
    assert {m.strategy for m in mapping.fields} == {"heuristic"}
    assert mapping.fields[2].key == "fax"
    row = store.get("dir-b", old.signature)
    assert row is not None and row.invalidated_at is not None and "form drift" in row.invalidated_reason
    # Even if the old form came back, the invalidated mapping is not reused until it succeeds again.
    assert {m.strategy for m in brain.map_form(old, d).fields} == {"heuristic"}
    brain.learn(d, old, brain.map_form(old, d))
    assert {m.strategy for m in brain.map_form(old, d).fields} == {"learned"}


def test_the_same_form_elsewhere_reuses_it_and_a_failing_store_is_ignored(store: LearnedMappingRepository) -> None:
    brain = FormBrain(learned_store=store)
    brain.learn(directory("dir-c"), form(), brain.map_form(form(), directory("dir-c")))
    assert {m.strategy for m in brain.map_form(form(), directory("dir-d")).fields} == {"learned"}
    assert store.invalidate("dir-c", reason="caused a rejection") == 1
    assert {m.strategy for m in brain.map_form(form(), directory("dir-d")).fields} == {"heuristic"}

    class Broken:
        def lookup(self, signature: str, directory_id: str | None = None) -> None:
            raise ConnectionError("database down")

    assert {m.strategy for m in FormBrain(learned_store=Broken()).map_form(form()).fields} == {"heuristic"}


def test_a_mapping_of_another_form_is_refused(store: LearnedMappingRepository) -> None:
    brain = FormBrain()
    with pytest.raises(ValueError, match="does not belong"):
        store.record_success(form(), brain.map_form(form(third="Fax")), directory_id="dir-e")


def test_the_migration_applies_once_on_an_empty_database(empty_database_url: str) -> None:
    assert "006_learned_mappings" in apply_migrations(empty_database_url)
    assert apply_migrations(empty_database_url) == []
