"""Customer reports: HTML that opens offline in Chromium with every row and proof, CSV, the Dagster asset
and the `report` command.

The 30-directory test seeds the 30 results directly in PostgreSQL (it does not run a job) with
proof images that are real Chromium screenshots of the 30 sandbox directory pages.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import socket
import uuid
from pathlib import Path

import dagster as dg
import pytest
import typer
from PIL import Image
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from dirbolt_cli.reports import register
from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.reports import build_job_report, render_csv, render_html, write_job_report
from dirbolt_core.reports.synthetic import SyntheticResult, seed_results, synthetic_job
from dirbolt_core.runner.browser import CHROMIUM_ARGS, find_chromium
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.vocabulary import SubmissionStatus
from dirbolt_dagster.reports.assets import job_report
from dirbolt_dagster.resources import ArtifactStoreResource, StoreResource
from dirbolt_dagster.submissions.jobs import submit_job
from tests.conftest import ARTIFACT_DIR

STATUSES = [SubmissionStatus.APPROVED, SubmissionStatus.SUBMITTED, SubmissionStatus.NEEDS_MANUAL,
            SubmissionStatus.REJECTED, SubmissionStatus.FAILED, SubmissionStatus.SKIPPED]
HOSTILE_REASON = '<script>alert("pwned")</script> & <b>not bold</b>'
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _planted(directories, shots: dict[str, str]) -> list[SyntheticResult]:
    """Five of each final status; reasons and listing URLs as the runner would write them."""
    out = []
    for i, d in enumerate(directories):
        status = STATUSES[i % len(STATUSES)]
        reason = {SubmissionStatus.APPROVED: "listing is live",
                  SubmissionStatus.SUBMITTED: "pending review: thank you page",
                  SubmissionStatus.NEEDS_MANUAL: "captcha on the form",
                  SubmissionStatus.REJECTED: HOSTILE_REASON if i == 3 else "directory refused: outside region",
                  SubmissionStatus.FAILED: "gave up after 3 attempts: 503",
                  SubmissionStatus.SKIPPED: "already listed"}[status]
        listing = f"{d.url}listing/{i}" if status is SubmissionStatus.APPROVED else None
        if i == 9:
            listing = "javascript:alert(1)"  # a hostile value a directory page could hand back
        out.append(SyntheticResult(directory_id=d.id, status=status, reason=reason, listing_url=listing,
                                   finished_at=NOW - dt.timedelta(minutes=60 - i), processing_time_seconds=30 + i,
                                   screenshot_uri=shots.get(d.id)))
    return out


def test_report_of_30_seeded_results_with_real_screenshots_opens_offline_in_chromium(store, catalog, artifact_dir):
    directories = [d for d in catalog if d.id not in ("sandbox-lazyriver", "sandbox-oldtown")][:30]
    assert len(directories) == 30
    store.directories.upsert(directories, vouch="sandbox sites")
    job_id = synthetic_job(store, SAMPLE_PROFILE.model_dump(mode="json"), package_size=30,
                           queued_at=NOW - dt.timedelta(hours=2), started_at=NOW - dt.timedelta(hours=1),
                           completed_at=NOW)
    artifacts = LocalArtifactStore(artifact_dir)
    ARTIFACT_DIR.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            # Real proof: each directory's own page, screenshotted by Chromium.
            shots: dict[str, str] = {}
            page = browser.new_page(viewport={"width": 720, "height": 480})
            for d in directories:
                page.goto(str(d.submission_url), wait_until="domcontentloaded")
                png = page.screenshot(type="png", animations="disabled", caret="hide")
                shots[d.id] = artifacts.put(f"{job_id}/{d.id}/attempt-1.png", png, "image/png")
            page.close()
            planted = _planted(directories, shots)
            seed_results(store, job_id, planted)

            stored = write_job_report(store, job_id, artifacts)
            assert stored.rows == 30 and stored.thumbnails == 30
            assert stored.html_uri.startswith("file://") and artifacts.exists(stored.html_uri)

            # Offline: the page may load nothing but itself.
            context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
            requests, dialogs = [], []
            context.on("request", lambda r: requests.append(r.url))
            view = context.new_page()
            view.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            view.goto(stored.html_uri, wait_until="load")
            view.screenshot(path=str(ARTIFACT_DIR / "report-30-directories.png"), full_page=True)

            rows = view.evaluate("""() => [...document.querySelectorAll('tr.row')].map(tr => {
                const img = tr.querySelector('td.proof img');
                return {directory: tr.dataset.directory, status: tr.dataset.status,
                        badge: tr.querySelector('.badge').textContent, reason: tr.querySelector('.reason').innerText,
                        links: [...tr.querySelectorAll('td.listing a')].map(a => a.href),
                        src: img ? img.getAttribute('src').slice(0, 30) : null,
                        full: img ? img.src.length : 0,
                        loaded: img ? img.complete && img.naturalWidth > 0 : false,
                        shown: img ? img.getBoundingClientRect().width : 0};
            })""")
            scripts = view.locator("script").count()
            context.close()
        finally:
            browser.close()

    expected = {r.directory_id: r for r in planted}
    assert len(rows) == 30
    assert {r["directory"] for r in rows} == set(expected)
    for row in rows:
        want = expected[row["directory"]]
        assert row["status"] == want.status.value, row
        assert row["loaded"] and row["src"].startswith("data:image/jpeg;base64,") and row["shown"] >= 150, row
        if want.status is SubmissionStatus.APPROVED and want.listing_url.startswith("http"):
            assert row["links"] == [want.listing_url], row
        else:
            assert row["links"] == [], row
    assert {r["badge"] for r in rows} == {"Live", "Submitted", "Needs action", "Rejected", "Failed", "Skipped"}
    # Escaped, never run: the hostile reason reads as text, no script exists, no dialog opened.
    assert any(r["reason"] == HOSTILE_REASON for r in rows)
    assert scripts == 0 and dialogs == []
    # Best news first.
    order = [r["status"] for r in rows]
    assert order == sorted(order, key=[s.value for s in STATUSES].index)
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    shot = ARTIFACT_DIR / "report-30-directories.png"
    with Image.open(shot) as image:
        assert image.width == 1400 and image.height > 30 * 100  # every row is on the page

    # The CSV has the same 30 rows.
    table = list(csv.DictReader(io.StringIO(artifacts.read(stored.csv_uri).decode())))
    assert {r["directory_id"]: r["status"] for r in table} == {k: v.status.value for k, v in expected.items()}
    assert all(r["proof_uri"] == shots[r["directory_id"]] for r in table)


def _png(color: str, size=(640, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def small_job(store, catalog, artifact_dir):
    """Three seeded results with drawn (not browser) proof images; one proof file is missing."""
    directories = catalog[:3]
    store.directories.upsert(directories, vouch="sandbox sites")
    job_id = synthetic_job(store, SAMPLE_PROFILE.model_dump(mode="json"), package_size=3,
                           queued_at=NOW - dt.timedelta(minutes=9), started_at=NOW - dt.timedelta(minutes=8),
                           completed_at=NOW)
    artifacts = LocalArtifactStore(artifact_dir)
    shots = [artifacts.put(f"{job_id}/{d.id}/attempt-1.png", _png(c), "image/png")
             for d, c in zip(directories, ("#cde", "#edc", "#dec"), strict=True)]
    shots[2] = shots[2].replace("attempt-1", "attempt-9")  # points at nothing
    seed_results(store, job_id, [
        SyntheticResult(d.id, status, NOW - dt.timedelta(minutes=i), reason=reason, screenshot_uri=shot,
                        listing_url=f"{d.url}l/1" if status is SubmissionStatus.APPROVED else None)
        for i, (d, status, reason, shot) in enumerate(zip(
            directories, (SubmissionStatus.APPROVED, SubmissionStatus.REJECTED, SubmissionStatus.SUBMITTED),
            ("live", "=HYPERLINK(\"http://evil.example\")", "pending review"), shots, strict=True))])
    return job_id, artifacts, directories


def test_report_survives_a_missing_proof_and_keeps_spreadsheets_safe(store, small_job):
    job_id, artifacts, directories = small_job
    report = build_job_report(store, job_id, artifacts)
    by_id = {r.directory_id: r for r in report.rows}
    assert by_id[directories[2].id].thumbnail is None
    assert by_id[directories[2].id].proof_note == "proof image unavailable"
    assert by_id[directories[0].id].thumbnail.startswith("data:image/jpeg;base64,")
    assert report.success_rate == pytest.approx(2 / 3)
    page = render_html(report)
    assert "proof image unavailable" in page and "http-equiv=\"Content-Security-Policy\"" in page
    assert "<script" not in page.lower() and "=HYPERLINK(&quot;http://evil.example&quot;)" in page
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert next(r for r in rows if r["status"] == "rejected")["reason"].startswith("'=HYPERLINK")


@pytest.fixture
def web_app(artifact_dir, monkeypatch):
    """The operator web app served over HTTP (uvicorn) as outside dev: token required."""
    import threading
    import time

    import uvicorn

    from dirbolt_core.services import free_port
    from dirbolt_core.settings import get_settings
    from dirbolt_core.web.app import create_app

    port = free_port()
    monkeypatch.setenv("DIRBOLT_ENV", "production")
    monkeypatch.setenv("DIRBOLT_WEB_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DIRBOLT_WEB_TOKEN", "test-web-token")
    monkeypatch.setenv("DIRBOLT_ARTIFACTS_URI", str(artifact_dir))
    get_settings.cache_clear()
    server = uvicorn.Server(uvicorn.Config(create_app(get_settings()), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_job_report_asset_stores_the_report_and_links_it(store, small_job, database_url, artifact_dir, web_app):
    """Every link the UI and the customer report show opens over HTTP (the operator web app), never a
    file:// link the browser refuses: the report, its CSV, each proof screenshot."""
    import re

    import httpx

    job_id, _, _ = small_job
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    result = dg.materialize(
        [job_report], partition_key=str(job_id), instance=instance,
        resources={"store": StoreResource(database_url=database_url),
                   "artifacts": ArtifactStoreResource(uri=str(artifact_dir))})
    assert result.success
    metadata = result.asset_materializations_for_node("job_report")[0].metadata
    report_url = metadata["report_html"].value
    assert report_url.startswith(f"{web_app}/artifacts/reports/{job_id}/report.html?sig=")
    assert Path(metadata["report_path"].value).is_file()
    assert metadata["directories"].value == 3 and metadata["count_rejected"].value == 1
    assert metadata["success_rate_percent"].value == pytest.approx(66.67)
    page = httpx.get(report_url, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count('<tr class="row"') == 3
    assert httpx.get(metadata["report_csv"].value, timeout=10).text.count("\n") >= 4
    # The proof links of the UI's table and of the customer report open too (the missing one: 404).
    ui_links = re.findall(r"\[screenshot\]\((http[^)]+)\)", metadata["outcomes"].value)
    report_links = [html.unescape(u) for u in re.findall(r'<a href="([^"]+)"[^>]*>screenshot</a>', page.text)]
    assert len(ui_links) == 3 and sorted(report_links) == sorted(ui_links)
    opened = sorted(httpx.get(u, timeout=10).status_code for u in ui_links)
    assert opened == [200, 200, 404]
    shot = next(u for u in ui_links if httpx.get(u, timeout=10).status_code == 200)
    assert httpx.get(shot, timeout=10).content.startswith(b"\x89PNG")
    # Outside dev nothing opens without the token or a link signed for that very file.
    unsigned = shot.split("?")[0]
    assert httpx.get(unsigned, timeout=10).status_code == 401
    other_key = report_url.split("?")[0] + "?" + shot.split("?")[1]
    assert httpx.get(other_key, timeout=10).status_code == 401
    assert httpx.get(unsigned, headers={"Authorization": "Bearer test-web-token"}, timeout=10).status_code == 200
    assert httpx.get(unsigned, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [("job_report_complete", True)]


def test_the_web_app_refuses_paths_out_of_proof_storage(artifact_dir, tmp_path, web_app):
    import httpx

    secret = tmp_path / "outside.txt"
    secret.write_text("not proof")
    (artifact_dir / "inside.txt").write_text("proof")
    (artifact_dir / "escape").symlink_to(tmp_path)
    bearer = {"Authorization": "Bearer test-web-token"}
    assert httpx.get(f"{web_app}/artifacts/inside.txt", headers=bearer, timeout=10).status_code == 200
    host, port = web_app.removeprefix("http://").split(":")
    for path in ("../outside.txt", "..%2Foutside.txt", "%2e%2e/outside.txt", "escape/outside.txt",
                 "%2Fetc%2Fpasswd", "./inside.txt", "a/../../outside.txt", "..%5Coutside.txt"):
        # Sent as written (an HTTP client would normalize the dots away before they reach the app).
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(f"GET /artifacts/{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer "
                         f"test-web-token\r\nConnection: close\r\n\r\n".encode())
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
        status = int(reply.split(b" ", 2)[1])
        assert status == 404, (path, reply[:200])
        assert b"not proof" not in reply


def test_results_command_prints_where_each_proof_is(store, small_job, database_url, artifact_dir):
    import os
    import subprocess
    import sys

    from dirbolt_core.settings import REPO_ROOT

    job_id, _, _ = small_job
    env = {**os.environ, "DIRBOLT_DATABASE_URL": database_url, "DIRBOLT_ARTIFACTS_URI": str(artifact_dir)}
    done = subprocess.run([sys.executable, "-m", "dirbolt_cli", "results", str(job_id)], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    for result in store.submissions.results(job_id):
        assert f"{result.directory_id} screenshot: {result.screenshot_uri.removeprefix('file://')}" in done.stdout


def test_the_web_app_needs_a_token_outside_dev(artifact_dir, monkeypatch):
    from dirbolt_core.settings import Settings
    from dirbolt_core.web.app import WebConfigError, create_app

    with pytest.raises(WebConfigError, match="DIRBOLT_WEB_TOKEN"):
        create_app(Settings(env="production", artifacts_uri=str(artifact_dir)))
    assert create_app(Settings(env="dev", artifacts_uri=str(artifact_dir))) is not None


def test_the_operator_app_refuses_before_it_opens_a_database_pool(artifact_dir):
    """Outside dev without a token `dirbolt web` stops at the configuration, not at a connection
    to a database (here one nobody listens on)."""
    from dirbolt_core.settings import Settings
    from dirbolt_core.web.app import WebConfigError, operator_app

    with pytest.raises(WebConfigError, match="DIRBOLT_WEB_TOKEN"):
        operator_app(Settings(env="production", artifacts_uri=str(artifact_dir),
                              database_url="postgresql://postgres@127.0.0.1:1/nobody"))


    # Every submit run writes the report too.
    from dirbolt_dagster.definitions import defs

    assert "job_report" in defs.resolve_job_def(submit_job.name).graph.node_dict


def test_a_report_that_cannot_be_written_fails_its_check_not_the_run(store, small_job, database_url, tmp_path):
    job_id, _, _ = small_job
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the artifact folder should be")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("jobs", [str(job_id)])
    result = dg.materialize(
        [job_report], partition_key=str(job_id), instance=instance,
        resources={"store": StoreResource(database_url=database_url),
                   "artifacts": ArtifactStoreResource(uri=str(blocker / "artifacts"))})
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "job_report_complete" and check.passed is False
    assert "error" in check.metadata


def test_report_command_writes_the_report_and_prints_where(store, small_job, database_url, artifact_dir, tmp_path):
    job_id, _, _ = small_job
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """the main CLI, as far as this test needs it"""

    register(app)
    out_dir = tmp_path / "copies"
    result = CliRunner().invoke(app, ["report", str(job_id), "--database-url", database_url,
                                      "--artifacts-uri", str(artifact_dir), "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    html_path = artifact_dir.resolve() / "reports" / str(job_id) / "report.html"
    assert f"html: {html_path}" in result.output
    assert html_path.is_file() and (out_dir / f"dirbolt-report-{job_id}.csv").is_file()
    assert "3 directories" in result.output

    missing = CliRunner().invoke(app, ["report", str(uuid.uuid4()), "--database-url", database_url,
                                       "--artifacts-uri", str(artifact_dir)])
    assert missing.exit_code == 1 and "not in the system of record" in missing.output

    # Every job completed lately, with a bar per job (the small job completed just now).
    recent = CliRunner().invoke(app, ["report", "--completed-since-days", "1", "--database-url", database_url,
                                      "--artifacts-uri", str(artifact_dir)])
    assert recent.exit_code == 0, recent.output
    assert f"job {job_id}: 3 directories" in recent.output


@pytest.mark.parametrize(("size", "mode", "expected"), [
    ((1280, 4000), "RGBA", (480, 360)),  # a tall full-page screenshot: its first screen, shrunk
    ((1280, 600), "RGB", (480, 225)),    # shorter than a screen: all of it, shrunk
    ((320, 200), "P", (320, 200)),       # narrower than a thumbnail: kept as it is
])
def test_thumbnails_are_the_first_screen_as_a_small_jpeg(size, mode, expected):
    from dirbolt_core.reports.thumbnails import thumbnail_data_uri

    shot = Image.new(mode, size)
    if mode != "P":
        shot.paste((200, 30, 30) + ((255,) if mode == "RGBA" else ()), (0, 0, size[0], 40))  # a red header
    buf = io.BytesIO()
    shot.save(buf, "PNG")
    uri = thumbnail_data_uri(buf.getvalue())
    assert uri.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as thumb:
        assert thumb.format == "JPEG" and thumb.mode == "RGB" and thumb.size == expected
        if mode != "P":  # the header survives the cut and the shrink
            r, g, b = thumb.getpixel((thumb.width // 2, 2))
            assert r > 150 and g < 80 and b < 80
