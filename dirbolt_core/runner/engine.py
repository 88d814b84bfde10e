"""Runs a job's submissions: claims, pacing, retries, proof, bounded concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base

from dirbolt_core.artifacts import ArtifactStore, image_kind
from dirbolt_core.brain.outcome import OutcomeAnalysis
from dirbolt_core.brain.protocols import Brain
from dirbolt_core.db.store import Store
from dirbolt_core.directories.credentials import CredentialStore
from dirbolt_core.faults import failpoint
from dirbolt_core.heartbeat import Heartbeat
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.logs import log_context
from dirbolt_core.models import Directory, Job, SubmissionOutcome
from dirbolt_core.runner.browser import BrowserPool
from dirbolt_core.runner.pacing import release_slot, wait_for_slot
from dirbolt_core.runner.session import JobSession
from dirbolt_core.runner.signin import sign_in_first
from dirbolt_core.runner.submit import AttemptResult, SubmissionAttempt, fixes_for
from dirbolt_core.vocabulary import SubmissionStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
ATTEMPT_TIMEOUT_S = 120.0
# A row another live worker holds: how often to look again, and for how long at most.
IN_FLIGHT_POLL_S = 1.0
IN_FLIGHT_WAIT_S = 600.0


class BackoffWait(wait_base):
    """1 s, 2 s, 4 s, 8 s … capped at 60 s, ±25% jitter, and never sooner than a Retry-After."""

    def __init__(self, initial_s: float = 1.0, cap_s: float = 60.0, jitter: float = 0.25,
                 rng: random.Random | None = None):
        self.initial_s = initial_s
        self.cap_s = cap_s
        self.jitter = jitter
        self.rng = rng or random.Random()

    def __call__(self, retry_state: Any) -> float:
        base = min(self.cap_s, self.initial_s * 2 ** (retry_state.attempt_number - 1))
        delay = base * (1 + self.rng.uniform(-self.jitter, self.jitter))
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after_s", None)
        if retry_after:
            delay = max(delay, min(retry_after, self.cap_s))
        return delay


class TransientFailure(Exception):
    def __init__(self, result: AttemptResult):
        super().__init__(result.analysis.reason)
        self.result = result
        self.retry_after_s = result.analysis.retry_after_s


@dataclass
class _Tried:
    """A directory's attempts, done: the last one's result, every attempt's line, rate-limit waits."""

    result: AttemptResult
    history: list[dict[str, Any]]
    attempt_no: int
    wait_ms: int


@dataclass
class DirectoryReport:
    directory_id: str
    status: SubmissionStatus
    reason: str | None
    attempts: int = 0
    submitted_now: bool = False  # False when the key was already final or in flight


@dataclass
class JobRunSummary:
    job_id: str
    reports: list[DirectoryReport] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.status.value for r in self.reports))


