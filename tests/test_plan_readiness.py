"""Plans use ready directories; a package larger than them records its shortfall (job, report, `dirbolt
results`, the job_plan check); the readiness asset, its checks, sensor and schedule; compose imports the
catalog on start."""

from __future__ import annotations

import json
import subprocess
import uuid

import dagster as dg
import httpx
import pytest
import yaml

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.catalog import import_catalog
from dirbolt_core.db.probes import ProbeRecord
from dirbolt_core.directories.credentials import CredentialStore, DirectoryCredential
from dirbolt_core.jobs import plan_job
from dirbolt_core.models import Directory
from dirbolt_core.reports import render_html, write_job_report
from dirbolt_core.reports.job_report import build_job_report
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Priority, Readiness
from tests.dagster_harness import BIN
from tests.probe_pages import serve_probe_pages
from tests.runner_harness import run_in_process


def _directory(directory_id: str, *, tier: int = 3, da: int = 10, **kw) -> Directory:
    url = f"https://{directory_id}.example/add"
    return Directory(id=directory_id, name=directory_id.title(), url=url, submission_url=url, tier=tier,
                     domain_authority=da, **kw)


def _order(store, size: int) -> uuid.UUID:
    job_id = uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id="c", package_size=size, priority=Priority.GROWTH,
                     business_data=SAMPLE_PROFILE.model_dump(mode="json"))
    return job_id


@pytest.fixture
def mixed_catalog(store):
    """One directory per readiness and override, each with the rank that would put it first."""
    store.directories.upsert([
        _directory("ready-best", tier=1, da=90), _directory("ready-second", tier=1, da=50),
        _directory("ready-tier2", tier=2, da=99), _directory("review", tier=1, da=99),
        _directory("captcha", tier=1, da=99), _directory("gone", tier=1, da=99), _directory("fresh", tier=1, da=99),
        _directory("members", tier=1, da=99), _directory("members-nocreds", tier=1, da=99),
        _directory("paused", tier=1, da=99), _directory("retired", tier=1, da=99, is_active=False),
        _directory("ready-login-flag", tier=1, da=99, requires_login=True),
    ])
    repository = store.directories
    for directory_id, readiness, reason in [
            ("ready-best", Readiness.READY, "form ok"), ("ready-second", Readiness.READY, "form ok"),
            ("ready-tier2", Readiness.READY, "form ok"), ("review", Readiness.NEEDS_REVIEW, "EIN unmapped"),
            ("captcha", Readiness.CAPTCHA, "recaptcha"), ("gone", Readiness.UNREACHABLE, "HTTP 410"),
            ("members", Readiness.LOGIN_REQUIRED, "sign-in"), ("members-nocreds", Readiness.LOGIN_REQUIRED, "sign-in"),
            ("paused", Readiness.READY, "form ok"), ("retired", Readiness.READY, "form ok"),
            ("ready-login-flag", Readiness.READY, "form ok")]:
        store.probes.record(ProbeRecord(directory_id=directory_id, readiness=readiness, reason=reason))
    repository.set_enabled("paused", False, reason="client complaint", actor="ops")
    return repository


def test_plans_use_ready_directories_and_record_the_shortfall(store, mixed_catalog):
    credentials = CredentialStore({"members": DirectoryCredential(username="u", password="p" * 12)})
    job_id = _order(store, 10)
    plan = plan_job(store, job_id, actor="test", credentials=credentials)
    # Best first among those that may be planned: members (tier 1, DA 99, credentials), then the rest.
    assert plan.directory_ids == ["members", "ready-best", "ready-second", "ready-tier2"]
    assert plan.short_by == 6 and "short by 6" in plan.shortfall
    assert store.jobs.get(job_id).short_by == 6
    [short] = [h for h in store.audit.history(job_id) if h.event == "plan_short"]
    assert short.detail["short_by"] == 6
    # A rerun reuses the stored plan and its shortfall, whatever the catalog became.
    mixed_catalog.vouch(["review"], reason="checked", actor="ops", force=True)
    again = plan_job(store, job_id, actor="rerun", credentials=credentials)
    assert again.reused and again.directory_ids == plan.directory_ids and again.short_by == 6
    # Why each other directory was left out, as `directories list` shows it.
    from dirbolt_core.directories.readiness import plan_exclusion

    reasons = {s.id: plan_exclusion(s, has_credentials=s.id in credentials) for s in mixed_catalog.states()}
    assert reasons["captcha"].startswith("captcha") and reasons["gone"].startswith("unreachable: HTTP 410")
    assert reasons["fresh"].startswith("never probed")
    assert reasons["members-nocreds"].startswith("login required") and "no credentials" in reasons["members-nocreds"]
    assert reasons["ready-login-flag"].startswith("login required")
    assert reasons["paused"] == "disabled by ops: client complaint"
    assert reasons["retired"] == "inactive in the catalog"
    # A package the ready directories fill has no shortfall.
    full = _order(store, 2)
    assert plan_job(store, full, actor="test", credentials=credentials).short_by == 0
    assert store.jobs.get(full).short_by == 0


