"""The brain a run uses, as configured by the environment."""

from __future__ import annotations

import os

from dirbolt_core.brain.client import BrainClient
from dirbolt_core.brain.learned import LearnedMappingStore
from dirbolt_core.brain.mapper import FormBrain


def build_brain(database_url: str | None) -> FormBrain | BrainClient:
    """In-process heuristics + learned mappings (+ CrewAI when DIRBOLT_LLM_MODEL is set);
    behind the brain service when DIRBOLT_BRAIN_URL is set, falling back to in-process."""
    learned = LearnedMappingStore(database_url) if database_url else None
    brain = FormBrain.from_env(learned_store=learned)
    if os.environ.get("DIRBOLT_BRAIN_URL"):
        return BrainClient.from_env(fallback=brain)
    return brain
