"""The server's rules, read from its own record: honeypots, duplicates, rate limits, seeded 503s,
latency and validation. Real HTTP against the real app (httpx), and a real browser for a bot
that fills what a person cannot see."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.kit import ServerWizard
from dirbolt_sandbox.sites import SITE_CLASSES, SITES_BY_ID
from tests.sandbox.conftest import SandboxAdmin, SandboxServer
from tests.sandbox.scripts import DESCRIPTION


def submit(admin: SandboxAdmin, cls: type[Site], fields: dict[str, Any]) -> httpx.Response:
    """Post a site's fields the way its form would (wizard steps and ASP.NET viewstate included)."""
    _method, sub = sorted(cls.submission_routes)[0]
    url = f"/sites/{cls.id}/{sub}"
    data = dict(fields)
    if cls.id == "metroindex":
        data["__VIEWSTATE"] = cls.VIEWSTATE  # type: ignore[attr-defined]
    if issubclass(cls, ServerWizard):
        first = admin.http.post(url, data={"step": "1", **data})
        data |= {"step": str(cls.step_count), "draft": re.search(r"name='draft' value='(\w+)'", first.text)[1]}
    return admin.http.post(url, data=data)


def answered_success(cls: type[Site], response: httpx.Response) -> bool:
    if cls.responds_json:
        return response.status_code == 200 and response.json()["ok"] is True
    return response.status_code == 303 or (response.status_code == 200 and "role='alert'" not in response.text
                                           and 'role="alert"' not in response.text)


def other_business(cls: type[Site]) -> dict[str, Any]:
    """The sample's fields for this site, as another business (different name and phone)."""
    fields = cls.expected_fields(SAMPLE_PROFILE) or {}
    other = SAMPLE_PROFILE.model_copy(update={"business_name": "Juniper Hardware", "phone": "(512) 555-0199"})
    return cls.expected_fields(other) or fields


# ------------------------------------------------------------------ honeypots
HONEYPOT_SITES = [cls.id for cls in SITE_CLASSES if cls.honeypot_fields]


def test_honeypots_are_on_several_sites_hidden_in_every_way():
    assert len(HONEYPOT_SITES) >= 8
    ways = {b for cls in SITE_CLASSES for b in cls.behaviours if b.startswith("honeypot:")}
    assert ways == {"honeypot:css-class", "honeypot:inline-style", "honeypot:off-screen", "honeypot:zero-size",
                    "honeypot:tabindex"}


@pytest.mark.parametrize("site_id", HONEYPOT_SITES)
def test_filled_honeypot_answers_success_but_is_recorded_as_spam(site_id, sbx):
    cls = SITES_BY_ID[site_id]
    honeypot = cls.honeypot_fields[0]
    fields = cls.expected_fields(SAMPLE_PROFILE)
    assert fields is not None and fields[honeypot] == ""
    sbx.configure(site_id, rate_limit_ms=0)  # two posts in a row here
    response = submit(sbx, cls, {**fields, honeypot: "https://cheap-pills.example"})
    assert answered_success(cls, response), response.text[:300]
    [record] = sbx.records(site_id)
    assert record["outcome"] == "spam" and honeypot in record["reason"]
    assert record["fields"][honeypot] == "https://cheap-pills.example"
    # Spam is dropped: the real submission afterwards is not a duplicate.
    assert answered_success(cls, submit(sbx, cls, fields))
    assert [r["outcome"] for r in sbx.records(site_id)] == ["spam", "accepted"]


def test_a_bot_filling_every_field_in_a_browser_is_told_success_and_dropped(page, sbx, catalog_by_id):
    page.goto(str(catalog_by_id["sandbox-citylisted"].submission_url))
    # What a form-filling bot does: every text field gets a value, seen or not.
    page.evaluate("""() => { for (const el of document.querySelectorAll('input:not([type]), input[type=text]'))
                               el.value = el.value || 'https://bluebird-bakery.example'; }""")
    page.get_by_label("Company", exact=True).fill(SAMPLE_PROFILE.business_name)
    page.get_by_label("E-mail", exact=True).fill(SAMPLE_PROFILE.email)
    page.get_by_label("Telephone", exact=True).fill(SAMPLE_PROFILE.phone)
    page.get_by_label("I agree to the terms of service", exact=True).check()
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert "pending review" in page.inner_text("body")
    [record] = sbx.records("citylisted")
    assert record["outcome"] == "spam" and record["listing_id"] is None
    assert record["fields"]["f_url2"] == "https://bluebird-bakery.example"


