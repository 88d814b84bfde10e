"""The brain's seams: both brains and the learned-mapping repository are what their Protocols say."""

from __future__ import annotations

from dirbolt_core.brain.client import BrainClient
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.protocols import Brain, LearnedStore
from dirbolt_core.db.store import Store


def test_the_in_process_brain_and_the_service_client_are_brains():
    assert isinstance(FormBrain(), Brain)
    assert FormBrain().remote is False
    with BrainClient(url=None) as client:
        assert isinstance(client, Brain)
        assert client.remote is False  # no service configured: it maps in process


def test_the_in_process_brain_reads_outcomes_by_the_rules():
    answer = FormBrain().analyze("<html><body><h1>Thank you! Your listing was submitted.</h1></body></html>",
                                 url="http://dir.test/thanks")
    assert answer.status.is_success


def test_the_learned_mapping_repository_is_a_learned_store(store: Store):
    assert isinstance(store.learned, LearnedStore)
    assert isinstance(FormBrain(learned_store=store.learned).learned_store, LearnedStore)


def test_something_else_is_not_a_brain():
    assert not isinstance(object(), Brain)
    assert not isinstance(object(), LearnedStore)
