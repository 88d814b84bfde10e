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

from dirbolt_core.sample import SAMPLE_PROFILE as P
from dirbolt_core.vocabulary import SubmissionStatus
from tests.realweb_harness import Page, held_out_tests

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
    "select2-classic": "Thank you! Your listing has been submitted and is pending approval.",
    "mui-autocomplete": "Your listing is live.",
    "jotform-cards": "Thank You! Your submission has been received.",
    "stencil-nested": "Done! Your page will go live after a quick check by our team.",
    "onetrust-modal": "Your submission was successful. We'll review it within 48 hours.",
    "vue-yearpicker": "Nearly there: confirm your address using the link in your mailbox.",
    "dl-apex": "Merci! The listing request reached our editors.",
    "slow-activate": "Your listing request is in! Look out for a confirmation email from us shortly and use it to "
                     "activate the listing.",
    "choices-state": "Thank you, your maker profile was received.",
    "conversational": "Your spot has been added. See you on the map!",
    "gravity-address": "Thanks for contacting us! We will get in touch with you shortly.",
    "aria-listbox": "Published! Your listing is now visible to visitors.",
    "angular-material": "Registration complete. We'll send your listing for approval.",
    "many-forms": "Thank you. Your listing was submitted for approval.",
    "nested-iframes": "Submission received. A team member will check your listing within 24 hours.",
    "euro-date": "Your listing request was received: approval usually takes 2-3 days.",
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
    "select2-classic": Page("/select2-classic.html", SUBMITTED, {
        "name": P.business_name, "mail": P.email, "tel": P.phone, "cat": "11", "yr": str(P.year_founded),
        "www": P.website, "hp_url": ""}),
    "mui-autocomplete": Page("/mui-autocomplete.html", SUBMITTED, {
        "name": P.business_name, "email": P.email, "phone": P.phone, "city": "Austin, TX", "industry": "food"}),
    "jotform-cards": Page("/jotform-cards.html", SUBMITTED, {
        "formID": "241887", "q3_businessName": P.business_name, "q4_email": P.email,
        "q5_phoneNumber[full]": P.phone, "q6_website": P.website, "q7_whyShould": DESCRIPTION}),
    "stencil-nested": Page("/stencil-nested.html", SUBMITTED, {
        "business": P.business_name, "email": P.email, "phone": P.phone, "street": P.address_line1,
        "zip": P.postal_code, "website2": "", "description": DESCRIPTION}),
    "onetrust-modal": Page("/onetrust-modal.html", SUBMITTED, {
        "company_name": P.business_name, "email_address": P.email, "phone_number": P.phone,
        "street": P.address_line1, "town": P.city, "state": P.state, "blurb": P.short_description, "tou": "1"}),
    "vue-yearpicker": Page("/vue-yearpicker.html", PENDING, {
        "business": P.business_name, "owner": P.contact_name, "email": P.email, "founded": P.year_founded,
        "phone": P.phone}),
    "dl-apex": Page("/dl-apex", SUBMITTED, {
        "tradingName": P.business_name, "email": P.email, "phone": P.phone, "zip": P.postal_code,
        "country": P.country, "trap": ""}),
    "slow-activate": Page("/slow-activate.html", PENDING, {
        "bname": P.business_name, "bemail": P.email, "bphone": P.phone, "bsite": P.website, "agree": "y"}),
    "choices-state": Page("/choices-state.html", SUBMITTED, {
        "maker": P.business_name, "contact_email": P.email, "city": P.city, "state": P.state,
        "postcode": P.postal_code}),
    "conversational": Page("/conversational.html", SUBMITTED, {
        "spot": P.business_name, "mail": P.email, "tel": P.phone, "town": P.city}),
    "gravity-address": Page("/gravity-address.html", SUBMITTED, {
        "input_1": P.business_name, "input_3.3": P.contact_first_name, "input_3.6": P.contact_last_name,
        "input_4": P.email, "input_5.1": P.address_line1, "input_5.2": P.address_line2, "input_5.3": P.city,
        "input_5.4": P.state, "input_5.5": P.postal_code, "input_5.6": "United States", "input_7.1": "1",
        "input_7.2": "I consent to having this website store my submitted information.", "input_99": "",
        "is_submit_1": "1", "gform_unique_id": ""}),
    "aria-listbox": Page("/aria-listbox.html", SUBMITTED, {
        "place": P.business_name, "email": P.email, "website": P.website, "kind": "food", "about": DESCRIPTION,
        "accessible": False, "terms": True}),
    "angular-material": Page("/angular-material.html", SUBMITTED, {
        "businessName": P.business_name, "email": P.email, "phone": P.phone, "type": "pastry",
        "facebook": P.facebook_url}),
    "many-forms": Page("/many-forms.html", SUBMITTED, {
        "title": P.business_name, "email": P.email, "phone": P.phone, "instagram": P.instagram_url,
        "tagline": P.short_description, "action": "submit"}),
    "nested-iframes": Page("/nested-iframes.html", SUBMITTED, {
        "business": P.business_name, "owner": P.contact_name, "email": P.email, "address": P.address_line1,
        "summary": P.short_description}),
    "euro-date": Page("/euro-date.html", SUBMITTED, {
        "biz_name": P.business_name, "biz_email": P.email, "established": f"01.01.{P.year_founded}",
        "fb": P.facebook_url, "web": P.website}),
}


# Two pages at a time: the module stays well under 90 s (the slow answers overlap).
heldout, attempts, test_the_runner_submits_the_held_out_page_right = held_out_tests(
    FIXTURES, ANSWERS, EXPECTED, {"dl-apex": ("B_OTHER", "/dl-apex.html")}, at_once=2)
