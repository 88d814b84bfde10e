"""Intake: turn an SQS message into a durable queued job, or a dead letter with a reason."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass

from pydantic import ValidationError

from dirbolt_core.db.store import Store
from dirbolt_core.logs import register_sensitive
from dirbolt_core.models import MAX_MESSAGE_BYTES, BusinessProfile, JobMessage
from dirbolt_core.queue.sqs import JobQueue, ReceivedMessage

# C0 controls but tab, newline and carriage return; DEL and C1 controls.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class InvalidMessage(ValueError):
    """A message that can never become a job; the reason goes with it to the DLQ."""


@dataclass(frozen=True)
class IntakeDecision:
    message_id: str
    accepted: bool
    job_id: uuid.UUID | None = None
    priority: str | None = None
    reason: str | None = None
    newly_queued: bool = False  # False for a redelivered duplicate of an accepted message


def _summarise(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "message"
        parts.append(f"{where}: {err['msg']}")
    return "invalid message: " + "; ".join(parts)


def _reject_control_chars(value: object, where: str = "") -> None:
    if isinstance(value, str) and _CONTROL_CHARS.search(value):
        raise InvalidMessage(f"control characters in {where or 'a value'}")
    if isinstance(value, dict):
        for k, v in value.items():
            _reject_control_chars(k, where)
            _reject_control_chars(v, f"{where}.{k}" if where else str(k))
    if isinstance(value, list):
        for item in value:
            _reject_control_chars(item, where)


def parse_job_message(body: str) -> JobMessage:
    size = len(body.encode("utf-8", errors="replace"))
    if size > MAX_MESSAGE_BYTES:
        raise InvalidMessage(f"oversize message: {size} bytes (limit {MAX_MESSAGE_BYTES})")
    if not body.strip():
        raise InvalidMessage("empty message")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidMessage(f"not JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:
        raise InvalidMessage("not JSON we accept: nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidMessage(f"message must be a JSON object, got {type(data).__name__}")
    _reject_control_chars(data)
    try:
        return JobMessage.model_validate(data)
    except ValidationError as exc:
        raise InvalidMessage(_summarise(exc)) from None


def accept_message(store: Store, message: ReceivedMessage, *, actor: str) -> IntakeDecision:
    """Validate a message and make its job durable as queued. Never raises for bad input."""
    try:
        parsed = parse_job_message(message.body)
        if parsed.business_data is not None:
            # Whatever is logged about this message from now on must not show the customer.
            register_sensitive(parsed.business_data)
            store.jobs.create(job_id=parsed.job_id, customer_id=parsed.customer_id,
                             package_size=parsed.package_size, priority=parsed.priority,
                             business_data=parsed.business_data.model_dump(mode="json"))
        raw = store.jobs.row(parsed.job_id)
        if raw is None:
            raise InvalidMessage(f"unknown job {parsed.job_id}: no such job in the system of record")
        if raw.customer_id is not None and str(raw.customer_id) != parsed.customer_id:
            raise InvalidMessage(f"job {parsed.job_id} belongs to another customer")
        try:
            BusinessProfile.model_validate(raw.business_data or {})
        except ValidationError as exc:
            raise InvalidMessage("job business_data " + _summarise(exc).removeprefix("invalid message: ")) from None
    except InvalidMessage as exc:
        return IntakeDecision(message_id=message.message_id, accepted=False, reason=str(exc))
    newly = store.jobs.mark_queued(parsed.job_id, message_id=message.message_id, actor=actor,
                                  package_size=parsed.package_size, priority=parsed.priority)
    store.audit.append(entity="message", event="accepted" if newly else "duplicate_delivery",
                         job_id=parsed.job_id, detail={"message_id": message.message_id,
                                                       "receive_count": message.receive_count}, actor=actor)
    return IntakeDecision(message_id=message.message_id, accepted=True, job_id=parsed.job_id,
                          priority=parsed.priority.value, newly_queued=newly)


def record_dead_letter(store: Store, decision: IntakeDecision, *, actor: str) -> None:
    store.audit.append(entity="message", event="dead_lettered", to_status="dlq",
                         detail={"message_id": decision.message_id, "reason": decision.reason}, actor=actor)


@dataclass
class IntakeBatch:
    decisions: list[IntakeDecision]
    received: int = 0
    elapsed_s: float = 0.0

    @property
    def accepted(self) -> list[IntakeDecision]:
        return [d for d in self.decisions if d.accepted]

    @property
    def rejected(self) -> list[IntakeDecision]:
        return [d for d in self.decisions if not d.accepted]


def intake_batch(store: Store, queue: JobQueue, *, actor: str, max_messages: int = 100,
                 time_budget_s: float = 30.0, wait_s: int = 0) -> IntakeBatch:
    """Drain up to max_messages within a time budget (a sensor tick must end well under 60 s).

    A message is deleted only after its job is durable (queued) in the system of record,
    or after it is safely on the DLQ with its reason. Anything that fails in between stays
    on the queue and comes back after the visibility timeout.
    """
    started = time.monotonic()
    batch = IntakeBatch(decisions=[])
    while batch.received < max_messages and time.monotonic() - started < time_budget_s:
        messages = queue.receive(max_messages=min(10, max_messages - batch.received),
                                 wait_s=wait_s if batch.received == 0 else 0)
        if not messages:
            break
        batch.received += len(messages)
        for message in messages:
            decision = accept_message(store, message, actor=actor)
            if not decision.accepted:
                queue.dead_letter(message.body, reason=decision.reason or "invalid",
                                  source_message_id=message.message_id)
                record_dead_letter(store, decision, actor=actor)
            queue.delete(message)
            batch.decisions.append(decision)
    batch.elapsed_s = time.monotonic() - started
    return batch
