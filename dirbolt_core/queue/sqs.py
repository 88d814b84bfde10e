"""The jobs queue and its dead-letter queue on SQS (boto3, any endpoint)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

MAIN_VISIBILITY_TIMEOUT_S = 600
MAIN_RETENTION_S = 24 * 3600
DLQ_RETENTION_S = 14 * 24 * 3600
# SQS caps message attributes at 256 KiB together with the body; keep reasons short.
MAX_REASON_CHARS = 1000
_MISSING_QUEUE_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    attributes: dict[str, str] = field(default_factory=dict)


class JobQueue:
    def __init__(
        self,
        *,
        endpoint_url: str | None,
        region: str = "us-east-1",
        queue_name: str = "dirbolt-jobs",
        dlq_name: str = "dirbolt-jobs-dlq",
        max_receive_count: int = 5,
    ):
        self.endpoint_url = endpoint_url
        self.queue_name = queue_name
        self.dlq_name = dlq_name
        self.max_receive_count = max_receive_count
        self._client = boto3.client(
            "sqs",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        )
        self._queue_url: str | None = None
        self._dlq_url: str | None = None

    # The client is created per process: boto3 clients are thread-safe but not fork-safe.
    @property
    def client(self) -> Any:
        return self._client

    def ensure(self) -> None:
        """Create both queues (idempotent) and wire the redrive policy."""
        self._dlq_url = self._client.create_queue(
            QueueName=self.dlq_name,
            Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_S)},
        )["QueueUrl"]
        dlq_arn = self._client.get_queue_attributes(QueueUrl=self._dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self._queue_url = self._client.create_queue(
            QueueName=self.queue_name,
            Attributes={
                "VisibilityTimeout": str(MAIN_VISIBILITY_TIMEOUT_S),
                "MessageRetentionPeriod": str(MAIN_RETENTION_S),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(self.max_receive_count)}
                ),
            },
        )["QueueUrl"]

    @property
    def queue_url(self) -> str:
        if self._queue_url is None:
            self.ensure()
        assert self._queue_url is not None
        return self._queue_url

    @property
    def dlq_url(self) -> str:
        if self._dlq_url is None:
            self.ensure()
        assert self._dlq_url is not None
        return self._dlq_url

    def attributes(self, *, dlq: bool = False) -> dict[str, str]:
        url = self.dlq_url if dlq else self.queue_url
        return self._client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    def _recreating(self, call: Any) -> Any:
        """Run call(); if the queues are gone (a restarted local server, a deleted queue), create
        them again and retry once. Other errors propagate."""
        try:
            return call()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _MISSING_QUEUE_CODES:
                raise
            self._queue_url = self._dlq_url = None
            self.ensure()
            return call()

    def send(self, body: str | dict[str, Any], *, delay_s: int = 0) -> str:
        text = body if isinstance(body, str) else json.dumps(body)
        return self._recreating(lambda: self._client.send_message(
            QueueUrl=self.queue_url, MessageBody=text, DelaySeconds=delay_s))["MessageId"]

    def receive(
        self, *, max_messages: int = 10, wait_s: int = 0, visibility_timeout_s: int | None = None,
        dlq: bool = False,
    ) -> list[ReceivedMessage]:
        kwargs: dict[str, Any] = {
            "QueueUrl": self.dlq_url if dlq else self.queue_url,
            "MaxNumberOfMessages": max(1, min(10, max_messages)),
            "WaitTimeSeconds": wait_s,
            "AttributeNames": ["ApproximateReceiveCount"],
            "MessageAttributeNames": ["All"],
        }
        if visibility_timeout_s is not None:
            kwargs["VisibilityTimeout"] = visibility_timeout_s

        def call() -> dict[str, Any]:
            kwargs["QueueUrl"] = self.dlq_url if dlq else self.queue_url
            return self._client.receive_message(**kwargs)

        messages = self._recreating(call).get("Messages", [])
        return [
            ReceivedMessage(
                message_id=m["MessageId"],
                receipt_handle=m["ReceiptHandle"],
                body=m.get("Body", ""),
                receive_count=int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
                attributes={k: v.get("StringValue", "") for k, v in m.get("MessageAttributes", {}).items()},
            )
            for m in messages
        ]

    def delete(self, message: ReceivedMessage, *, dlq: bool = False) -> None:
        self._client.delete_message(
            QueueUrl=self.dlq_url if dlq else self.queue_url, ReceiptHandle=message.receipt_handle
        )

    def dead_letter(self, body: str, *, reason: str, source_message_id: str | None = None) -> str:
        """Put a message on the DLQ with the reason as a message attribute."""
        attributes = {"reason": {"DataType": "String", "StringValue": reason[:MAX_REASON_CHARS] or "-"}}
        if source_message_id:
            attributes["source_message_id"] = {"DataType": "String", "StringValue": source_message_id}
        # An SQS body must be non-empty valid Unicode; keep what arrived, verbatim where possible.
        safe_body = body if body else "<empty>"
        return self._recreating(lambda: self._client.send_message(
            QueueUrl=self.dlq_url, MessageBody=safe_body, MessageAttributes=attributes))["MessageId"]

    def drain_dlq(self, *, max_messages: int = 100) -> list[ReceivedMessage]:
        """Read (without deleting) what is on the DLQ; for operators and tests.

        Messages are held invisible while they are read so each is seen once, then made
        visible again: the DLQ keeps them for whoever handles them next.
        """
        seen: dict[str, ReceivedMessage] = {}
        while len(seen) < max_messages:
            batch = self.receive(max_messages=10, wait_s=0, visibility_timeout_s=60, dlq=True)
            if not batch:
                break
            for m in batch:
                seen.setdefault(m.message_id, m)
        for m in seen.values():
            self._client.change_message_visibility(QueueUrl=self.dlq_url, ReceiptHandle=m.receipt_handle,
                                                   VisibilityTimeout=0)
        return list(seen.values())

    def depth(self) -> dict[str, int]:
        main = self.attributes()
        dlq = self.attributes(dlq=True)
        return {
            "visible": int(main.get("ApproximateNumberOfMessages", 0)),
            "in_flight": int(main.get("ApproximateNumberOfMessagesNotVisible", 0)),
            "dlq": int(dlq.get("ApproximateNumberOfMessages", 0)),
        }
