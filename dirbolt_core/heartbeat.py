"""Worker heartbeats: a background thread writes worker_heartbeats every N seconds."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from dirbolt_core.db.store import Store

log = logging.getLogger(__name__)


def new_worker_id(prefix: str = "worker") -> str:
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Heartbeat:
    """starting → running → idle (→ stopped when the process is done).

    Each change of status is also appended to queue_history. A worker that dies without
    retiring stops beating and its row goes stale.
    """

    def __init__(self, store: Store, worker_id: str, *, interval_s: float = 20.0, run_id: str | None = None,
                 job_id: str | None = None):
        self.store = store
        self.worker_id = worker_id
        self.interval_s = interval_s
        self.run_id = run_id
        self.job_id = job_id
        self.status = "starting"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = 0.0

    def beat(self) -> None:
        self._last_beat = time.monotonic()
        try:
            self.store.workers.heartbeat(self.worker_id, self.status, hostname=socket.gethostname(), pid=os.getpid(),
                                 run_id=self.run_id, job_id=self.job_id)
        except Exception:  # a missed beat must never break the work it reports on
            log.warning("heartbeat write failed", exc_info=True)

    def set_status(self, status: str) -> None:
        changed = status != self.status
        self.status = status
        self.beat()
        if changed:
            self._audit()

    def _audit(self) -> None:
        try:
            self.store.audit.append(entity="worker", event=f"worker_{self.status}", to_status=self.status,
                                      job_id=self.job_id, detail={"worker_id": self.worker_id,
                                                                  "run_id": self.run_id},
                                      actor=self.worker_id)
        except Exception:  # the audit of a heartbeat must not break the work either
            log.warning("heartbeat audit failed", exc_info=True)

    def start(self) -> Heartbeat:
        self.beat()
        self._audit()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{self.worker_id}", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        # Every interval_s after the last beat, whoever wrote it: a change of status beats at once,
        # and the next periodic beat comes a full interval later (beats stay evenly spaced).
        while not self._stop.wait(max(0.0, self._last_beat + self.interval_s - time.monotonic())):
            if time.monotonic() >= self._last_beat + self.interval_s:
                self.beat()

    def stop(self, final_status: str = "idle") -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.set_status(final_status)

    def retire(self) -> None:
        """The process is done for good: a stopped worker is never reported stale."""
        self.stop("stopped")

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
