"""The brain against the live sandbox network in real Chromium, without the catalog's selectors.

Every site that exists when the tests run is read (script-rendered forms and iframes
included), its listing form mapped, and the value the brain would give each field compared
with the site's own expected record: no wrong field, no honeypot filled. One site is then
filled and submitted for real, learned, revisited (strategy "learned") and drifted.
"""

from __future__ import annotations

from typing import Any

import pytest

from dirbolt_core.brain.evaluation import check_site, fill_plan, read_listing_form
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormInfo, FormMapping
from dirbolt_core.brain.values import value_for_field
from dirbolt_core.db.store import Store
from dirbolt_core.models import Directory
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_core.services import ManagedProcess
from dirbolt_sandbox.sites import SITE_CLASSES
from tests.brain.conftest import AsyncBrowser


@pytest.fixture(scope="module")
def page(chromium: AsyncBrowser) -> Any:
    return chromium.new_page()


@pytest.mark.parametrize("site", SITE_CLASSES, ids=[s.id for s in SITE_CLASSES])
def test_each_site_is_mapped_with_no_wrong_field(site: Any, chromium: AsyncBrowser, page: Any,
                                                 sandbox_server: ManagedProcess) -> None:
    brain = FormBrain()  # no directory: the catalog's selectors are not used
    read = chromium.run(read_listing_form(page, f"{sandbox_server.url}/sites/{site.id}/submit", brain.map_form))
    expected = site.expected_fields(SAMPLE_PROFILE)
    if read is None:
        assert expected is None, f"{site.id}: no form found, but the site expects a submission"
        return
    form, mapping, _ = read
    assert {m.strategy for m in mapping.fields} == {"heuristic"}
    check = check_site(site.id, fill_plan(form, mapping, SAMPLE_PROFILE), expected,
                       honeypots=site.honeypot_fields, server_limits=site.max_lengths,
                       internal=site.internal_fields)
    assert check.wrong == [], f"{site.id}: wrong values {check.wrong}"
    assert check.honeypot_fills == [], f"{site.id}: honeypots filled {check.honeypot_fills}"
    if expected is not None and site.expected_status in ("submitted", "approved"):
        assert check.filled, f"{site.id}: nothing to fill on a form that takes submissions"


async def _fill_and_submit(page: Any, form: FormInfo, mapping: FormMapping) -> None:
    submit = None
    for f, m in zip(form.fields, mapping.fields, strict=True):
        if m.key == "submit" and f.visible and submit is None:
            submit = f
        value = value_for_field(m, f, SAMPLE_PROFILE)
        if value is None or not f.selector or not f.visible:
            continue
        locator = page.locator(f.selector).first
        if f.type in ("checkbox", "radio"):
            await locator.check(force=True)
        elif f.tag == "select":
            await locator.select_option(value=value)
        else:
            await locator.fill(value)
    assert submit is not None and submit.selector
    async with page.expect_navigation():
        await page.locator(submit.selector).first.click()


def test_learned_on_the_second_visit_and_dropped_on_drift(chromium: AsyncBrowser, page: Any, sandbox: Any,
                                                          sandbox_server: ManagedProcess, database_url: str) -> None:
    site = next(s for s in SITE_CLASSES if s.id == "citylisted")
    url = f"{sandbox_server.url}/sites/{site.id}/submit"
    directory = Directory(id=f"sandbox-{site.id}", name=site.name, url=url, submission_url=url)
    with Store(database_url) as db:
        store = db.learned
        brain = FormBrain(learned_store=store)

        def map_form(form: FormInfo) -> FormMapping:
            return brain.map_form(form, directory)

        first = chromium.run(read_listing_form(page, url, map_form))
        assert first is not None
        form, mapping, _ = first
        assert {m.strategy for m in mapping.fields} == {"heuristic"}
        chromium.run(_fill_and_submit(page, form, mapping))
        accepted = sandbox.accepted(site.id)
        assert len(accepted) == 1 and accepted[0]["fields"] == site.expected_fields(SAMPLE_PROFILE)
        brain.learn(directory, form, mapping, form_url=url)  # after the confirmed success

        second = chromium.run(read_listing_form(page, url, map_form))
        assert second is not None
        assert {m.strategy for m in second[1].fields} == {"learned"}
        assert [m.key for m in second[1].fields] == [m.key for m in mapping.fields]

        async def drift() -> None:  # the directory relabels its form: the e-mail box now asks for a fax
            await page.goto(url)
            await page.evaluate("""() => { const box = document.querySelector('[name=f_03]');
                box.closest('label').firstChild.textContent = 'Fax '; }""")

        chromium.run(drift())
        from dirbolt_core.brain.extract import extract_forms_from_page

        drifted = [f for _, f in chromium.run(extract_forms_from_page(page)) if f.fields]
        third = brain.map_form(drifted[0], directory)
        assert third.signature != mapping.signature
        assert {m.strategy for m in third.fields} == {"heuristic"}
        assert next(m.key for m in third.fields if m.name == "f_03") == "fax"
        row = store.get(directory.id, mapping.signature)
        assert row is not None and row.invalidated_at is not None


LIVE_PAGE = """<html><head><style>
  .trap{position:absolute;left:-6000px} .fancy input{opacity:0;position:absolute} .step{display:none}
  .tiny{width:0;height:0;border:0;padding:0}
</style></head><body>
<form id="main"><label>Business name <input name="biz"></label>
  <div class="trap"><label>Website <input name="website2"></label></div>
  <input name="zero" class="tiny">
  <label class="fancy"><input type="checkbox" name="terms" value="1"> I agree to the terms</label>
  <div class="step"><label>City <input name="city"></label><label>ZIP <input name="zip"></label></div>
</form>
<iframe srcdoc="<form><label>Telefon <input name='tel'></label></form>"></iframe>
</body></html>"""


def test_live_visibility_and_iframes(chromium: AsyncBrowser, page: Any) -> None:
    from dirbolt_core.brain.extract import extract_forms_from_page

    async def read() -> list[tuple[Any, FormInfo]]:
        await page.set_content(LIVE_PAGE)
        await page.wait_for_load_state("load")
        return await extract_forms_from_page(page)

    found = chromium.run(read())
    main = {f.name: f for f in found[0][1].fields}
    assert main["biz"].visible and main["terms"].visible  # a styled checkbox shows through its label
    assert (main["website2"].visible, main["website2"].hidden_scope) == (False, "control")
    assert (main["zero"].visible, main["zero"].hidden_reason) == (False, "zero size")
    assert main["city"].hidden_scope == main["zip"].hidden_scope == "section"
    frame, inner = found[1]
    assert frame.parent_frame is not None and inner.fields[0].name == "tel"
    mapping = FormBrain().map_form(found[0][1])
    assert {m.name: m.key for m in mapping.fields} == {
        "biz": "business_name", "website2": "honeypot", "zero": "honeypot", "terms": "terms_checkbox",
        "city": "city", "zip": "postal_code"}
    assert FormBrain().map_form(inner).fields[0].key == "phone"
