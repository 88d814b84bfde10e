"""Held-out pages of the real web's kinds (tests/fixtures/realweb/), written apart from the sandbox's
sites, served on two loopback origins: the runner must submit every one of them right.

Each page's post is recorded by the test server: exactly one submission per page, the profile's
values in the right keys, honeypots empty, and the runner's outcome as the page's answer says
(the double opt-in page ends `pending_verification`).
"""

from __future__ import annotations

from pathlib import Path

from dirbolt_core.sample import SAMPLE_PROFILE as P
from dirbolt_core.vocabulary import SubmissionStatus
from tests.realweb_harness import Page, held_out_tests

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realweb"
DESCRIPTION = P.description or ""

# What each page answers, and what a correct runner leaves in its record.
ANSWERS = {
    "vue-cdn": "Thanks! Your business has been registered with Townfolk.",
    "mui-formless": "Success! Your place was submitted and will appear after review.",
    "lit-shadow": "Saved. Thank you, your listing has been received.",
    "headless-combobox": "Welcome aboard! Your profile has been created.",
    "typeform-iframe": "Thanks for submitting!",
    "www-redirect": "Your listing was saved and is awaiting moderation.",
    "double-optin": "Please check your inbox: we've emailed you a verification link. Your listing goes live once "
                    "you verify your email address.",
    "slow-spinner": "Your business has been added to QuickPages.",
}
EXPECTED: dict[str, Page] = {
    # page: the URL path the runner is given, its outcome, the exact record
    "vue-cdn": Page("/vue-cdn.html", SubmissionStatus.SUBMITTED, {
        "company": P.business_name, "mail": P.email, "telephone": P.phone, "homepage": P.website,
        "locality": P.city, "postcode": P.postal_code, "fax_number": "", "summary": DESCRIPTION}),
    "mui-formless": Page("/mui-formless.html", SubmissionStatus.SUBMITTED, {
        "name": P.business_name, "email": P.email, "phone": P.phone, "street": P.address_line1,
        "description": DESCRIPTION}),
    "lit-shadow": Page("/lit-shadow.html", SubmissionStatus.SUBMITTED, {
        "biz": P.business_name, "contact": P.email, "tel": P.phone, "www": P.website, "bio": DESCRIPTION}),
    "headless-combobox": Page("/headless-combobox.html", SubmissionStatus.SUBMITTED, {
        "business": P.business_name, "email": P.email, "phone": P.phone, "category": "bake",
        "established": f"{P.year_founded}-01-01", "terms": True}),
    "typeform-iframe": Page("/typeform-iframe.html", SubmissionStatus.SUBMITTED, {
        "company": P.business_name, "email": P.email, "phone": P.phone, "site": P.website, "city": P.city,
        "nick": "", "about": DESCRIPTION}),
    "www-redirect": Page("/www-redirect", SubmissionStatus.SUBMITTED, {
        "listing[title]": P.business_name, "listing[email]": P.email, "listing[phone]": P.phone,
        "listing[zip]": P.postal_code, "listing[url]": P.website}),
    "double-optin": Page("/double-optin.html", SubmissionStatus.PENDING_VERIFICATION, {
        "bn": P.business_name, "em": P.email, "ph": P.phone, "ct": P.city, "fx": ""}),
    "slow-spinner": Page("/slow-spinner.html", SubmissionStatus.SUBMITTED, {
        "business": P.business_name, "email": P.email, "phone": P.phone, "website": P.website}),
}


heldout, attempts, test_the_runner_submits_the_held_out_page_right = held_out_tests(
    FIXTURES, ANSWERS, EXPECTED, {"www-redirect": ("B_OTHER", "/www-form.html")})