def test_the_shortfall_shows_in_the_report_results_and_the_job_plan_check(store, mixed_catalog, database_url,
                                                                          tmp_path):
    from dirbolt_dagster.resources import StoreResource
    from dirbolt_dagster.submissions.assets import job_plan

    short_job, full_job = _order(store, 12), _order(store, 2)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(short_job), str(full_job)])
    evaluations = {}
    for job_id in (short_job, full_job):
        result = dg.materialize([job_plan], partition_key=str(job_id), instance=instance,
                                resources={"store": StoreResource(database_url=database_url)})
        assert result.success
        [evaluations[job_id]] = result.get_asset_check_evaluations()
        # The UI lists the planned directories, in plan order.
        [mat] = result.asset_materializations_for_node("job_plan")
        planned = store.submissions.planned_directory_ids(job_id)
        assert mat.metadata["directories"].value == "\n".join(f"{n}. {d}" for n, d in enumerate(planned, 1))
    short = evaluations[short_job]
    assert short.check_name == "package_filled" and not short.passed
    assert short.severity is dg.AssetCheckSeverity.ERROR
    assert short.metadata["short_by"].value == 9 and short.metadata["planned"].value == 3
    assert evaluations[full_job].passed

    report = build_job_report(store, short_job, None, thumbnails=False)
    assert report.short_by == 9
    html = render_html(report)
    assert "Short by 9:" in html and "id=\"shortfall\"" in html
    assert "Short by" not in render_html(build_job_report(store, full_job, None, thumbnails=False))
    stored = write_job_report(store, short_job, LocalArtifactStore(tmp_path / "artifacts"))
    assert stored.short_by == 9

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DIRBOLT_DATABASE_URL": database_url,
           "DIRBOLT_HOME": str(tmp_path / "home")}
    shown = subprocess.run([str(BIN / "dirbolt"), "results", str(short_job)], env=env, capture_output=True,
                           text=True, timeout=120, cwd=REPO_ROOT)
    assert shown.returncode == 0, shown.stderr
    assert "SHORT BY 9" in shown.stdout and "short by 9" in shown.stdout
    full = subprocess.run([str(BIN / "dirbolt"), "results", str(full_job)], env=env, capture_output=True,
                          text=True, timeout=120, cwd=REPO_ROOT)
    assert "SHORT BY" not in full.stdout


def test_an_imported_and_probed_catalog_is_planned_and_submitted(store, sandbox_server, sandbox, tmp_path):
    """The production path: the legacy list imported, probed, planned from ready directories, submitted."""
    from dirbolt_core.brain.mapper import FormBrain
    from dirbolt_core.runner.browser import BrowserOptions
    from dirbolt_core.runner.probing import ProbeRun, probe_directories

    sites = ("localpages", "verifiedfinder", "commerceregistry", "citywide")
    legacy = httpx.get(f"{sandbox_server.url}/_admin/catalog.legacy.json").json()
    legacy["directories"] = [d for d in legacy["directories"] if d["id"].removeprefix("sandbox-") in sites]
    path = tmp_path / "agency.json"
    path.write_text(json.dumps(legacy))
    assert import_catalog(store, path).counts["imported"] == 4
    import asyncio

    run = ProbeRun(artifacts=LocalArtifactStore(tmp_path / "artifacts"), brain=FormBrain(), browser=BrowserOptions())
    asyncio.run(probe_directories(store, store.directories.list(), run))
    job_id = _order(store, 5)
    summary = run_in_process(store, job_id, tmp_path / "artifacts")
    assert sorted(r.directory_id for r in summary.reports) == ["sandbox-citywide", "sandbox-localpages"]
    assert all(r.status.is_success for r in summary.reports)
    assert len(sandbox.accepted("localpages")) == 1 and len(sandbox.accepted("citywide")) == 1
    assert sandbox.submissions("verifiedfinder") == [] and sandbox.submissions("commerceregistry") == []
    assert store.jobs.get(job_id).short_by == 3


