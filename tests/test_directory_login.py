"""Login-required directories: credentials from the secret store, signed in first, never written anywhere.

Runs the CLI as an operator does (probe, run-job, report, list) with DIRBOLT_CREDENTIALS_FILE, then
searches every log line, proof file (names and bytes), report and database row for the secret."""

from __future__ import annotations

import json
import subprocess
import uuid

import httpx
import psycopg
import pytest

from dirbolt_core.catalog import import_catalog
from dirbolt_core.directories.credentials import CredentialsError, CredentialStore, parse_credentials
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.settings import REPO_ROOT, Settings
from dirbolt_core.vocabulary import Priority
from dirbolt_sandbox.kit import DEMO_ACCOUNT
from tests.dagster_harness import BIN

pytestmark = pytest.mark.slow

LOGIN_SITES = ("proguild", "memberbiz")
SITES = (*LOGIN_SITES, "localpages")
USERNAME, PASSWORD = DEMO_ACCOUNT


def _cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "dirbolt"), *args], env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=REPO_ROOT)


def _secret_free(text: str | bytes, where: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    for secret in (PASSWORD, USERNAME):
        assert secret.encode() not in data, f"{secret!r} found in {where}"


def _order(store, size: int) -> uuid.UUID:
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id="agency-7", package_size=size, priority=Priority.ENTERPRISE,
                     business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    return job_id


def test_login_sites_are_submitted_with_stored_credentials_and_excluded_without(
        store, database_url, sandbox_server, sandbox, tmp_path):
    legacy = httpx.get(f"{sandbox_server.url}/_admin/catalog.legacy.json").json()
    legacy["directories"] = [d for d in legacy["directories"] if d["id"].removeprefix("sandbox-") in SITES]
    catalog = tmp_path / "legacy.json"
    catalog.write_text(json.dumps(legacy))
    import_catalog(store, catalog)
    secrets = tmp_path / "secrets" / "directory-credentials.json"
    secrets.parent.mkdir()
    secrets.write_text(json.dumps({"sandbox-proguild": {"username": USERNAME, "password": PASSWORD},
                                   "sandbox-memberbiz": {"email": USERNAME, "password": PASSWORD}}))
    artifacts = tmp_path / "artifacts"
    base_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DIRBOLT_DATABASE_URL": database_url,
                "DIRBOLT_HOME": str(tmp_path / "home"), "DIRBOLT_ARTIFACTS_URI": str(artifacts),
                "DIRBOLT_LOG_LEVEL": "DEBUG"}
    with_secrets = {**base_env, "DIRBOLT_CREDENTIALS_FILE": str(secrets)}
    outputs: list[tuple[str, str]] = []

    # Probe with the secret store: each login site is login_required, and signed in, ready behind it.
    probed = _cli(with_secrets, "directories", "probe", "--all", "--json")
    outputs.append(("probe", probed.stdout + probed.stderr))
    assert probed.returncode == 0, probed.stderr[-2000:]
    verdicts = {r["id"]: r for r in json.loads(probed.stdout)}
    for site in LOGIN_SITES:
        assert verdicts[f"sandbox-{site}"]["readiness"] == "login_required"
        assert "signed in with stored credentials: behind it ready" in verdicts[f"sandbox-{site}"]["reason"]
    assert verdicts["sandbox-localpages"]["readiness"] == "ready"

    listed = _cli(with_secrets, "directories", "list", "--json")
    outputs.append(("list", listed.stdout + listed.stderr))
    assert all(r["planned"] for r in json.loads(listed.stdout))

    # A job plans all three and the worker signs in before submitting.
    job_id = _order(store, 3)
    worker = _cli(with_secrets, "run-job", str(job_id))
    outputs.append(("run-job", worker.stdout + worker.stderr))
    assert worker.returncode == 0, worker.stderr[-3000:]
    results = {r.directory_id: r for r in store.submissions.results(job_id)}
    assert set(results) == {f"sandbox-{s}" for s in SITES}
    p = SAMPLE_PROFILE
    expected_fields = {
        "proguild": {"companyName": p.business_name, "companyPhone": p.phone, "companyWebsite": p.website},
        "memberbiz": {"company": p.business_name, "phone": p.phone, "email": p.email, "website": p.website,
                      "description": p.description},
    }
    for site in LOGIN_SITES:
        result = results[f"sandbox-{site}"]
        assert result.status.is_success, result.reason
        assert result.evidence.get("signed_in") is True
        accepted = sandbox.accepted(site)
        assert len(accepted) == 1 and accepted[0]["fields"] == expected_fields[site]
    report = _cli(with_secrets, "report", str(job_id), "--out", str(tmp_path / "report"))
    outputs.append(("report", report.stdout + report.stderr))
    assert report.returncode == 0, report.stderr

    # Without the secret store: excluded from plans, with the reason in `directories list`.
    listed = _cli(base_env, "directories", "list", "--json")
    outputs.append(("list without", listed.stdout + listed.stderr))
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    for site in LOGIN_SITES:
        assert not rows[f"sandbox-{site}"]["planned"]
        assert "no credentials" in rows[f"sandbox-{site}"]["excluded_reason"]
    assert rows["sandbox-localpages"]["planned"]
    job_without = _order(store, 3)
    worker = _cli(base_env, "run-job", str(job_without))
    outputs.append(("run-job without", worker.stdout + worker.stderr))
    assert [r.directory_id for r in store.submissions.results(job_without)] == ["sandbox-localpages"]
    assert store.jobs.get(job_without).short_by == 2

    # Wrong credentials: the probe says so (without the secret), plans leave the site out.
    wrong = tmp_path / "secrets" / "wrong.json"
    wrong.write_text(json.dumps({"sandbox-proguild": {"username": USERNAME, "password": PASSWORD + "-old"}}))
    probed = _cli({**base_env, "DIRBOLT_CREDENTIALS_FILE": str(wrong)}, "directories", "probe", "sandbox-proguild",
                  "--json")
    outputs.append(("probe wrong", probed.stdout + probed.stderr))
    verdict = json.loads(probed.stdout)[0]
    assert verdict["readiness"] == "login_required" and "refused the stored credentials" in verdict["reason"]
    state = store.directories.state("sandbox-proguild")
    assert state.probe.signed_in is False

    # The secret is nowhere: logs and output of every command, proof files, reports, the database.
    for where, text in outputs:
        _secret_free(text, where)
    for path in artifacts.rglob("*"):
        _secret_free(str(path), "an artifact's name")
        if path.is_file():
            _secret_free(path.read_bytes(), str(path))
    for path in (tmp_path / "report").iterdir():
        _secret_free(path.read_bytes(), str(path))
    with psycopg.connect(database_url) as conn:
        for table in ("job_results", "directory_probes", "directories", "directory_events", "queue_history", "jobs",
                      "learned_mappings"):
            dump = conn.execute(f"SELECT coalesce(string_agg(t::text, '\n'), '') FROM {table} t").fetchone()[0]
            _secret_free(dump, f"table {table}")


