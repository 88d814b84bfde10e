"""Poison and hostile messages through real SQS and PostgreSQL: nothing lost, every reject explained."""

from __future__ import annotations

import json
import uuid

import psycopg

from dirbolt_core.intake import intake_batch
from dirbolt_core.redact import redact_url
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import JobStatus, Priority

HOSTILE_TEXT = "<script>alert('x')</script>'); DROP TABLE jobs; -- \" OR 1=1; <img src=x onerror=alert(1)>"


def _good(store) -> tuple[uuid.UUID, str]:
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id="c1", package_size=2, priority=Priority.GROWTH,
                     business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    return job_id, json.dumps({"job_id": str(job_id), "customer_id": "c1", "package_size": 2,
                               "priority": "growth"})


def _malformed(existing_job: uuid.UUID) -> list[str]:
    valid = {"job_id": str(existing_job), "customer_id": "c1", "package_size": 2, "priority": "growth"}
    text = json.dumps(valid)
    bodies = [text[:cut] for cut in (1, 10, 25, 40, len(text) - 1)]                       # truncated JSON (5)
    for field, value in [("job_id", 42), ("job_id", None), ("package_size", "ten"), ("package_size", 2.5),
                         ("priority", 5), ("priority", ["growth"]), ("customer_id", []), ("customer_id", {})]:
        bodies.append(json.dumps({**valid, field: value}))                               # wrong types (8)
    bodies.append(json.dumps({**valid, "pad": "x" * 300_000}))                           # 300 KB body (1)
    bodies += [json.dumps({**valid, "job_id": str(uuid.uuid4())}) for _ in range(4)]     # unknown jobs (4)
    bodies += [json.dumps({**valid, "customer_id": f"evil\x00{i}"}) for i in range(3)]   # control chars (3)
    bodies.append(json.dumps({**valid, "customer_id": "bell\x07"}))
    bodies += [json.dumps({**valid, "package_size": n}) for n in (10**9, 1001, 2**63)]   # huge sizes (3)
    bodies += [json.dumps({**valid, "package_size": n}) for n in (-1, 0, -(10**6))]      # negative, zero (3)
    bodies += ["", "   ", "null", "[]", "42", '"a string"', "true"]                      # not an object (7)
    bodies.append("[" * 100_000 + "]" * 100_000)                                         # nesting bomb (1)
    bodies += [json.dumps({k: v for k, v in valid.items() if k != missing})
               for missing in ("job_id", "customer_id", "package_size", "priority")]     # missing fields (4)
    bodies += [json.dumps({**valid, "priority": p}) for p in ("gold", "STARTER ", "")]   # unknown priority (3)
    bodies.append(json.dumps({**valid, "job_id": "../../etc/passwd"}))                   # not a uuid (1)
    bodies.append(json.dumps({**valid, "unexpected": True}))                             # unknown field (1)
    bodies.append(json.dumps({**valid, "job_id": str(uuid.uuid4()),                      # inline data invalid (3)
                              "business_data": {"business_name": ""}}))
    bodies.append(json.dumps({**valid, "job_id": str(uuid.uuid4()), "business_data": "not an object"}))
    bodies.append(json.dumps({**valid, "job_id": str(uuid.uuid4()),
                              "business_data": {"business_name": "x", "year_founded": -5}}))
    bodies.append(json.dumps({**valid, "customer_id": "someone-else"}))                  # other customer (1)
    bodies.append("{'job_id': 'single quotes'}")                                         # almost JSON (1)
    return bodies


def test_fifty_poison_messages_go_to_the_dlq_with_reasons_while_good_ones_flow(store, job_queue):
    existing, _ = _good(store)
    malformed = _malformed(existing)
    assert len(malformed) == 50
    good = [_good(store) for _ in range(5)]
    hostile_id = uuid.uuid4()
    hostile_profile = SAMPLE_PROFILE.model_copy(update={"business_name": HOSTILE_TEXT, "description": HOSTILE_TEXT})
    hostile = json.dumps({"job_id": str(hostile_id), "customer_id": "c2", "package_size": 1,
                          "priority": "starter", "business_data": hostile_profile.model_dump(mode="json")})
    # Interleave: every tenth message is a good one.
    stream = list(malformed)
    for i, (_, body) in enumerate(good):
        stream.insert(i * 11, body)
    stream.insert(25, hostile)
    for body in stream:
        job_queue.send(body)

    batch = intake_batch(store, job_queue, actor="test", max_messages=200, time_budget_s=120)
    assert batch.received == len(stream)
    assert {d.job_id for d in batch.accepted} == {j for j, _ in good} | {hostile_id}
    for job_id, _ in good:
        assert store.jobs.get(job_id).status is JobStatus.QUEUED

    dead = job_queue.drain_dlq(max_messages=200)
    assert len(dead) == 50
    reasons = [m.attributes["reason"] for m in dead]
    assert all(r and r != "invalid" for r in reasons), reasons
    for prefix in ("not JSON", "invalid message", "unknown job", "control characters in customer_id",
                   "empty message", "oversize message", "message must be a JSON object"):
        assert any(r.startswith(prefix) for r in reasons), (prefix, reasons)
    audited = [h for h in store.audit.history(entity="message") if h.event == "dead_lettered"]
    assert len(audited) == 50 and all(h.detail["reason"] for h in audited)
    assert job_queue.depth()["visible"] == 0

    # HTML and SQL in business data are data: stored verbatim, never executed.
    stored = store.jobs.get(hostile_id).profile
    assert stored.business_name == HOSTILE_TEXT and stored.description == HOSTILE_TEXT
    with psycopg.connect(store.dsn) as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 7


def test_secrets_in_urls_are_redacted_before_printing():
    assert redact_url("postgresql://app:s3cr3t@db.example:5432/dirbolt?sslmode=require") == \
        "postgresql://app:***@db.example:5432/dirbolt?sslmode=require"
    assert "hunter2" not in redact_url("postgresql://db/x?password=hunter2&sslmode=require")
    assert redact_url("http://127.0.0.1:9324") == "http://127.0.0.1:9324"
