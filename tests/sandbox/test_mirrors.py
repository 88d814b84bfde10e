"""Mirrors: the sandbox serving every site N times as distinct directories (large packages for
benchmarks). Real HTTP against a sandbox process started with `--mirrors 2`."""

from __future__ import annotations

import pytest

from dirbolt_core.models import Directory
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.services import start_sandbox
from dirbolt_sandbox.sites import SITE_CLASSES, SITES_BY_ID, mirror_classes, site_class
from tests.sandbox.conftest import SandboxAdmin
from tests.sandbox.test_server_rules import submit


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory) -> SandboxAdmin:
    with start_sandbox(mirrors=2, log_path=tmp_path_factory.mktemp("mirrors") / "sandbox.log") as server:
        yield SandboxAdmin(server.url)


def test_the_catalog_lists_each_site_twice_with_its_own_pages(mirrored):
    entries = mirrored.http.get("/_admin/catalog.json").json()
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)) == 2 * len(SITE_CLASSES)
    assert "sandbox-localpages" in ids and "sandbox-localpages-2" in ids
    directories = [Directory.model_validate(e) for e in entries]
    assert len(directories) == len(entries)
    page = mirrored.http.get("/sites/localpages-2/submit")
    assert page.status_code == 200 and "<form" in page.text


def test_a_mirror_is_a_distinct_directory_with_its_own_record_and_duplicate_register(mirrored):
    mirrored.reset()
    cls = SITES_BY_ID["localpages"]
    mirror = next(c for c in mirror_classes(2) if c.id == "localpages-2")
    fields = cls.expected_fields(SAMPLE_PROFILE)
    assert submit(mirrored, cls, fields).status_code in (200, 303)
    assert submit(mirrored, mirror, fields).status_code in (200, 303)
    assert submit(mirrored, mirror, fields).status_code in (200, 303, 409, 422)  # the mirror's own duplicate
    original = [r["outcome"] for r in mirrored.records("localpages")]
    copy = [r["outcome"] for r in mirrored.records("localpages-2")]
    assert original == ["accepted"]
    assert copy == ["accepted", "refused"]


def test_site_class_resolves_mirrors_and_refuses_unknown_ids():
    assert site_class("localpages") is SITES_BY_ID["localpages"]
    assert site_class("localpages-3") is SITES_BY_ID["localpages"]
    assert mirror_classes(3)[-1].mirror_of == SITE_CLASSES[-1].id
    for bad in ("nosuchsite", "localpages-1", "localpages-x", "nosuchsite-2"):
        with pytest.raises(KeyError):
            site_class(bad)
    with pytest.raises(ValueError):
        mirror_classes(0)
