"""Alerts to a webhook that speaks Slack's incoming-webhook JSON ({"text": ...})."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    kind: str  # dlq_depth | stale_workers | failure_rate | job_dead_lettered
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        lines = [f"*dirbolt alert: {self.kind}*", self.summary]
        lines += [f"• {k}: {v}" for k, v in self.details.items()]
        return {"text": "\n".join(lines), "kind": self.kind, "details": self.details}


class AlertSender:
    """Posts alerts; a webhook that is down never breaks the caller (the alert is logged instead)."""

    def __init__(self, webhook_url: str | None, *, timeout_s: float = 5.0):
        self.webhook_url = webhook_url
        self.timeout_s = timeout_s

    def send(self, alert: Alert) -> bool:
        log.warning("alert %s: %s", alert.kind, alert.summary)
        if not self.webhook_url:
            return False
        try:
            self._post(alert.payload())
            return True
        except httpx.HTTPError:
            log.exception("alert webhook failed")
            return False

    @retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.5, max=4),
           retry=retry_if_exception_type(httpx.HTTPError), reraise=True)
    def _post(self, payload: dict[str, Any]) -> None:
        response = httpx.post(self.webhook_url, json=payload, timeout=self.timeout_s)
        response.raise_for_status()
