"""Probing directories: the runner's dry run classifies each page and never submits.

Pages of every kind are served here apart from the sandbox (tests/probe_pages.py), plus the whole
sandbox through the CLI, end to end from its legacy-format catalog."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import httpx
import pytest

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.models import Directory
from dirbolt_core.runner.browser import BrowserOptions
from dirbolt_core.runner.probing import ProbeRun, probe_directories
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Readiness
from tests.dagster_harness import BIN
from tests.probe_pages import EXPECTED, free_port, serve_probe_pages


def _directory(directory_id: str, url: str, **kw) -> Directory:
    return Directory(id=directory_id, name=directory_id, url=url, submission_url=url, **kw)


def _run(tmp_path: Path, **kw) -> ProbeRun:
    return ProbeRun(artifacts=LocalArtifactStore(tmp_path / "artifacts"), brain=FormBrain(),
                    browser=BrowserOptions(step_timeout_ms=8000, navigation_timeout_ms=8000), concurrency=4,
                    backoff_s=0.1, **kw)


@pytest.fixture(scope="module")
def pages():
    with serve_probe_pages() as server:
        yield server


def test_probe_classifies_every_kind_of_page_and_posts_nothing(store, pages, tmp_path):
    directories = [_directory(f"page{i}", pages.url + path) for i, path in enumerate(EXPECTED)]
    closed = free_port()
    directories += [
        _directory("refused", f"http://127.0.0.1:{closed}/add"),
        _directory("no-dns", "http://directory-that-does-not-exist.invalid/add"),
        _directory("bad-tls", f"https://127.0.0.1:{pages.port}/ready/"),
        _directory("flaky", pages.url + "/flaky/"),
    ]
    expected = {f"page{i}": want for i, want in enumerate(EXPECTED.values())}
    expected |= {"refused": "unreachable", "no-dns": "unreachable", "bad-tls": "unreachable", "flaky": "ready"}
    store.directories.upsert(directories)
    records = asyncio.run(probe_directories(store, directories, _run(tmp_path)))
    got = {r.directory_id: r for r in records}
    assert {k: r.readiness.value for k, r in got.items()} == expected, {k: r.reason for k, r in got.items()}
    # Nothing was ever posted: a probe never presses submit.
    assert pages.posts() == []

    ready = got[f"page{list(EXPECTED).index('/ready/')}"]
    assert ready.form_signature and ready.screenshot_uri and Path(ready.screenshot_uri.removeprefix("file://")).exists()
    keys = {m["label"]: m["key"] for m in ready.mapping}
    assert keys["Company *"] == "business_name" and keys["E-mail address *"] == "email"
    review = got[f"page{list(EXPECTED).index('/unmappable/')}"]
    problems = {u["name"] for u in review.unmapped}
    assert {"vatnr", "kvk", "nace"} <= problems and "firma" not in problems and "mail" not in problems
    assert "VAT registration number" in review.reason
    assert got["no-dns"].reason.startswith("DNS") and "CONNECTION_REFUSED" in got["refused"].reason
    assert got["bad-tls"].reason.startswith(("TLS", "connection"))
    assert got[f"page{list(EXPECTED).index('/missing/')}"].http_status == 404
    assert got["flaky"].evidence["tries"] == 2
    # Recorded: the latest verdict on the directory, every probe kept.
    repository = store.directories
    assert repository.state("page0").readiness is Readiness.READY
    assert repository.state("refused").readiness is Readiness.UNREACHABLE
    assert len(store.probes.history("flaky")) == 1


def test_a_legacy_catalogs_form_mapping_lets_the_probe_map_what_the_page_does_not_name(store, pages, tmp_path):
    from dirbolt_core.catalog import import_catalog

    entry = {"submissionUrl": pages.url + "/opaque/", "tier": "starter"}
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps({"directories": [
        {**entry, "id": "opaque-plain", "name": "Plain"},
        {**entry, "id": "opaque-hinted", "name": "Hinted",
         "formMapping": {"businessName": ["input[name=x1]"], "email": ["input[name=x2]"], "phone": "[name=x3]"}},
    ]}))
    assert import_catalog(store, path).counts["imported"] == 2
    records = asyncio.run(probe_directories(store, store.directories.list(), _run(tmp_path)))
    got = {r.directory_id: r for r in records}
    assert got["opaque-plain"].readiness is Readiness.NEEDS_REVIEW
    assert {u["name"] for u in got["opaque-plain"].unmapped} == {"x1", "x2", "x3"}
    assert got["opaque-hinted"].readiness is Readiness.READY, got["opaque-hinted"].reason
    assert {m["name"]: m["strategy"] for m in got["opaque-hinted"].mapping} == {
        "x1": "catalog_hint", "x2": "catalog_hint", "x3": "catalog_hint"}
    assert pages.posts() == []


def test_probes_keep_each_directorys_pace(store, pages, tmp_path):
    """Two probe rounds at once on one directory: the second waits the directory's rate limit."""
    paced = _directory("paced", pages.url + "/paced/", rate_limit_ms=1500)
    store.directories.upsert([paced])

    async def both():
        await asyncio.gather(probe_directories(store, [paced], _run(tmp_path)),
                             probe_directories(store, [paced], _run(tmp_path)))

    asyncio.run(both())
    first, second = sorted(pages.gets("/paced/"))[:2]
    assert second - first >= 1.4  # the slot is held while the page is read, then 1.5 s must pass


