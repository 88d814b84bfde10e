"""Security: where the browser may go, secrets never printed, the one-form CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from dirbolt_core.runner.guard import BlockedUrl, UrlGuard
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.settings import REPO_ROOT

DIRBOLT = str(Path(sys.executable).with_name("dirbolt"))


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "javascript:alert(1)", "data:text/html,<h1>x</h1>", "ftp://example.com/",
    "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
    "chrome://settings/",
])
def test_the_browser_only_goes_to_http_pages_and_never_to_metadata(url):
    guard = UrlGuard(["https://dir.example/submit", "http://127.0.0.1:8710/sites/x/submit"])
    with pytest.raises(BlockedUrl):
        guard.check(url)
    # The real web: a directory's pages load from and redirect to other public origins (CDNs, www).
    assert guard.allows("https://dir.example/other/page") and guard.allows("https://cdn.other.example/app.js")
    assert guard.allows("http://127.0.0.1:8710/sites/y/")


def test_production_mode_refuses_local_and_private_addresses():
    dev = UrlGuard(["http://127.0.0.1:8710/", "http://localhost:9000/", "http://10.0.0.5/"])
    prod = UrlGuard(["http://127.0.0.1:8710/", "http://localhost:9000/", "http://10.0.0.5/"], production=True)
    for url in ("http://127.0.0.1:8710/a", "http://localhost:9000/b", "http://10.0.0.5/c"):
        assert dev.allows(url)
        with pytest.raises(BlockedUrl, match="production"):
            prod.check(url)


def _profile_file(tmp_path: Path) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(SAMPLE_PROFILE.model_dump_json())
    return path


def test_try_maps_and_fills_without_submitting_in_a_dry_run_then_submits(sandbox, sandbox_server, tmp_path):
    url = f"{sandbox_server.url}/sites/citylisted/submit"
    dry = subprocess.run([DIRBOLT, "try", url, "--profile", str(_profile_file(tmp_path)), "--json", "--dry-run"],
                         capture_output=True, text=True, timeout=180, cwd=REPO_ROOT)
    assert dry.returncode == 0, dry.stderr[-2000:]
    outcome = json.loads(dry.stdout)
    assert outcome["status"] == "pending" and outcome["dry_run"] is True
    keys = {f["name"]: f["key"] for f in outcome["fields"]}
    assert keys["f_01"] == "business_name" and keys["f_03"] == "email" and keys["f_url2"] == "honeypot"
    honeypot = next(f for f in outcome["fields"] if f["key"] == "honeypot")
    assert honeypot["value"] is None
    assert sandbox.submissions("citylisted") == []

    live = subprocess.run([DIRBOLT, "try", url, "--profile", str(_profile_file(tmp_path)), "--json"],
                          capture_output=True, text=True, timeout=180, cwd=REPO_ROOT)
    assert live.returncode == 0, live.stderr[-2000:]
    assert json.loads(live.stdout)["status"] == "submitted"
    assert len(sandbox.accepted("citylisted")) == 1


def test_try_refuses_a_file_url_before_opening_a_browser(tmp_path):
    out = subprocess.run([DIRBOLT, "try", "file:///etc/passwd", "--profile", str(_profile_file(tmp_path))],
                         capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert out.returncode == 2 and "refused" in out.stdout


def test_commands_never_print_the_database_password(database_url, tmp_path):
    secret = "Sup3rS3cretPassw0rd"
    url = "postgresql://postgres:{}@127.0.0.1:5432/{}".format(secret, psycopg.conninfo.conninfo_to_dict(
        database_url)["dbname"])
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DIRBOLT_DATABASE_URL": url}
    for args in (["migrate"], ["migration", "status"], ["migration", "route", "10", "--force"]):
        out = subprocess.run([DIRBOLT, *args], env=env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        assert secret not in out.stdout + out.stderr, args
    bad = subprocess.run([DIRBOLT, "migration", "status"], capture_output=True, text=True, timeout=120,
                         cwd=REPO_ROOT, env={**env, "DIRBOLT_DATABASE_URL": url.replace("127.0.0.1", "127.0.0.2")
                                             .replace(":5432", ":1")})
    assert bad.returncode != 0 and secret not in bad.stdout + bad.stderr
