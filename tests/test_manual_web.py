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

        # A resolution the queue does not take (not a final status, nobody named): 422, the row unchanged.
        resolve_url = f"{url}/manual/{job_id}/{CAPTCHA}/resolve"
        for form in ({"status": "needs_manual", "by": "ana"}, {"status": "approved", "by": " "}):
            refused = page.request.post(resolve_url, form=form, max_redirects=0)
            assert refused.status == 422, refused.text()
        assert store.manual.get(job_id, CAPTCHA) is not None and store.manual.resolutions(job_id) == []
        assert page.request.get(f"{url}/manual/{job_id}/sandbox-nowhere/proof/screenshot").status == 404

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


def test_the_operator_app_serves_the_manual_queue_only_to_who_signs_in(store, catalog, sandbox, artifact_dir,
                                                                      monkeypatch):
    """`dirbolt web` (operator_app) mounts the queue under /manual behind the app's token outside dev:
    refused without it, a wrong token changes nothing, /login?token= gives the browser a cookie."""
    import httpx

    from dirbolt_core.settings import Settings
    from dirbolt_core.web.app import operator_app

    job_id = _captcha_job(store, catalog, artifact_dir, sites=(CAPTCHA, PLAIN))
    monkeypatch.setenv("DIRBOLT_ENV", "production")
    monkeypatch.setenv("DIRBOLT_WEB_TOKEN", "s3cret-operator-token")
    app = operator_app(Settings(), store=store, artifacts=LocalArtifactStore(artifact_dir))
    with serving(app) as url, httpx.Client(base_url=url) as anonymous, httpx.Client(base_url=url) as person:
        assert anonymous.get("/manual/").status_code == 401
        assert anonymous.get("/manual/items.json").status_code == 401
        refused = anonymous.post(f"/manual/{job_id}/{CAPTCHA}/resolve",
                                 data={"status": "submitted", "by": "mallory", "note": ""})
        assert refused.status_code == 401
        assert anonymous.get("/login", params={"token": "wrong"}).status_code == 401

        signed_in = person.get("/login", params={"token": "s3cret-operator-token", "next": "//evil.example/"})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/manual/"
        backslash = person.get("/login", params={"token": "s3cret-operator-token", "next": "/\\evil.example/"})
        assert backslash.status_code == 303 and backslash.headers["location"] == "/manual/"
        inside = person.get("/login", params={"token": "s3cret-operator-token", "next": "/manual/items.json"})
        assert inside.headers["location"] == "/manual/items.json"
        page = person.get("/manual/")
        assert page.status_code == 200 and CAPTCHA in page.text
        answer = person.post(f"/manual/{job_id}/{CAPTCHA}/resolve",
                             data={"status": "rejected", "by": "ana", "note": "directory closed"})
        assert answer.status_code in (200, 303)

    # Only the signed-in person's resolution reached the data.
    assert _row(store, job_id, CAPTCHA).status is SubmissionStatus.REJECTED
    assert [r.resolved_by for r in store.manual.resolutions(job_id)] == ["ana"]