def test_drift_is_a_changed_signature_since_the_last_success(store):
    """The repository's drift query: a ready probe, then another form signature."""
    from dirbolt_core.db.probes import ProbeRecord

    store.directories.upsert([_directory("d1", "https://d1.example/add"), _directory("d2", "https://d2.example/add"),
                              _directory("d3", "https://d3.example/add")])
    store.probes.record(ProbeRecord(directory_id="d1", readiness=Readiness.READY, form_signature="aaa"))
    store.probes.record(ProbeRecord(directory_id="d1", readiness=Readiness.NEEDS_REVIEW, form_signature="bbb"))
    store.probes.record(ProbeRecord(directory_id="d2", readiness=Readiness.READY, form_signature="ccc"))
    store.probes.record(ProbeRecord(directory_id="d2", readiness=Readiness.READY, form_signature="ccc"))
    # Never a success: a changed form is not drift from anything.
    store.probes.record(ProbeRecord(directory_id="d3", readiness=Readiness.NEEDS_REVIEW, form_signature="x"))
    store.probes.record(ProbeRecord(directory_id="d3", readiness=Readiness.NEEDS_REVIEW, form_signature="y"))
    drifted = store.probes.drifted()
    assert [(d.directory_id, d.signature, d.ready_signature) for d in drifted] == [("d1", "bbb", "aaa")]
    # A live success the brain learned from counts as a success too.
    with store.connection() as conn:
        conn.execute("INSERT INTO learned_mappings (directory_id, signature, fields) VALUES ('d3', 'x', '[]')")
    assert {d.directory_id for d in store.probes.drifted()} == {"d1", "d3"}


@pytest.mark.slow
def test_probe_over_the_sandbox_from_its_legacy_catalog_classifies_each_site_and_submits_nothing(
        database_url, sandbox_server, sandbox, tmp_path):
    """End to end as an operator runs it: fetch the legacy list, import it, probe everything."""
    legacy = httpx.get(f"{sandbox_server.url}/_admin/catalog.legacy.json").json()
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(legacy))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DIRBOLT_DATABASE_URL": database_url,
           "DIRBOLT_HOME": str(tmp_path / "home"), "DIRBOLT_ARTIFACTS_URI": str(tmp_path / "artifacts"),
           "DIRBOLT_PROBE_CONCURRENCY": "4"}
    imported = subprocess.run([str(BIN / "dirbolt"), "directories", "import", str(path), "--json"], env=env,
                              capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["counts"]["imported"] == len(legacy["directories"])
    probed = subprocess.run([str(BIN / "dirbolt"), "directories", "probe", "--all", "--json"], env=env,
                            capture_output=True, text=True, timeout=540, cwd=REPO_ROOT)
    assert probed.returncode == 0, probed.stderr[-3000:]
    verdicts = {r["id"]: r["readiness"] for r in json.loads(probed.stdout)}
    expected = {f"sandbox-{e['site']}": e["expected_readiness"]
                for e in httpx.get(f"{sandbox_server.url}/_admin/expected").json()}
    assert verdicts == expected
    # The sandbox's own record: nothing accepted, nothing posted at all.
    assert sandbox.accepted() == []
    assert sandbox.submissions() == []
    listed = subprocess.run([str(BIN / "dirbolt"), "directories", "list", "--json"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows["sandbox-localpages"]["planned"] and rows["sandbox-localpages"]["probe"]["form_signature"]
    assert not rows["sandbox-verifiedfinder"]["planned"]
    assert rows["sandbox-verifiedfinder"]["excluded_reason"].startswith("captcha")
    assert rows["sandbox-proguild"]["excluded_reason"].startswith("login required")
