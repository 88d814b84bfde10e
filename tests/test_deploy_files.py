"""Deployment files parse: docker-compose (v1 client's `config`) and the catalog."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from dirbolt_core.settings import REPO_ROOT

REQUIRED_SERVICES = {"postgres", "sqs", "dagster-webserver", "dagster-daemon", "code-server", "catalog"}


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed (.ci/run installs it)")
def test_docker_compose_config_parses_and_names_every_part():
    result = subprocess.run(["docker-compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    services = set(yaml.safe_load(result.stdout)["services"])
    assert services >= REQUIRED_SERVICES, services
