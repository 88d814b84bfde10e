"""A second batch of held-out pages of the real web's kinds (tests/fixtures/realweb2/), written apart
from the sandbox's sites and from the first batch: other frameworks' markup (React Hook Form floating
labels, react-select, Radix/shadcn, Shoelace slots, HubSpot and Tally embeds), cookie banners over the
form, slide wizards, separate date selects, icon-only submits and other answer wordings.

Each page's post is recorded by the test server: exactly one submission per page, the profile's
values in the right keys, honeypots empty, and the runner's outcome as the page's answer says.
One server and one browser serve the whole module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dirbolt_core.sample import SAMPLE_PROFILE as P
from dirbolt_core.vocabulary import SubmissionStatus
from tests.realweb_harness import HeldOut, Page, assert_submitted_right, run_pages, serving

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realweb2"
DESCRIPTION = P.description or ""
SUBMITTED, PENDING = SubmissionStatus.SUBMITTED, SubmissionStatus.PENDING_VERIFICATION

ANSWERS = {
    "formik-floating": "You're listed! Bluebird now appears in the Brightside directory.",
    "react-select": "Got it. Your listing is in the review queue.",
    "shoelace-slots": "We received your details and will email you once your pin is on the map.",
    "hubspot-embed": "Thanks for submitting the form.",
    "cookie-wizard": "All set: your place went live on Cityline.",
    "year-selects": "Almost done! An activation link is on its way to your inbox. Your entry stays hidden until you "
                    "open it.",
    "radix-slow": "Your business is now waiting for a moderator.",
    "tally-embed": "One last step: tap the button in the message we sent you to switch your studio on.",
}
EXPECTED: dict[str, Page] = {
    "formik-floating": Page("/formik-floating.html", SUBMITTED, {
        "q1": P.business_name, "q2": P.email, "q3": P.phone, "q4": P.website, "q5": P.contact_name,
        "q6": "bake", "q_extra": ""}),
    "react-select": Page("/react-select.html", SUBMITTED, {
        "business": P.business_name, "email": P.email, "phone": P.phone, "category": "bakeries", "state": "TX"}),
    "shoelace-slots": Page("/shoelace-slots.html", SUBMITTED, {
        "title": P.business_name, "mail": P.email, "tel": P.phone, "web": P.website, "story": DESCRIPTION,
        "extra": ""}),
    "hubspot-embed": Page("/hubspot-embed.html", SUBMITTED, {
        "firstname": P.contact_first_name, "lastname": P.contact_last_name, "email": P.email,
        "company": P.business_name, "phone": P.phone, "website": P.website, "LEGAL_CONSENT.processing": "true",
        "hs_context": '{"portal":4411}'}),
    "cookie-wizard": Page("/cookie-wizard.html", SUBMITTED, {
        "place_name": P.business_name, "kind": "cafe", "mail": P.email, "tel": P.phone, "web": P.website,
        "about": DESCRIPTION}),
    "year-selects": Page("/year-selects.html", PENDING, {
        "org_title": P.business_name, "person": P.contact_name, "em_addr": P.email, "p_num": P.phone,
        "fd_month": "", "fd_year": str(P.year_founded), "attest": "yes"}),
    "radix-slow": Page("/radix-slow.html", SUBMITTED, {
        "name": P.business_name, "email": P.email, "phone": P.phone, "website": P.website,
        "category": "bread-pastry", "guidelines": True}),
    "tally-embed": Page("/tally-embed.html", PENDING, {
        "q_name": P.business_name, "q_email": P.email, "q_phone": P.phone, "q_city": P.city,
        "q_about": DESCRIPTION}),
}


@pytest.fixture(scope="module")
def heldout():
    with serving(HeldOut(FIXTURES, ANSWERS)) as h:
        yield h


@pytest.fixture(scope="module")
def attempts(heldout) -> dict[str, Any]:
    return run_pages(heldout, EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_runner_submits_the_held_out_page_right(name, heldout, attempts):
    assert_submitted_right(heldout, attempts, name, EXPECTED[name])
