"""Structured logs: ids from context on every line, and no customer data in any log output.

The acceptance test runs a real job (real runner, real sandbox sites, real Chromium, real
PostgreSQL) for a profile full of personal data, with every logger at DEBUG, and reads back
everything written to stdout/stderr (JSON lines, warnings, exceptions, child processes).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
import threading
import uuid
import warnings

import dagster as dg
import pytest
import structlog

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.jobs import RunContext, plan_job, run_submissions
from dirbolt_core.logs import (
    ID_KEYS,
    ProgressThrottle,
    clear_sensitive,
    configure_logging,
    log_context,
    progress_line,
    redact,
    register_sensitive,
    reset_logging,
)
from dirbolt_core.models import BusinessProfile
from dirbolt_core.runner.browser import BrowserOptions
from dirbolt_core.vocabulary import Priority
from tests.conftest import SandboxAdmin

PERSONAL = BusinessProfile(
    business_name="Okonkwo-Lindqvist Family Dental",
    website="https://okonkwo-lindqvist-dental.example",
    email="Adaeze.Okonkwo@privatemail.example",
    phone="(415) 555-0199",
    fax="(415) 555-0198",
    address_line1="2718 Wisteria Terrace",
    address_line2="Apt 4B",
    city="Sausalito",
    state="CA",
    postal_code="94965",
    country="US",
    description=("Okonkwo-Lindqvist Family Dental is run by Dr. Adaeze Okonkwo-Lindqvist and her husband "
                 "Torbjörn Lindqvist; call Adaeze on her mobile (415) 555-0199 or write to "
                 "adaeze.okonkwo@privatemail.example. Gentle family dentistry, cleanings, crowns and "
                 "emergency visits in Marin County."),
    short_description="Gentle family dentistry in Sausalito by Dr. Adaeze Okonkwo-Lindqvist.",
    category="Dentist",
    keywords=["dentist", "sausalito dental", "family dentistry"],
    contact_name="Adaeze Okonkwo-Lindqvist",
    contact_first_name="Adaeze",
    contact_last_name="Okonkwo-Lindqvist",
    contact_title="Practice Owner",
    hours="Mon-Fri 8am-5pm",
    facebook_url="https://facebook.com/okonkwolindqvistdental",
)

# What must never be readable in a log, in the spellings it could take.
FORBIDDEN = [
    "okonkwo", "lindqvist", "adaeze", "torbjörn", "torbjorn", "wisteria", "sausalito", "94965",
    "privatemail", "4155550199", "415-555-0199", "(415) 555-0199", "415.555.0199", "555-0199", "555-0198",
    "family dental", "gentle family dentistry", "apt 4b",
]


def _leaks(text: str) -> list[str]:
    lowered = text.casefold()
    return [f for f in FORBIDDEN if f in lowered]


@pytest.fixture
def logging_reset():
    clear_sensitive()
    yield
    reset_logging()
    clear_sensitive()


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# ----------------------------------------------------------------- redaction
def test_registered_values_are_redacted_in_every_spelling(logging_reset):
    register_sensitive(PERSONAL)
    samples = [
        "typed 4155550199 and +1 415 555 0199 and 415.555.0199",
        "email ADAEZE.OKONKWO@PRIVATEMAIL.EXAMPLE",
        "first=Adaeze last=Okonkwo-Lindqvist street=2718 Wisteria Terrace, Apt 4B, Sausalito 94965",
        json.dumps(PERSONAL.model_dump(mode="json")),
        repr(PERSONAL.model_dump(mode="json")),
        str(PERSONAL),
        # A description cut by a field's maxlength, and the derived short description.
        PERSONAL.description[:120] + "…",
        PERSONAL.value_for("short_description"),
    ]
    for text in samples:
        assert _leaks(redact(text)) == [], redact(text)
    # What operators need stays: ids, statuses, numbers, hosts.
    keep = "job 7d9c1f3a-1234-5678-9abc-0123456789ab sandbox-bizspot submitted in 12.5s at 127.0.0.1:8710 2026"
    assert redact(keep) == keep


def test_unregistered_emails_phones_and_street_addresses_are_redacted_by_shape():
    text = "mail jane.roe@example.org, call (212) 555-0123 or +44 20 7946 0958, visit 350 Fifth Avenue"
    out = redact(text)
    assert "jane.roe" not in out and "555-0123" not in out and "7946" not in out and "Fifth Avenue" not in out
    assert out.count("[email]") == 1 and out.count("[phone]") == 2 and out.count("[address]") == 1


# ------------------------------------------------------------- ids and shape
def test_every_json_line_has_the_ids_of_its_task_and_attempt(logging_reset):
    stream = io.StringIO()
    configure_logging(json=True, level="DEBUG", stream=stream, excepthooks=False)
    log = logging.getLogger("dirbolt_core.test_ids")
    log.info("outside any job")

    async def directory(directory_id: str) -> None:
        with log_context(directory_id=directory_id):
            for attempt in (1, 2):
                with log_context(attempt=attempt):
                    await asyncio.sleep(0.01)  # interleave the tasks
                    log.info("attempt for %s", directory_id)
                    await asyncio.to_thread(log.debug, "from a worker thread")

    async def job() -> None:
        await asyncio.gather(*(directory(f"dir-{i}") for i in range(3)))

    with log_context(job_id="job-1", run_id="run-9", worker_id="w-1"):
        asyncio.run(job())
        log.warning("structured", extra={"directory_id": "dir-x", "count": 3})
    lines = [line for line in _json_lines(stream.getvalue()) if line["logger"] == log.name]
    assert len(lines) == 1 + 3 * 2 * 2 + 1
    for line in lines:
        assert list(line)[:7] == ["ts", "level", "logger", *ID_KEYS], line
    assert lines[0]["job_id"] is None and lines[0]["run_id"] is None
    per_attempt = [line for line in lines if line["msg"].startswith(("attempt for", "from a worker"))]
    assert len(per_attempt) == 12
    for line in per_attempt:
        assert (line["job_id"], line["run_id"], line["worker_id"]) == ("job-1", "run-9", "w-1")
        assert line["attempt"] in (1, 2)
        if line["msg"].startswith("attempt for"):
            assert line["msg"] == f"attempt for {line['directory_id']}"
    seen = {(line["directory_id"], line["attempt"]) for line in per_attempt}
    assert seen == {(f"dir-{i}", a) for i in range(3) for a in (1, 2)}
    assert lines[-1]["directory_id"] == "dir-x" and lines[-1]["count"] == 3


def test_text_format_for_people_keeps_ids_and_redaction(logging_reset):
    stream = io.StringIO()
    configure_logging(json=False, stream=stream, excepthooks=False)
    with log_context(job_id="job-2", directory_id="sandbox-x", attempt=1, run_id="r", sensitive=PERSONAL):
        logging.getLogger("dirbolt_core.t").info("typed %s", PERSONAL.email)
    out = stream.getvalue()
    assert "job_id=job-2 directory_id=sandbox-x attempt=1 run_id=r" in out
    assert "[redacted]" in out and _leaks(out) == []


def test_progress_line_says_where_the_run_is_and_hides_customer_data(logging_reset):
    register_sensitive(PERSONAL)
    line = progress_line(3, 30, "sandbox-northonly", "rejected", elapsed_s=45,
                         reason=f"A listing for {PERSONAL.business_name} already exists")
    assert line.startswith("[3/30] sandbox-northonly: rejected — A listing for [redacted] already exists")
    assert "45s elapsed, ~6m45s left" in line
    assert progress_line(2, 2, "d", "submitted", already_recorded=True) == "[2/2] d: submitted (already recorded)"


def test_the_run_event_log_gets_the_first_the_last_the_failures_and_one_line_per_interval():
    now = [0.0]
    throttle = ProgressThrottle(10.0, clock=lambda: now[0])
    sent = []
    # (seconds into the run, a submission that did not go through)
    for done, (at, notable) in enumerate([(1, False), (2, False), (5, False), (9, True), (12, False),
                                          (18, False), (19.5, False), (22, False), (23, False)], start=1):
        now[0] = at
        if throttle.due(done, 9, notable=notable):
            sent.append(done)
    # 1: the first; 4: did not go through (it restarts the interval); 7: 10.5 s after 4; 9: the last
    assert sent == [1, 4, 7, 9]


def test_dagster_run_logs_are_redacted_too(logging_reset):
    """context.log messages go to the run's event log (the UI), not through our handler: the record
    factory redacts them at creation all the same."""
    configure_logging(stream=io.StringIO(), excepthooks=False)

    @dg.asset
    def chatty(context) -> None:
        context.log.info(f"submitting for {PERSONAL.contact_name}, {PERSONAL.phone}")

    instance = dg.DagsterInstance.ephemeral()
    with log_context(job_id="job-3", sensitive=PERSONAL):
        result = dg.materialize([chatty], instance=instance)
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert "submitting for [redacted], [redacted]" in messages
    assert _leaks("\n".join(messages)) == []


# ----------------------------------------------------------------- acceptance
SITES = ["localpages", "bizspot", "northonly", "citywide"]


def test_a_real_job_with_personal_data_leaves_none_of_it_in_the_logs(
        store, catalog, sandbox_server, artifact_dir, capfd, logging_reset):
    # The sandbox's record is read, not reset or reconfigured: this business is new to it.
    sandbox = SandboxAdmin(sandbox_server.url)
    configure_logging(json=True, level="DEBUG")  # to stderr, as a run process does
    directories = [d for d in catalog if d.id.removeprefix("sandbox-") in SITES]
    store.directories.upsert(directories, vouch="sandbox sites")
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id="cust-pii", package_size=len(directories),
                     priority=Priority.ENTERPRISE, business_data=PERSONAL.model_dump(mode="json"))
    log = logging.getLogger("dirbolt_core.test_run")
    profile = PERSONAL.model_dump(mode="json")

    def on_progress(done: int, total: int, report) -> None:
        # The Dagster asset logs this per submission; reasons are the directories' words.
        log.info(progress_line(done, total, report.directory_id, report.status.value, reason=report.reason))

    with log_context(job_id=job_id, run_id="run-pii", sensitive=PERSONAL):
        plan_job(store, job_id, actor="test")
        ctx = RunContext(artifacts=LocalArtifactStore(artifact_dir), brain=FormBrain(), browser=BrowserOptions(),
                         run_id="run-pii")
        summary = asyncio.run(run_submissions(store, job_id, ctx, on_progress=on_progress))

        # The careless calls a later change could add: each one carries the customer's data.
        log.info("profile %s", profile)
        log.debug("business data", extra={"business_data": profile, "note": f"for {PERSONAL.contact_name}"})
        log.warning("typed values %s", {r.directory_id: r.field_values for r in store.submissions.results(job_id)})
        try:
            raise RuntimeError(f"could not reach {PERSONAL.contact_name} <{PERSONAL.email}> "
                               f"at {PERSONAL.address_line1}, {PERSONAL.city}")
        except RuntimeError:
            log.exception("submission crashed")
            sys.excepthook(*sys.exc_info())  # what an uncaught exception in the CLI would do
        warnings.warn(f"odd phone {PERSONAL.phone} for {PERSONAL.business_name}", UserWarning, stacklevel=1)
        structlog.get_logger("dirbolt_core.structured").info("typed", email=PERSONAL.email, phone=PERSONAL.phone,
                                                              directory_id="sandbox-bizspot")
        thread = threading.Thread(target=_raise_in_thread, args=(PERSONAL.address_line1,), name="leaky")
        thread.start()
        thread.join()

    out, err = capfd.readouterr()
    everything = out + err
    # The job really ran and the personal data really went into the directories' forms.
    assert {r.directory_id for r in summary.reports} == {d.id for d in directories}
    ours = [s for s in sandbox.submissions() if "okonkwo" in json.dumps(s).casefold()]
    assert "privatemail" in json.dumps(ours).casefold()
    assert [s for s in ours if s["outcome"] == "accepted"], ours

    assert _leaks(everything) == [], [line for line in everything.splitlines() if _leaks(line)][:5]
    lines = _json_lines(err)
    loggers = {line["logger"] for line in lines}
    assert {"dirbolt_core.test_run", "py.warnings", "dirbolt.uncaught", "dirbolt_core.structured"} <= loggers
    assert len([line for line in lines if re.match(r"\[\d+/\d+\] ", line["msg"])]) == len(directories)
    assert any(line.get("exc") and "RuntimeError" in line["exc"] for line in lines)
    assert any(line["logger"] == "dirbolt.uncaught" and "leaky" in line["msg"] for line in lines)
    for line in lines:
        assert all(key in line for key in ID_KEYS), line
        # Lines of this job carry its ids; a thread started by hand has no context (documented).
        if line["logger"].startswith(("dirbolt_core", "py.warnings")):
            assert line["job_id"] == str(job_id) and line["run_id"] == "run-pii", line
    structured = next(line for line in lines if line["logger"] == "dirbolt_core.structured")
    assert structured["email"] == "[redacted]" and structured["directory_id"] == "sandbox-bizspot"
    assert re.search(r"\[(redacted|email|phone|address)\]", err)


def _raise_in_thread(address: str) -> None:
    raise ValueError(f"geocoding failed for {address}")
