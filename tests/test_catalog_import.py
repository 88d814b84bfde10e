"""Catalog import: the legacy platform's list, dirbolt's own JSON and CSV, row by row, idempotent."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dirbolt_core.catalog import CatalogError, import_catalog
from dirbolt_core.db.migrations import apply_migrations
from dirbolt_core.directories.importer import CatalogFormat, detect_format, parse_catalog, parse_tier
from dirbolt_core.settings import REPO_ROOT
from dirbolt_core.vocabulary import Readiness
from tests.dagster_harness import BIN

LEGACY_GOOD = [
    # Every key the legacy list has, in its own spelling.
    {"id": "yelp-business", "name": "Yelp for Business", "url": "https://biz.yelp.example/",
     "submissionUrl": "https://biz.yelp.example/signup", "category": "general-directory",
     "domainAuthority": 94, "difficulty": "hard", "priority": "high", "requiresLogin": True, "hasCaptcha": False,
     "formMapping": {"businessName": ["#business_name", "input[name='biz_name']"], "email": ["#email"],
                     "phone": "#phone", "website": ["#website"], "address": ["#address1"], "city": ["#city"],
                     "state": ["select[name=state]"], "zip": ["#zip"], "category": ["#cat"],
                     "description": ["textarea#desc"], "favouriteColour": ["#colour"]},
     "submitSelector": "button[type=submit]", "successIndicators": ["Thanks", "pending review"],
     "timeToApproval": "7-14 days", "isActive": True, "requiresApproval": True, "tier": "Enterprise"},
    # Numbers as strings, tier in another spelling, booleans as words, optional keys missing.
    {"id": "Hotfrog US", "name": "Hotfrog", "submissionUrl": "http://www.hotfrog.example/add",
     "domainAuthority": "61", "priority": "2", "requiresLogin": "no", "hasCaptcha": "false", "tier": "TIER_2"},
    # Snake_case keys and an extra key nobody told us about.
    {"id": 1042, "name": "Brownbook", "submission_url": "https://brownbook.example/business/add",
     "domain_authority": 55.0, "tier": 3, "is_active": False, "trafficPotential": 12000},
    # No id at all: named by its name.
    {"name": "Cylex Local", "submissionUrl": "https://cylex.example/add-company", "tier": "growth",
     "rateLimitMs": "2500"},
]
LEGACY_BAD = [
    ({"id": "no-url", "name": "No URL", "tier": 1}, "missing submission URL"),
    ({"id": "ftp-site", "name": "FTP", "submissionUrl": "ftp://files.example/upload", "tier": 1}, "not an http(s)"),
    ({"id": "yelp-business", "name": "Yelp again", "submissionUrl": "https://other.example/", "tier": 1},
     "duplicate id"),
    ({"id": "gold-tier", "name": "Gold", "submissionUrl": "https://gold.example/add", "tier": "platinum"},
     "unknown tier"),
    ({"id": "too-fast", "name": "Too fast", "submissionUrl": "https://fast.example/add", "rateLimitMs": -5},
     "negative rate limit"),
    ({"id": "long-name", "name": "N" * 500, "submissionUrl": "https://long.example/add"}, "over-long field"),
    ({"id": "bad-da", "name": "Bad DA", "submissionUrl": "https://da.example/add", "domainAuthority": "lots"},
     "not a number"),
    ("just a string", "not an object"),
]


def _legacy_file(tmp_path: Path, entries: list) -> Path:
    path = tmp_path / "master-directory-list.json"
    path.write_text(json.dumps({"metadata": {"version": "3.1", "total": len(entries), "lastUpdated": "2025-09-01"},
                                "directories": entries}))
    return path


def _interleaved() -> list:
    """Bad rows between good ones: a refusal must never stop the rows after it."""
    out: list = []
    for i, (bad, _) in enumerate(LEGACY_BAD):
        if i < len(LEGACY_GOOD):
            out.append(LEGACY_GOOD[i])
        out.append(bad)
    return out


def test_legacy_import_takes_good_rows_refuses_bad_ones_with_reasons_and_is_idempotent(store, tmp_path):
    path = _legacy_file(tmp_path, _interleaved())
    report = import_catalog(store, path, actor="test")
    assert report.format == "legacy"
    by_action: dict[str, list] = {}
    for row in report.rows:
        by_action.setdefault(row.action, []).append(row)
    assert sorted(r.directory_id for r in by_action["imported"]) == [
        "1042", "cylex-local", "hotfrog-us", "yelp-business"]
    refused = by_action["refused"]
    assert len(refused) == len(LEGACY_BAD)
    for row, (_, expected) in zip(sorted(refused, key=lambda r: r.row), LEGACY_BAD, strict=True):
        assert expected in row.reason, (row.row, row.reason)
    # What the database holds: exactly the good rows, values read tolerantly.
    repository = store.directories
    states = {s.id: s for s in repository.states()}
    assert set(states) == {"1042", "cylex-local", "hotfrog-us", "yelp-business"}
    yelp = states["yelp-business"].directory
    assert (yelp.tier, yelp.domain_authority, yelp.priority, yelp.requires_login) == (4, 94, 3, True)
    # formMapping selectors are hints for the brain, never trusted selectors.
    assert yelp.selectors == {}
    assert yelp.selector_hints["business_name"] == ["#business_name", "input[name='biz_name']"]
    assert yelp.selector_hints["address_line1"] == ["#address1"] and yelp.selector_hints["postal_code"] == ["#zip"]
    assert "favouriteColour" not in json.dumps(yelp.selector_hints)
    assert yelp.details["timeToApproval"] == "7-14 days" and yelp.details["submitSelector"] == "button[type=submit]"
    hotfrog = states["hotfrog-us"].directory
    assert (hotfrog.tier, hotfrog.domain_authority, hotfrog.priority, hotfrog.has_captcha) == (2, 61, 2, False)
    assert str(hotfrog.url) == "http://www.hotfrog.example/"  # derived from the submission URL
    assert states["1042"].directory.is_active is False and states["1042"].directory.details["trafficPotential"]
    assert states["cylex-local"].directory.rate_limit_ms == 2500
    assert all(s.readiness is Readiness.UNPROBED for s in states.values())
    warnings = next(r for r in report.rows if r.directory_id == "yelp-business").warnings
    assert any("favouriteColour" in w for w in warnings)

    # A second import changes nothing: every good row unchanged, the same refusals, no new events.
    events_before = sum(len(repository.events(i)) for i in states)
    again = import_catalog(store, path, actor="test")
    assert again.counts == {"imported": 0, "updated": 0, "unchanged": 4, "refused": len(LEGACY_BAD)}
    assert sum(len(repository.events(i)) for i in states) == events_before
    assert {s.id: s.directory for s in repository.states()} == {i: s.directory for i, s in states.items()}


def test_an_import_updates_what_changed_and_keeps_operator_overrides_and_readiness(store, tmp_path):
    path = _legacy_file(tmp_path, LEGACY_GOOD)
    import_catalog(store, path)
    repository = store.directories
    repository.set_enabled("hotfrog-us", False, reason="asked us to stop", actor="ops")
    repository.vouch(["cylex-local"], reason="checked by hand", actor="ops")
    changed = [dict(e) for e in LEGACY_GOOD]
    changed[1] = {**changed[1], "tier": "1", "isActive": "false"}
    changed[3] = {**changed[3], "category": "local-search"}
    report = import_catalog(store, _legacy_file(tmp_path, changed))
    verdicts = {r.directory_id: r for r in report.rows}
    assert verdicts["hotfrog-us"].action == "updated" and set(verdicts["hotfrog-us"].changed) == {"tier", "is_active"}
    assert verdicts["cylex-local"].changed == ["category"]
    assert verdicts["yelp-business"].action == "unchanged"
    hotfrog = repository.state("hotfrog-us")
    assert hotfrog.directory.tier == 1 and not hotfrog.directory.is_active
    assert hotfrog.operator_enabled is False and hotfrog.operator_reason == "asked us to stop"
    # The operator's word outlives the import, both ways: enabled wins over the catalog's isActive too.
    repository.set_enabled("hotfrog-us", True, reason="agreed again", actor="ops")
    import_catalog(store, _legacy_file(tmp_path, changed))
    assert repository.state("hotfrog-us").active
    assert repository.state("cylex-local").readiness is Readiness.READY
    assert [e.event for e in repository.events("hotfrog-us")] == ["imported", "disabled", "updated", "enabled"]


def test_dry_run_reports_and_writes_nothing(store, tmp_path):
    report = import_catalog(store, _legacy_file(tmp_path, _interleaved()), dry_run=True)
    assert report.counts["imported"] == 4 and report.counts["refused"] == len(LEGACY_BAD)
    assert store.directories.states() == []


def test_csv_with_a_header_in_any_spelling(store, tmp_path):
    path = tmp_path / "directories.csv"
    path.write_text(
        "Name,Submission URL,Category,Tier,Requires Login,Has Captcha,Rate Limit (ms)\n"
        "Local Mole,https://localmole.example/add,general,2,false,no,1500\n"
        "Bad Tier,https://badtier.example/add,general,diamond,false,false,0\n"
        "Minus,https://minus.example/add,general,1,false,false,-1\n"
        ",https://noname.example/add,general,1,false,false,0\n"
        "No URL,,general,1,false,false,0\n"
        "\n"
        "Captcha Town,https://captcha.example/add,,Starter,TRUE,yes,\n")
    # Header names in a person's spelling ("Submission URL", "Rate Limit (ms)"); blank lines skipped.
    report = import_catalog(store, path, CatalogFormat.AUTO)
    assert report.format == "csv"
    rows = {r.directory_id: r for r in report.rows}
    assert rows["local-mole"].action == "imported" and rows["captcha-town"].action == "imported"
    assert rows["noname.example"].action == "imported"  # no name: named by its host
    assert "unknown tier" in rows["Bad Tier"].reason
    assert "negative rate limit" in rows["Minus"].reason
    assert "missing submission_url" in rows["No URL"].reason
    mole = store.directories.state("local-mole").directory
    assert (mole.tier, mole.rate_limit_ms, mole.requires_login) == (2, 1500, False)
    town = store.directories.state("captcha-town").directory
    assert (town.tier, town.has_captcha, town.requires_login) == (1, True, True)
    assert import_catalog(store, path).counts["unchanged"] == 3


def test_dirbolt_format_is_versioned_and_a_bare_list_still_reads(store, tmp_path):
    entries = [{"id": "own-one", "name": "Own One", "url": "https://one.example/",
                "submission_url": "https://one.example/add", "tier": 2, "selectors": {"email": "#mail"}},
               {"id": "Own Two!", "name": "Bad id", "url": "https://two.example/", "submission_url": "https://two.example/"}]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"format": "dirbolt-catalog", "version": 1, "directories": entries}))
    report = import_catalog(store, path)
    assert report.format == "dirbolt"
    assert [r.action for r in report.rows] == ["imported", "refused"]
    assert "id" in report.rows[1].reason
    assert store.directories.state("own-one").directory.selectors == {"email": "#mail"}
    path.write_text(json.dumps({"format": "dirbolt-catalog", "version": 7, "directories": entries}))
    with pytest.raises(CatalogError, match="version 7 is not supported"):
        import_catalog(store, path)
    path.write_text(json.dumps(entries[:1]))
    assert import_catalog(store, path).counts == {"imported": 0, "updated": 0, "unchanged": 1, "refused": 0}
    path.write_text("{not json")
    with pytest.raises(CatalogError, match="not JSON"):
        import_catalog(store, path)


def test_format_detection_and_tier_spellings():
    legacy = json.dumps({"directories": [{"name": "A", "submissionUrl": "https://a.example/", "requiresLogin": False}]})
    own = json.dumps([{"id": "a", "name": "A", "url": "https://a.example/", "submission_url": "https://a.example/"}])
    assert detect_format(legacy) is CatalogFormat.LEGACY
    assert detect_format(own) is CatalogFormat.DIRBOLT
    assert detect_format("name,submission_url\nA,https://a.example/\n") is CatalogFormat.CSV
    assert [parse_tier(t) for t in (1, "2", "Tier 3", "t4", "tier-5", "STARTER", "professional", 2.0, " Growth ")] == [
        1, 2, 3, 4, 5, 1, 3, 2, 2]
    for bad in ("0", 6, "gold", True, 1.5):
        assert parse_catalog(json.dumps([{"id": "x", "name": "X", "url": "https://x.example/",
                                          "submission_url": "https://x.example/", "tier": bad}])).rows[0].refused


def test_the_import_command_reports_per_row_and_the_migrations_take_a_legacy_database(empty_database_url,
                                                                                       tmp_path):
    """The CLI as an operator (and compose) runs it; on a database that holds the legacy tables."""
    import psycopg

    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute((REPO_ROOT / "tests" / "fixtures" / "legacy_schema.sql").read_text())
    apply_migrations(empty_database_url)
    path = _legacy_file(tmp_path, _interleaved())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DIRBOLT_DATABASE_URL": empty_database_url,
           "DIRBOLT_HOME": str(tmp_path / "home"), "DIRBOLT_LOG_FORMAT": "text"}
    run = subprocess.run([str(BIN / "dirbolt"), "directories", "import", str(path), "--json"], env=env,
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["counts"] == {"imported": 4, "updated": 0, "unchanged": 0, "refused": len(LEGACY_BAD)}
    strict = subprocess.run([str(BIN / "dirbolt"), "directories", "import", str(path), "--strict"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert strict.returncode == 1 and "unchanged: 4" in strict.stdout
    missing = subprocess.run([str(BIN / "dirbolt"), "directories", "import", str(tmp_path / "nope.json")], env=env,
                             capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert missing.returncode == 2


def test_legacy_lists_as_they_come_from_other_exports():
    """Other spellings of the same facts: the list under another key, relative and protocol-relative
    submission paths, mapping objects, authority as "85/100", tiers inside words, status words."""
    text = json.dumps({"exportedAt": "2025-10-01", "items": [
        {"Name": "Rel Path", "Website": "https://rel.example/", "SubmissionURL": "/add-listing",
         "Tier": "Tier 1 - Premium", "DomainAuthority": "85/100", "Active": "inactive"},
        {"name": "Proto Rel", "submitUrl": "//proto.example/join", "tier": "growth package",
         "formMapping": {"companyName": {"selectors": ["#co"]}, "phoneNumber": {"selector": "#ph"}}},
        {"name": "No Base", "submissionUrl": "/add"},
    ]})
    rows = parse_catalog(text).rows
    first, second, third = rows
    assert str(first.directory.submission_url) == "https://rel.example/add-listing"
    assert (first.directory.tier, first.directory.domain_authority, first.directory.is_active) == (1, 85, False)
    assert str(second.directory.submission_url) == "https://proto.example/join" and second.directory.tier == 2
    assert second.directory.selector_hints == {"business_name": ["#co"], "phone": ["#ph"]}
    assert third.refused and "http(s)" in third.refused