def test_credentials_are_read_from_env_or_file_and_never_shown(tmp_path):
    good = json.dumps({"d1": {"username": "agency", "password": "hunter2-long-secret"}})
    store = CredentialStore.from_settings(Settings(directory_credentials=good))
    assert store.ids() == {"d1"} and store.get("d1").value_for("password") == "hunter2-long-secret"
    assert store.get("d1").value_for("email") == "agency"  # a login name stands in for the other
    assert "hunter2" not in repr(store) + repr(store.get("d1")) + repr(Settings(directory_credentials=good))
    path = tmp_path / "creds.json"
    path.write_text(json.dumps({"d2": {"email": "a@b.example", "password": "pw-from-file"}}))
    both = CredentialStore.from_settings(Settings(directory_credentials=good, credentials_file=path))
    assert both.ids() == {"d1", "d2"}
    with pytest.raises(CredentialsError) as bad:
        parse_credentials('{"d1": {"password": "only-a-password-xyz"}}', source="env")
    assert "only-a-password-xyz" not in str(bad.value) and "d1" in str(bad.value)
    broken = CredentialStore.from_settings(Settings(directory_credentials='{"d1": {"password": "s3cr3t-x",'))
    assert broken.ids() == frozenset() and "not JSON" in broken.error and "s3cr3t" not in broken.error
    missing = CredentialStore.from_settings(Settings(credentials_file=tmp_path / "absent.json"))
    assert "absent.json" in missing.error
    assert Settings(directory_credentials="", credentials_file="").credentials_file is None
