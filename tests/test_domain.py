"""Domain models and idempotency keys (no infrastructure)."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from dirbolt_core.idempotency import canonical_json, idempotency_key
from dirbolt_core.models import BusinessProfile, JobMessage
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import CANONICAL_KEYS, PROFILE_KEYS, Priority


def test_profile_fields_are_exactly_the_design_vocabulary():
    assert set(BusinessProfile.model_fields) == set(PROFILE_KEYS)
    assert "honeypot" in CANONICAL_KEYS and "business_name" in CANONICAL_KEYS


def test_idempotency_key_is_stable_and_specific():
    job = uuid.uuid4()
    data = SAMPLE_PROFILE.model_dump(mode="json")
    reordered = dict(reversed(list(data.items())))
    key = idempotency_key(job, "dir-a", data)
    assert len(key) == 64 and key == idempotency_key(str(job), "dir-a", reordered)
    assert key != idempotency_key(job, "dir-b", data)
    assert key != idempotency_key(uuid.uuid4(), "dir-a", data)
    assert key != idempotency_key(job, "dir-a", {**data, "phone": "(512) 555-0143"})
    # The separator keeps field boundaries: ("ab", "c") is not ("a", "bc").
    assert idempotency_key("ab", "c", {}) != idempotency_key("a", "bc", {})


def test_canonical_json_ignores_key_order_and_whitespace():
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == '{"a":[1,{"c":3,"d":2}],"b":1}'


def test_job_message_validation_names_the_problem():
    good = {"job_id": str(uuid.uuid4()), "customer_id": "c1", "package_size": 50, "priority": "growth"}
    assert JobMessage.model_validate(good).priority is Priority.GROWTH
    with pytest.raises(ValidationError, match="priority"):
        JobMessage.model_validate({**good, "priority": "platinum"})
    with pytest.raises(ValidationError, match="package_size"):
        JobMessage.model_validate({**good, "package_size": -3})
    with pytest.raises(ValidationError, match="job_id"):
        JobMessage.model_validate({k: v for k, v in good.items() if k != "job_id"})


def test_html_and_sql_in_business_data_are_kept_verbatim():
    hostile = "<script>alert(1)</script>'; DROP TABLE jobs; --"
    profile = BusinessProfile(business_name=hostile, description=hostile)
    assert profile.business_name == hostile and profile.value_for("description") == hostile


def test_split_names_are_derived_from_the_full_name():
    profile = BusinessProfile(business_name="X", contact_name="Maya Ann Thornton")
    assert profile.value_for("contact_first_name") == "Maya"
    assert profile.value_for("contact_last_name") == "Thornton"