def test_readiness_asset_flags_drift_and_a_falling_ready_share(store, database_url, tmp_path):
    from dirbolt_dagster.directories.assets import (
        NO_FORM_DRIFT,
        READY_SHARE_HOLDS,
        ReadinessConfig,
        directory_readiness,
    )
    from dirbolt_dagster.directories.sensors import unprobed_directories_sensor
    from dirbolt_dagster.resources import ArtifactStoreResource, BrainResource, BrowserResource, StoreResource

    with serve_probe_pages() as pages:
        directories = [Directory(id="atlas", name="Trade Atlas", url=pages.url + "/ready/",
                                 submission_url=pages.url + "/ready/"),
                       Directory(id="blog", name="SEO Blog", url=pages.url + "/article/",
                                 submission_url=pages.url + "/article/")]
        store.directories.upsert(directories)
        resources = {"store": StoreResource(database_url=database_url), "browser": BrowserResource(),
                     "brain": BrainResource(),
                     "artifacts": ArtifactStoreResource(uri=str(tmp_path / "artifacts"))}
        # The sensor asks for a probe of what was never probed.
        with dg.build_sensor_context(resources={"store": resources["store"]}) as context:
            request = unprobed_directories_sensor(context)
        assert sorted(request.run_config["ops"]["directory_readiness"]["config"]["directory_ids"]) == ["atlas", "blog"]
        # Last week both were ready, the atlas with another form.
        store.probes.record(ProbeRecord(directory_id="atlas", readiness=Readiness.READY,
                                        form_signature="0123456789abcdef"))
        store.probes.record(ProbeRecord(directory_id="blog", readiness=Readiness.READY,
                                        form_signature="fedcba9876543210"))
        result = dg.materialize([directory_readiness], instance=dg.DagsterInstance.ephemeral(), resources=resources,
                                run_config=dg.RunConfig(ops={"directory_readiness": ReadinessConfig(scope="all")}))
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks[NO_FORM_DRIFT].passed and checks[NO_FORM_DRIFT].metadata["drifted"].value == 1
    assert "atlas" in checks[NO_FORM_DRIFT].metadata["directories"].value
    assert not checks[READY_SHARE_HOLDS].passed
    assert checks[READY_SHARE_HOLDS].metadata["ready_share_before"].value == 1.0
    assert checks[READY_SHARE_HOLDS].metadata["ready_share_after"].value == 0.5
    materialization = result.asset_materializations_for_node("directory_readiness")[0]
    assert materialization.metadata["found"].value == {"ready": 1, "no_form": 1}
    assert pages.posts() == []
    with dg.build_sensor_context(resources={"store": resources["store"]}) as context:
        assert isinstance(unprobed_directories_sensor(context), dg.SkipReason)


def test_definitions_schedule_a_weekly_probe_of_every_directory():
    from dirbolt_dagster.definitions import defs

    schedule = defs.get_schedule_def("weekly_directory_probe")
    assert schedule.cron_schedule == "0 3 * * 1"
    assert schedule.job_name == "directory_readiness_job"
    assert defs.get_sensor_def("unprobed_directories_sensor") is not None


def test_compose_imports_the_catalog_on_start_idempotently(database_url, sandbox_server, tmp_path):
    """docker-compose's catalog service command, run as compose runs it (sh, the environment)."""
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["catalog"]
    assert compose["x-dirbolt-env"]["DIRBOLT_CATALOG_PATH"].startswith("${DIRBOLT_CATALOG_PATH:-")
    assert compose["services"]["code-server"]["depends_on"]["catalog"]["condition"] == \
        "service_completed_successfully"
    assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    command = [part.replace("$$", "$") for part in service["command"]]  # compose's escape for a literal $
    legacy = httpx.get(f"{sandbox_server.url}/_admin/catalog.legacy.json").json()
    path = tmp_path / "agency-catalog.json"
    path.write_text(json.dumps(legacy))
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "DIRBOLT_DATABASE_URL": database_url,
           "DIRBOLT_HOME": str(tmp_path / "home"), "DIRBOLT_CATALOG_PATH": str(path),
           "DIRBOLT_DIRECTORY_CREDENTIALS": "", "DIRBOLT_CREDENTIALS_FILE": ""}
    runs = [subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
            for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    total = len(legacy["directories"])
    assert f"imported: {total}" in runs[0].stdout.replace("\n", " ")
    assert f"unchanged: {total}" in runs[1].stdout.replace("\n", " ") and "imported: 0" in runs[1].stdout
