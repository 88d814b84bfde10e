"""The brain's CLI commands: map-form (files and URLs, one start-up for many inputs) and brain-serve."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dirbolt_cli import brain as brain_commands
from dirbolt_cli import forms as form_commands
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.runner.sources import SourceReader, map_sources
from dirbolt_core.services import ManagedProcess

PAGE_A = """<html><body><form action="/s"><input name="q" placeholder="Search"><input type="submit" value="Go">
</form><form><label>Company <input name="co"></label><label>E-mail <input name="mail"></label>
<input type="hidden" name="token" value="x"><input name="fld_77"><button>Send</button></form></body></html>"""
PAGE_B = """<form><label>Vorname <input name="vn"></label><label>Nachname <input name="nn"></label></form>"""


@pytest.fixture
def pages(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    a.write_text(PAGE_A)
    b.write_text(PAGE_B)
    return a, b


def app() -> typer.Typer:
    cli = typer.Typer()
    form_commands.register(cli)
    brain_commands.register(cli)
    return cli


def test_map_form_prints_one_json_line_per_input(pages: tuple[Path, Path]) -> None:
    a, b = pages
    result = CliRunner().invoke(app(), ["map-form", "--json", str(a), str(b)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.strip().splitlines()]
    assert [x["source"] for x in lines] == [str(a), str(b)]
    first = lines[0]["forms"]
    assert [f["index"] for f in first] == [0, 1] and all(len(f["signature"]) == 16 for f in first)
    assert [(f["name"], f["key"], f["strategy"]) for f in first[1]["fields"]] == [
        ("co", "business_name", "heuristic"), ("mail", "email", "heuristic"), ("token", "unknown", "heuristic"),
        ("fld_77", "unknown", "heuristic")]  # every named control; the unnamed button is not submitted
    assert set(first[1]["fields"][0]) == {"name", "id", "key", "confidence", "strategy"}
    assert [f["key"] for f in lines[1]["forms"][0]["fields"]] == ["contact_first_name", "contact_last_name"]


def test_a_bad_input_is_reported_and_the_others_still_mapped(pages: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["map-form", "--json", str(tmp_path / "missing.html"), str(pages[1])])
    assert result.exit_code == 1
    lines = [json.loads(x) for x in result.stdout.strip().splitlines()]
    assert "error" in lines[0] and lines[1]["forms"][0]["fields"][0]["key"] == "contact_first_name"
    refused = CliRunner().invoke(app(), ["map-form", "--json", "file:///etc/passwd"])
    assert refused.exit_code == 1 and "error" in json.loads(refused.stdout)


def test_the_human_output_and_brain_serve_without_a_key(pages: tuple[Path, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app(), ["map-form", str(pages[1])])
    assert result.exit_code == 0 and "contact_first_name" in result.stdout
    monkeypatch.delenv("DIRBOLT_BRAIN_API_KEY", raising=False)
    served = CliRunner().invoke(app(), ["brain-serve", "--port", "1"])
    assert served.exit_code == 2 and "DIRBOLT_BRAIN_API_KEY" in served.output


def test_many_urls_share_one_browser(sandbox_server: ManagedProcess, pages: tuple[Path, Path]) -> None:
    reader = SourceReader(browser=True, timeout_s=20)
    urls = [f"{sandbox_server.url}/sites/{site}/submit" for site in ("localpages", "citylisted", "neighborly")]
    results = asyncio.run(map_sources([*urls, str(pages[1])], brain=FormBrain(), reader=reader))
    assert reader.launches == 1
    assert all("forms" in r for r in results)
    keys = {f["name"]: f["key"] for f in results[1]["forms"][0]["fields"]}
    assert keys["f_01"] == "business_name" and keys["f_url2"] == "honeypot"
    iframe_forms = [f for f in results[2]["forms"] if f.get("frame")]
    assert iframe_forms and any(x["key"] == "business_name" for f in iframe_forms for x in f["fields"])


def test_the_command_in_a_subprocess_with_urls_and_files(sandbox_server: ManagedProcess,
                                                          pages: tuple[Path, Path]) -> None:
    code = "from dirbolt_cli.app import main; main()"
    url = f"{sandbox_server.url}/sites/localpages/submit"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIRBOLT_LLM")}
    for mode in ("--browser", "--no-browser"):
        out = subprocess.run([sys.executable, "-c", code, "map-form", "--json", mode, url, str(pages[0])],
                             capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, out.stderr
        lines = [json.loads(x) for x in out.stdout.strip().splitlines()]
        assert [x["source"] for x in lines] == [url, str(pages[0])]
        fields = {f["name"]: f["key"] for f in lines[0]["forms"][0]["fields"]}
        assert fields["business_name"] == "business_name" and fields["zip"] == "postal_code"
