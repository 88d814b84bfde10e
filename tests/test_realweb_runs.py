"""The sandbox's real-web sites through a Dagster run and through `dirbolt try` (acceptance 1):
right values in the right fields (the sandbox's own record), one submission each, honeypots empty,
the confirmation-e-mail site `pending_verification`, and the blocked requests in the evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg

from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Priority, SubmissionStatus
from dirbolt_dagster.resources import ArtifactStoreResource, BrainResource, BrowserResource, StoreResource
from dirbolt_dagster.submissions.assets import job_plan, submissions
from dirbolt_sandbox.sites import realweb
from tests.runner_harness import order

BIN = Path(sys.executable).parent
SITES = [cls.id for cls in realweb.SITES]


def _record_problems(sandbox, site_id: str) -> list[str]:
    cls = next(c for c in realweb.SITES if c.id == site_id)
    record = sandbox.submissions(site_id)
    problems = []
    if [r["outcome"] for r in record] != ["accepted"]:
        problems.append(f"record {[(r['outcome'], r['reason']) for r in record]}")  # once, no spam, no duplicate
    else:
        problems += cls.verify_fields(record[0]["fields"], SAMPLE_PROFILE)
    return problems


def test_the_real_web_sites_through_a_dagster_run(store, catalog, sandbox, artifact_dir, database_url, tmp_path):
    store.directories.upsert([d for d in catalog if d.id.removeprefix("sandbox-") in SITES], vouch="sandbox sites")
    job_id = order(store, SAMPLE_PROFILE, priority=Priority.ENTERPRISE, size=len(SITES))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    resources = {"store": StoreResource(database_url=database_url), "browser": BrowserResource(),
                 "brain": BrainResource(), "artifacts": ArtifactStoreResource(uri=str(artifact_dir))}
    result = dg.materialize([job_plan, submissions], partition_key=str(job_id), instance=instance,
                            resources=resources)
    assert result.success

    results = {r.directory_id.removeprefix("sandbox-"): r for r in store.submissions.results(job_id)}
    problems = {}
    for cls in realweb.SITES:
        got = results[cls.id]
        issues = _record_problems(sandbox, cls.id)
        if got.status.value != cls.expected_status:
            issues.append(f"status {got.status.value} ({got.reason})")
        if issues:
            problems[cls.id] = issues
    assert not problems, problems
    assert results["realweb-confirm"].status is SubmissionStatus.PENDING_VERIFICATION
    # What the policy refused is in the attempt's evidence: the CDN's web font (DIRBOLT_BLOCK_RESOURCE_TYPES).
    blocked = results["realweb-cdn"].evidence["blocked_requests"]
    assert any(b["url"].endswith("/cdn/metro.woff2") and "resource type font" in b["reason"] for b in blocked)

    checks = {c.check_name: c for c in result.get_asset_check_evaluations()
              if c.asset_key == dg.AssetKey("submissions")}
    rate = checks["success_rate_above_90"]
    # pending_verification is neither a success nor a failure: 7 of 7 counted, 1 waiting.
    assert rate.metadata["counted"].value == len(SITES) - 1 and rate.metadata["pending_verification"].value == 1
    assert rate.passed and checks["zero_duplicate_submissions"].passed

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DIRBOLT_DATABASE_URL": database_url,
           "DIRBOLT_HOME": str(tmp_path / "home")}
    shown = subprocess.run([str(BIN / "dirbolt"), "results", str(job_id)], env=env, capture_output=True, text=True,
                           timeout=120, cwd=REPO_ROOT)
    assert shown.returncode == 0, shown.stderr
    assert "pending_verification" in shown.stdout and "1 pending_verification: sent, waiting" in shown.stdout


def test_the_real_web_sites_through_dirbolt_try(sandbox, sandbox_server, tmp_path):
    profile = tmp_path / "profile.json"
    profile.write_text(SAMPLE_PROFILE.model_dump_json())

    def one(site_id: str) -> dict:
        out = subprocess.run([str(BIN / "dirbolt"), "try", f"{sandbox_server.url}/sites/{site_id}/submit",
                              "--profile", str(profile), "--json"], capture_output=True, text=True, timeout=240,
                             cwd=REPO_ROOT)
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout)

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = dict(zip(SITES, pool.map(one, SITES), strict=True))
    problems = {}
    for cls in realweb.SITES:
        issues = _record_problems(sandbox, cls.id)
        if outcomes[cls.id]["status"] != cls.expected_status:
            issues.append(f"status {outcomes[cls.id]['status']} ({outcomes[cls.id]['reason']})")
        if issues:
            problems[cls.id] = issues
    assert not problems, problems
    assert any("metro.woff2" in b["url"] for b in outcomes["realweb-cdn"]["blocked_requests"])
    # The human form prints them too.
    shown = subprocess.run([str(BIN / "dirbolt"), "try", f"{sandbox_server.url}/sites/realweb-cdn/submit",
                            "--profile", str(profile), "--dry-run"], capture_output=True, text=True, timeout=240,
                           cwd=REPO_ROOT)
    assert shown.returncode == 0 and "blocked by the network policy" in shown.stdout and "metro.woff2" in shown.stdout