class JobRunner:
    def __init__(self, *, store: Store, artifacts: ArtifactStore, brain: Brain, pool: BrowserPool,
                 worker_id: str, run_id: str | None = None, heartbeat: Heartbeat | None = None,
                 max_attempts: int = MAX_ATTEMPTS, backoff: BackoffWait | None = None,
                 step_timeout_ms: int = 15_000, slot_lease_s: float = 180.0, shadow: bool = False,
                 credentials: CredentialStore | None = None,
                 in_flight_wait_s: float = IN_FLIGHT_WAIT_S):
        self.store = store
        self.artifacts = artifacts
        self.brain = brain
        self.pool = pool
        self.worker_id = worker_id
        self.run_id = run_id
        self.heartbeat = heartbeat
        self.max_attempts = max_attempts
        self.backoff = backoff or BackoffWait()
        self.step_timeout_ms = step_timeout_ms
        self.slot_lease_s = slot_lease_s
        self.shadow = shadow
        self.in_flight_wait_s = in_flight_wait_s
        self.credentials = credentials
        self.progress: list[str] = []
        self._session: JobSession | None = None
        self.last_session: JobSession | None = None

    async def run_job(self, job: Job, directories: list[Directory],
                      on_progress: Any | None = None) -> JobRunSummary:
        summary = JobRunSummary(job_id=str(job.id))
        slots = asyncio.Semaphore(job.priority.max_concurrent_submissions)
        if self.heartbeat:
            self.heartbeat.set_status("running")
        done = 0

        async def one(directory: Directory) -> DirectoryReport:
            nonlocal done
            with log_context(directory_id=directory.id):
                try:
                    report = await self._submit_directory(job, directory, slots)
                except Exception as exc:  # one directory's bug never sinks the job
                    log.exception("submission crashed")
                    report = DirectoryReport(directory.id, SubmissionStatus.FAILED, f"internal error: {exc}")
            done += 1
            if on_progress is not None:
                on_progress(done, len(directories), report)
            return report

        # One context for the job's business, its pages reused from one directory to the next.
        self._session = JobSession(self.pool)
        try:
            summary.reports = list(await asyncio.gather(*(one(d) for d in directories)))
        finally:
            session, self._session = self._session, None
            self.last_session = session  # its counts (contexts, pages opened and reused) stay readable
            await session.close()
        return summary

    async def _submit_directory(self, job: Job, directory: Directory, slots: asyncio.Semaphore
                                ) -> DirectoryReport:
        key = idempotency_key(job.id, directory.id, job.business_data, mode="shadow" if self.shadow else "live")
        waited_since: float | None = None
        while True:
            # Claimed only when a slot is free: a 'processing' row means work really in flight.
            tried: _Tried | None = None
            async with slots:
                claim = await asyncio.to_thread(
                    self.store.submissions.claim, key=key, job_id=job.id, directory=directory,
                    owner=self.worker_id, run_id=self.run_id, shadow=self.shadow)
                if claim.claimed:
                    tried = await self._attempts(job, directory, key)
                elif claim.unknown_outcome:
                    return await self._resolve_unknown(key, directory, claim.attempts)
                elif claim.status is not SubmissionStatus.PROCESSING:
                    return DirectoryReport(directory.id, claim.status, "already recorded", claim.attempts, False)
            if tried is not None:
                # The browser's part is done: the slot goes to the next directory while this one's
                # proof is stored and its row written (still `processing` until then).
                outcome = await self._record(job, directory, key, tried)
                return DirectoryReport(directory.id, outcome.status, outcome.reason, tried.attempt_no, True)
            # Another live worker (another host running the same shard, a rerun launched while the first
            # run still works) has it in flight: wait for its outcome, or for its lease to end, so this
            # shard ends only when its rows are final.
            waited_since = waited_since or time.monotonic()
            if time.monotonic() - waited_since > self.in_flight_wait_s:
                return DirectoryReport(directory.id, claim.status, "in flight on another live worker",
                                       claim.attempts, False)
            await asyncio.sleep(IN_FLIGHT_POLL_S)

    async def _resolve_unknown(self, key: str, directory: Directory, attempts: int) -> DirectoryReport:
        """A previous run pressed submit and died before recording: never submit blindly again."""
        outcome = SubmissionOutcome(
            status=SubmissionStatus.NEEDS_MANUAL, confidence=0.3,
            reason="outcome unknown: a previous run pressed submit and stopped before recording the "
                   "answer; verify the listing before submitting again",
            evidence={"recovered_by": self.worker_id})
        await asyncio.to_thread(self.store.submissions.finish, key, outcome, actor=self.worker_id,
                                shadow=self.shadow)
        return DirectoryReport(directory.id, outcome.status, outcome.reason, attempts, False)

    async def _attempts(self, job: Job, directory: Directory, key: str) -> _Tried:
        history: list[dict[str, Any]] = []
        total_wait_ms = 0
        result: AttemptResult | None = None
        attempt_no = 0
        try:
            async for attempt in AsyncRetrying(stop=stop_after_attempt(self.max_attempts), wait=self.backoff,
                                               retry=retry_if_exception_type(TransientFailure), reraise=True):
                with attempt, log_context(attempt=attempt.retry_state.attempt_number):
                    attempt_no = attempt.retry_state.attempt_number
                    result, wait_ms = await self._one_attempt(job, directory, key, attempt_no)
                    total_wait_ms += wait_ms
                    history.append({"attempt": attempt_no, "at": time.time(), "status": result.analysis.status,
                                    "reason": result.analysis.reason, "rate_limit_wait_ms": wait_ms})
                    if result.analysis.transient:
                        raise TransientFailure(result)
        except TransientFailure as exc:
            result = exc.result
            result.analysis.reason = f"gave up after {attempt_no} attempts: {result.analysis.reason}"
        assert result is not None
        return _Tried(result, history, attempt_no, total_wait_ms)

    async def _record(self, job: Job, directory: Directory, key: str, tried: _Tried) -> SubmissionOutcome:
        """Store the proof, learn from the answer, write the final row."""
        outcome = await self._outcome(job, directory, tried.result, tried.attempt_no)
        outcome.evidence["attempts"] = tried.history
        await self._learn(directory, tried.result)
        await asyncio.to_thread(self.store.submissions.finish, key, outcome, actor=self.worker_id,
                                rate_limit_wait_ms=tried.wait_ms, shadow=self.shadow)
        return outcome

    async def _learn(self, directory: Directory, result: AttemptResult) -> None:
        """Remember mappings that led to a confirmed success; forget learned ones that got refused."""
        status = result.analysis.status
        try:
            if status.is_success and result.submit_pressed and not self.shadow:
                for form, mapping, url in result.filled_forms:
                    await asyncio.to_thread(self.brain.learn, directory, form, mapping, url)
            elif status is SubmissionStatus.REJECTED and result.analysis.validation_errors:
                store = self.brain.learned_store
                used = [m.signature for _, m, _ in result.filled_forms
                        if any(f.strategy == "learned" for f in m.fields)]
                if store is not None and used:
                    for signature in used:
                        await asyncio.to_thread(store.invalidate, directory.id, signature=signature,
                                                reason=f"rejected: {result.analysis.reason}"[:300])
        except Exception:  # learning is an optimisation; the submission's outcome stands
            log.warning("learning from %s failed", directory.id, exc_info=True)

    async def _pace(self, directory: Directory, priority: int) -> int:
        """Wait for the directory's slot (enterprise first); returns the milliseconds spent waiting."""
        return await wait_for_slot(self.store, directory, holder=self.worker_id, lease_s=self.slot_lease_s,
                                   priority=priority)

    async def _one_attempt(self, job: Job, directory: Directory, key: str, attempt_no: int
                           ) -> tuple[AttemptResult, int]:
        max_lengths: dict[str, int] = {}
        wait_ms = 0
        result: AttemptResult | None = None
        for fix_pass in range(2):  # a fixable validation error gets one more try
            wait_ms += await self._pace(directory, job.priority.rank)
            pressed = False

            async def on_submit_started() -> None:
                nonlocal pressed
                await failpoint("before_submit")
                pressed = True
                await asyncio.to_thread(self.store.submissions.mark_submit_started, key, shadow=self.shadow)

            await asyncio.to_thread(self.store.submissions.record_attempt, key, shadow=self.shadow)
            # A first attempt takes a page of the job's context; a retry or a fix pass starts clean
            # (a fresh context: nothing of the attempt before it).
            shared = self._session if attempt_no == 1 and fix_pass == 0 else None
            page = None
            clean = False
            blocked_mark = 0
            if shared is not None:
                context, page = await shared.page()
                blocked_mark = self.pool.blocked_mark(context)
            else:
                context = await self.pool.new_context()
            try:
                # Login-required directories: sign in first with the secret store's credentials.
                signed = await sign_in_first(context, directory, self.credentials, self.brain,
                                             step_timeout_ms=self.step_timeout_ms)
                if signed is not None and signed.refused:
                    result = AttemptResult(analysis=OutcomeAnalysis(
                        status=SubmissionStatus.NEEDS_MANUAL, confidence=0.8,
                        reason=f"sign-in failed: {signed.reason}", evidence=dict(signed.evidence)))
                else:
                    attempt = SubmissionAttempt(context=context, directory=directory, profile=job.profile,
                                                brain=self.brain, step_timeout_ms=self.step_timeout_ms,
                                                dry_run=self.shadow, on_submit_started=on_submit_started,
                                                max_lengths=max_lengths, page=page)
                    result = await asyncio.wait_for(attempt.run(), timeout=ATTEMPT_TIMEOUT_S)
                    clean = True
                    if signed is not None:
                        result.analysis.evidence["signed_in"] = signed.signed_in
            except Exception as exc:
                result = self._crashed(exc, pressed)
            finally:
                blocked = (self.pool.blocked_requests(context) if shared is None
                           else self.pool.blocked_requests(context, since=blocked_mark))
                if blocked and result is not None:
                    # What the network policy refused (metadata, private addresses, heavy resources).
                    result.analysis.evidence["blocked_requests"] = blocked
                    if shared is not None:
                        # The job's context: its other pages' refusals in the same moments are in the window.
                        result.analysis.evidence["blocked_requests_scope"] = "job context, during this attempt"
                if shared is not None and page is not None:
                    await shared.give_back(page, reusable=clean)
                else:
                    with contextlib.suppress(Exception):  # the browser may have died with the page
                        await context.close()
                await release_slot(self.store, directory, holder=self.worker_id)
            if result.submit_pressed:
                # Pressed, answered, not yet recorded: the window a crash makes an unknown outcome.
                await failpoint("after_submit")
            if result.analysis.transient and result.submit_pressed:
                # The directory answered 429/5xx: it accepted nothing, so a retry is safe.
                await asyncio.to_thread(self.store.submissions.clear_submit_started, key, shadow=self.shadow)
            fixes = fixes_for(result.analysis) if result.analysis.status is SubmissionStatus.REJECTED else {}
            if fix_pass == 0 and fixes and any(max_lengths.get(k) != v for k, v in fixes.items()):
                max_lengths.update(fixes)
                await asyncio.to_thread(self.store.submissions.clear_submit_started, key, shadow=self.shadow)
                continue
            break
        assert result is not None
        return result, wait_ms

    @staticmethod
    def _crashed(exc: BaseException, pressed: bool) -> AttemptResult:
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        if pressed:
            analysis = OutcomeAnalysis(
                status=SubmissionStatus.NEEDS_MANUAL, confidence=0.3,
                reason=f"outcome unknown: {reason} after pressing submit; verify before resubmitting")
        else:
            analysis = OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.5, reason=reason,
                                       transient=True)
        return AttemptResult(analysis=analysis, submit_pressed=pressed)

    async def _outcome(self, job: Job, directory: Directory, result: AttemptResult, attempt_no: int
                       ) -> SubmissionOutcome:
        a = result.analysis
        prefix = f"{job.id}/{directory.id}/attempt-{attempt_no}"
        screenshot_uri = html_uri = None
        if result.screenshot:
            suffix, content_type = image_kind(result.screenshot)
            screenshot_uri = await asyncio.to_thread(self.artifacts.put, f"{prefix}{suffix}", result.screenshot,
                                                     content_type)
        if result.html:
            html_uri = await asyncio.to_thread(self.artifacts.put, f"{prefix}.html", result.html.encode(),
                                               "text/html; charset=utf-8")
        status = a.status
        evidence_extra: dict[str, Any] = {}
        if self.shadow and status is SubmissionStatus.PENDING:
            # Shadow mode: filled and ready; the final submit is never pressed.
            status = SubmissionStatus.SUBMITTED
            a.reason = "shadow: form filled, final submit not pressed"
            evidence_extra["shadow"] = True
        return SubmissionOutcome(
            status=status, reason=a.reason, confidence=a.confidence, listing_url=a.listing_url,
            evidence={**a.evidence, **evidence_extra, "final_url": result.final_url, "timings": result.timings,
                      "strategies": dict(Counter(f.strategy for f in result.mapping.fields))
                      if result.mapping else {}},
            field_values=result.field_values, screenshot_uri=screenshot_uri, html_uri=html_uri,
        )