# ------------------------------------------------------------------ duplicates
def test_second_listing_with_the_same_name_and_phone_is_refused(sbx):
    cls = SITES_BY_ID["localpages"]
    fields = cls.expected_fields(SAMPLE_PROFILE)
    assert submit(sbx, cls, fields).status_code == 303
    again = submit(sbx, cls, fields)
    assert again.status_code == 200 and "already listed" in again.text
    # Written differently, still the same business (case, spacing, phone punctuation).
    same = {**fields, "business_name": "  bluebird BAKERY &  café ", "phone": "512.555.0142"}
    assert "already listed" in submit(sbx, cls, same).text
    # Another phone is another business.
    assert submit(sbx, cls, {**fields, "phone": "(512) 555-0100"}).status_code == 303
    outcomes = [(r["outcome"], r["reason"]) for r in sbx.records("localpages")]
    assert outcomes == [("accepted", None), ("refused", "duplicate listing"), ("refused", "duplicate listing"),
                        ("accepted", None)]


@pytest.mark.parametrize("site_id", ["bizspot", "mainstreet"])
def test_duplicates_are_found_across_split_phone_fields(site_id, sbx):
    cls = SITES_BY_ID[site_id]
    fields = cls.expected_fields(SAMPLE_PROFILE)
    submit(sbx, cls, fields)
    submit(sbx, cls, fields)
    assert [r["outcome"] for r in sbx.records(site_id)] == ["accepted", "refused"]


def test_sites_that_already_list_the_sample_keep_it_after_a_reset(sbx):
    for site_id in ("firmensued", "localhub"):
        cls = SITES_BY_ID[site_id]
        response = submit(sbx, cls, cls.expected_fields(SAMPLE_PROFILE))
        assert cls.duplicate_message in response.text
        # Another business is welcome there.
        assert answered_success(cls, submit(sbx, cls, other_business(cls)))
        assert [r["outcome"] for r in sbx.records(site_id)] == ["refused", "accepted"]


# ------------------------------------------------------------------ rate limits
def test_submissions_inside_the_rate_limit_get_429_with_retry_after(sbx):
    cls = SITES_BY_ID["swiftlist"]
    assert cls.rate_limit_ms == 3000  # the catalog tells the platform
    assert submit(sbx, cls, cls.expected_fields(SAMPLE_PROFILE)).status_code == 303
    t0 = time.monotonic()
    throttled = submit(sbx, cls, other_business(cls))
    assert throttled.status_code == 429
    retry_after = int(throttled.headers["Retry-After"])
    assert 1 <= retry_after <= 3
    # Reading pages is not a submission: not throttled.
    assert sbx.http.get("/sites/swiftlist/submit").status_code == 200
    assert sbx.records("swiftlist")[-1]["outcome"] == "throttled"
    time.sleep(max(0.0, retry_after - (time.monotonic() - t0)) + 0.05)
    assert submit(sbx, cls, other_business(cls)).status_code == 303
    assert [r["outcome"] for r in sbx.records("swiftlist")] == ["accepted", "throttled", "accepted"]


def test_a_stale_catalog_rate_limit_is_not_enough(sbx):
    cls = SITES_BY_ID["directoriolatino"]
    assert submit(sbx, cls, cls.expected_fields(SAMPLE_PROFILE)).status_code == 303
    time.sleep(cls.rate_limit_ms / 1000)  # what the (stale) catalog asks for
    throttled = submit(sbx, cls, other_business(cls))
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 3


def test_rate_limit_is_configurable_per_site(sbx):
    cls = SITES_BY_ID["localpages"]
    sbx.configure("localpages", rate_limit_ms=1500, retry_after_s=2)
    assert submit(sbx, cls, cls.expected_fields(SAMPLE_PROFILE)).status_code == 303
    throttled = submit(sbx, cls, other_business(cls))
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    assert submit(sbx, SITES_BY_ID["citylisted"], SITES_BY_ID["citylisted"].expected_fields(SAMPLE_PROFILE)
                  ).status_code == 200  # other sites are not affected


# ------------------------------------------------------------------ 503s and latency
def _statuses(admin: SandboxAdmin, site: str, n: int) -> list[int]:
    return [admin.http.post(f"/sites/{site}/submit", data={}).status_code for _ in range(n)]


def test_failures_are_deterministic_under_the_seed(sbx):
    knobs = {"failure_rate": 0.5, "max_consecutive_failures": 0}
    sbx.configure("localpages", **knobs)
    first = _statuses(sbx, "localpages", 16)
    assert set(first) == {200, 503}  # 200: the empty post's validation errors
    sbx.reset()
    sbx.configure("localpages", **knobs)
    assert _statuses(sbx, "localpages", 16) == first  # a reset restarts the sequence
    with SandboxServer(seed=7) as same, SandboxServer(seed=8) as other:
        same_admin, other_admin = SandboxAdmin(same.url), SandboxAdmin(other.url)
        same_admin.configure("localpages", **knobs)
        other_admin.configure("localpages", **knobs)
        assert _statuses(same_admin, "localpages", 16) == first
        assert _statuses(other_admin, "localpages", 16) != first
    unavailable = [r for r in sbx.records("localpages") if r["outcome"] == "unavailable"]
    assert len(unavailable) == first.count(503)


