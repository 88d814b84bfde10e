"""The manual queue's web page in headless Chromium: list, open proof, resolve (issue 19, acceptance 4)."""

from __future__ import annotations

from fastapi import FastAPI

from dirbolt_core.artifacts import LocalArtifactStore
from dirbolt_core.manual.web import manual_router
from dirbolt_core.vocabulary import SubmissionStatus
from tests.sandbox.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.test_manual_queue import CAPTCHA, PLAIN, _captcha_job, _row
from tests.web_harness import serving


def test_manual_queue_page_lists_opens_proof_and_resolves_once_in_chromium(store, catalog, sandbox, artifact_dir):
    from playwright.sync_api import sync_playwright

    job_id = _captcha_job(store, catalog, artifact_dir, sites=(CAPTCHA, PLAIN))
    app = FastAPI()
    app.include_router(manual_router(store, LocalArtifactStore(artifact_dir)), prefix="/manual")
    with serving(app) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{url}/manual/")
        rows = page.locator("tr.item")
        assert rows.count() == 1
        row = rows.first
        assert row.get_attribute("data-directory") == CAPTCHA
        assert "captcha" in row.locator("td.reason").inner_text().lower()
        assert "business_name: Bluebird Bakery" in row.locator("td.values").inner_text()

        # Open the proof: the screenshot the run took, as an image, in a new tab.
        with page.context.expect_page() as opened:
            row.locator("a.proof-screenshot").click()
        proof = opened.value
        proof.wait_for_load_state()
        natural = proof.evaluate("() => { const i = document.querySelector('img'); "
                                 "return i ? [i.naturalWidth, i.naturalHeight] : null; }")
        assert natural and natural[0] > 100 and natural[1] > 100, natural
        proof.close()
        html_proof = page.request.get(url + row.locator("a.proof-html").get_attribute("href"))
        assert html_proof.ok and html_proof.headers["content-type"].startswith("text/plain")
        assert "Verified Finder" in html_proof.text()

        # A second tab keeps the stale form open: the second resolution it sends is refused.
        stale = page.context.new_page()
        stale.goto(f"{url}/manual/")

        row.locator("select[name=status]").select_option("submitted")
        row.locator("input[name=note]").fill("captcha solved by hand")
        row.locator("input[name=by]").fill("ana")
        row.locator("button[type=submit]").click()
        page.wait_for_selector("#flash")
        assert f"{CAPTCHA}: submitted (by ana)" in page.locator("#flash").inner_text()
        assert page.locator("tr.item").count() == 0 and page.locator("#empty").is_visible()

        stale_row = stale.locator(f"tr.item[data-directory='{CAPTCHA}']")
        stale_row.locator("select[name=status]").select_option("rejected")
        stale_row.locator("input[name=by]").fill("bo")
        with stale.expect_response(lambda r: r.url.endswith("/resolve")) as answer:
            stale_row.locator("button[type=submit]").click()
        assert answer.value.status == 409
        assert "already resolved as submitted by ana" in stale.locator("#flash").inner_text()
        browser.close()

    row = _row(store, job_id, CAPTCHA)
    assert row.status is SubmissionStatus.SUBMITTED and row.reason == "resolved by hand (ana): captcha solved by hand"
    assert [r.resolved_by for r in store.manual.resolutions(job_id)] == ["ana"]