def test_failure_streaks_are_capped_so_three_attempts_get_through(sbx):
    sbx.configure("localpages", failure_rate=0.9)  # max_consecutive_failures keeps its default, 2
    statuses = _statuses(sbx, "localpages", 30)
    assert "503,503,503" not in ",".join(map(str, statuses))
    assert statuses.count(503) >= 15


def test_flaky_sites_fail_pages_only_when_told_and_always_fail_means_always(sbx):
    assert sbx.http.get("/sites/sunbelt/submit").status_code == 200
    assert sbx.http.post("/sites/sunbelt/submit", data={}).status_code == 503  # seed 7: the first one
    sbx.configure("localpages", always_fail=True)
    assert _statuses(sbx, "localpages", 3) == [503, 503, 503]
    assert sbx.http.get("/sites/localpages/submit").status_code == 200
    sbx.configure("localpages", gate_all_requests=True)
    assert sbx.http.get("/sites/localpages/submit").status_code == 503


def test_slow_sites_are_slow(sbx):
    t0 = time.monotonic()
    assert sbx.http.get("/sites/lazyriver/submit").status_code == 200
    assert time.monotonic() - t0 >= 2.0
    sbx.configure("localpages", latency_ms=600)
    t0 = time.monotonic()
    sbx.http.get("/sites/localpages/submit")
    assert time.monotonic() - t0 >= 0.6


# ------------------------------------------------------------------ validation
LONG = DESCRIPTION
VALIDATION_CASES = [
    ("localpages", {"business_name": ""}, "Business name is required"),
    ("localpages", {"email": "hello-at-bluebird"}, "Email is not a valid email address"),
    ("localpages", {"website": "bluebird-bakery.example"}, "must be a full URL starting with http:// or https://"),
    ("localpages", {"phone": "call us!"}, "Phone is not a valid phone number"),
    ("citylisted", {"f_08": None}, "You must accept the terms of service"),
    ("citylisted", {"f_07": LONG}, "About must be at most 500 characters"),
    ("bizspot", {"phone_line": "01"}, "Phone must be a 10-digit number"),
    ("citywide", {"biz_phone": "(512) 555-0142"}, "Phone must be in the format 555-555-5555"),
    ("citywide", {"biz_email_confirm": "hallo@bluebird-bakery.example"}, "Email addresses do not match"),
    ("metroindex", {"ctl00$MainContent$txtPhone": "512-555-0142"}, "format (555) 555-5555"),
    ("guiaempresas", {"telefono": "512 555 0142"}, "solo puede contener números"),
    ("branchenbuch", {"email": "hallo"}, "gültige E-Mail-Adresse"),
    ("katalogfirm", {"regulamin": None}, "Musisz zaakceptować regulamin serwisu"),
    ("pinpoint", {"description": LONG}, "Description must be at most 300 characters"),
    ("cornerstone", {"business_description": LONG}, "Business description must be 200 characters or fewer"),
    ("commerceregistry", {"Business.TaxId": "12345"}, "must look like 12-3456789"),
]


@pytest.mark.parametrize(("site_id", "change", "message"), VALIDATION_CASES,
                         ids=[f"{s}-{m[:24]}" for s, _, m in VALIDATION_CASES])
def test_validation_errors_are_answered_and_recorded(site_id, change, message, sbx):
    cls = SITES_BY_ID[site_id]
    fields = {**cls.expected_fields(SAMPLE_PROFILE), **change}
    fields = {k: v for k, v in fields.items() if v is not None}
    response = submit(sbx, cls, fields)
    if cls.responds_json:
        assert response.status_code == 422 and any(message in e for e in response.json()["errors"])
    else:
        assert response.status_code == 200 and message in response.text and "alert" in response.text
    [record] = sbx.records(site_id)
    assert record["outcome"] == "invalid" and message in record["reason"]
    assert record["fields"] == fields  # as received


def test_an_unfillable_required_field_is_refused_with_its_label(sbx):
    cls = SITES_BY_ID["commerceregistry"]
    response = submit(sbx, cls, cls.expected_fields(SAMPLE_PROFILE))
    assert "Federal Tax ID (EIN) is required" in response.text
    assert sbx.records("commerceregistry")[0]["outcome"] == cls.expected_outcome == "invalid"


def test_internal_fields_are_kept_apart_from_the_business_fields(sbx):
    cls = SITES_BY_ID["metroindex"]
    submit(sbx, cls, cls.expected_fields(SAMPLE_PROFILE))
    [record] = sbx.records("metroindex")
    assert "__VIEWSTATE" not in record["fields"] and record["extra"]["meta"]["__VIEWSTATE"] == cls.VIEWSTATE
