"""The first five sites: conventional, opaque, split fields, captcha, refusal."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dirbolt_core.models import BusinessProfile
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.kit import CaptchaProtected
from dirbolt_sandbox.sites._common import (
    CATEGORIES,
    CATEGORY_VALUES,
    category_value,
    description,
    options,
    phone_parts,
    state_code,
    state_name,
    state_options,
    val,
)


class LocalPagesOnline(Site):
    """Conventional names, for= labels, a state select valued by code, redirect to a thank-you page.

    Rules: phone free text (verbatim); address = address_line1; state = code ("TX"); category =
    CATEGORIES value ("bakery" for "Bakeries & Desserts"); description unlimited. Known selectors.
    """

    id = "localpages"
    name = "Local Pages Online"
    category = "general"
    tier = 1
    domain_authority = 62
    behaviours = ("names:conventional", "labels:for", "select:state-code", "select:category-wording",
                  "validation:server", "result:redirect-thanks", "known-selectors")
    known_selectors = {
        "business_name": "#business_name",
        "website": "#website",
        "email": "#email",
        "phone": "#phone",
        "address_line1": "#address",
        "city": "#city",
        "state": "#state",
        "postal_code": "#zip",
        "category": "#category",
        "description": "#description",
        "submit": "#listing-form button[type=submit]",
    }
    core_fields = {"name": ("business_name", "Business name"), "email": ("email", "Email"),
                   "phone": ("phone", "Phone"), "website": ("website", "Website")}
    thanks_html = "<h1>Thank you!</h1><p>Your listing has been submitted successfully.</p>"
    css = ("body{font-family:Arial,sans-serif;max-width:760px;margin:2em auto;color:#222}"
           "header{border-bottom:3px solid #1d4ed8}header h1{color:#1d4ed8}label{display:inline-block;width:140px}"
           "button{background:#1d4ed8;color:#fff;border:0;padding:8px 16px}")

    async def form_page(self, request: Request) -> Response:
        return self.page(f"Add a listing - {self.name}", f"""
<header><h1>{self.name}</h1><p>Free business listings since 2009</p></header>
<form method="post" action="{self.submission_path}" id="listing-form">
  <p><label for="business_name">Business name *</label><input id="business_name" name="business_name" required></p>
  <p><label for="website">Website</label><input id="website" name="website" type="url"></p>
  <p><label for="email">Email *</label><input id="email" name="email" type="email" required></p>
  <p><label for="phone">Phone *</label><input id="phone" name="phone" type="tel" required></p>
  <p><label for="address">Street address</label><input id="address" name="address"></p>
  <p><label for="city">City</label><input id="city" name="city"></p>
  <p><label for="state">State</label><select id="state" name="state">{state_options(by="code")}</select></p>
  <p><label for="zip">ZIP code</label><input id="zip" name="zip"></p>
  <p><label for="category">Category</label><select id="category" name="category">{options(CATEGORIES)}</select></p>
  <p><label for="description">Description</label><textarea id="description" name="description"></textarea></p>
  <p><button type="submit">Submit listing</button></p>
</form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "business_name": val(profile, "business_name"), "website": val(profile, "website"),
            "email": val(profile, "email"), "phone": val(profile, "phone"),
            "address": val(profile, "address_line1"), "city": val(profile, "city"), "state": state_code(profile),
            "zip": val(profile, "postal_code"), "category": category_value(profile, CATEGORY_VALUES),
            "description": description(profile),
        }


class CityListed(Site):
    """Opaque ids, wrapping labels, state names, required terms, an off-screen honeypot, pending review.

    Rules: f_06 state by name ("Texas"); f_07 description maxlength 500 (fit_text); f_08 terms
    posts "yes"; f_09 newsletter left; honeypot f_url2 (class .hp in <style>, off-screen) empty.
    """

    id = "citylisted"
    name = "CityListed"
    tier = 2
    domain_authority = 48
    behaviours = ("names:opaque", "labels:wrapping", "select:state-name", "checkbox:terms", "checkbox:newsletter",
                  "honeypot:css-class", "honeypot:off-screen", "validation:maxlength-html", "validation:server",
                  "result:pending-review")
    honeypot_fields = ("f_url2",)
    core_fields = {"name": ("f_01", "Company"), "email": ("f_03", "E-mail"), "phone": ("f_04", "Telephone")}
    max_lengths = {"f_07": ("About", 500)}
    terms_fields = {"f_08": "terms of service"}
    css = ("body{font-family:Georgia,serif;background:#fbf8f1;max-width:640px;margin:3em auto}"
           "label{display:block;margin:.6em 0}.hp{position:absolute;left:-9999px;top:-9999px}")

    async def form_page(self, request: Request) -> Response:
        return self.page("List your business | CityListed", f"""
<h2>Get listed on CityListed</h2>
<form method="post" action="{self.submission_path}">
  <label>Company <input name="f_01" id="f_01" required></label>
  <label>Web address <input name="f_02" id="f_02"></label>
  <div class="hp"><label>Website URL <input name="f_url2" id="f_url2" tabindex="-1" autocomplete="off"></label></div>
  <label>E-mail <input name="f_03" id="f_03" required></label>
  <label>Telephone <input name="f_04" id="f_04" required></label>
  <label>City <input name="f_05" id="f_05"></label>
  <label>State <select name="f_06" id="f_06">{state_options(by="name", placeholder="--")}</select></label>
  <label>About your business <textarea name="f_07" id="f_07" maxlength="500"></textarea></label>
  <label><input type="checkbox" name="f_08" id="f_08" value="yes"> I agree to the terms of service</label>
  <label><input type="checkbox" name="f_09" id="f_09" value="yes"> Send me the monthly newsletter</label>
  <input type="submit" value="Send">
</form>""")

    result_page = ("Received",
                   "<h2>Thanks!</h2><p>Your listing is pending review by our editors. "
                   "We usually review new businesses within 3 business days.</p>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "f_01": val(profile, "business_name"), "f_02": val(profile, "website"), "f_url2": "",
            "f_03": val(profile, "email"), "f_04": val(profile, "phone"), "f_05": val(profile, "city"),
            "f_06": state_name(profile), "f_07": description(profile, 500), "f_08": "yes",
        }


class BizSpot(Site):
    """Split contact name and a three-part phone; an approved listing with its URL.

    Rules: contact[first]/[last] from the contact name; phone_area/prefix/line = 3/3/4 digits;
    biz[cat] CATEGORIES value.
    """

    id = "bizspot"
    name = "BizSpot"
    tier = 2
    domain_authority = 41
    expected_status = "approved"
    css = ("body{font-family:'Trebuchet MS',sans-serif;background:#f0fdfa;max-width:700px;margin:2em auto}"
           "fieldset{border:1px solid #14b8a6;margin:12px 0}.bs-form input,.bs-form select{margin:4px}"
           "button{background:#0f766e;color:#fff;border:0;padding:10px 20px;border-radius:20px}")
    behaviours = ("names:bracketed", "labels:aria-label", "labels:placeholder", "split:name", "split:phone",
                  "select:category-wording", "validation:server", "result:approved-listing-url")
    identity_fields = ("biz[name]", ("phone_area", "phone_prefix", "phone_line"))
    required = {"biz[name]": "Business name", "contact[email]": "Email", "contact[first]": "First name",
                "contact[last]": "Last name"}
    email_fields = {"contact[email]": "Email"}

    async def form_page(self, request: Request) -> Response:
        return self.page("BizSpot - new business", f"""
<main><h1>BizSpot</h1><h2>Create your free listing</h2>
<form method="post" action="{self.submission_path}" class="bs-form">
  <fieldset><legend>Business</legend>
    <input name="biz[name]" aria-label="Business name" placeholder="Business name">
    <input name="biz[site]" aria-label="Website URL" placeholder="https://">
    <select name="biz[cat]" aria-label="Category">{options(CATEGORIES)}</select>
  </fieldset>
  <fieldset><legend>Contact person</legend>
    <input name="contact[first]" placeholder="First name">
    <input name="contact[last]" placeholder="Last name">
    <input name="contact[email]" type="email" placeholder="Email address">
  </fieldset>
  <fieldset><legend>Phone</legend>
    (<input name="phone_area" size="3" maxlength="3" aria-label="Area code">)
    <input name="phone_prefix" size="3" maxlength="3" aria-label="Phone prefix"> -
    <input name="phone_line" size="4" maxlength="4" aria-label="Phone line number">
  </fieldset>
  <button>Publish my listing</button>
</form></main>""")

    def validate(self, fields: dict[str, Any]) -> list[str]:
        errors = super().validate(fields)
        parts = [str(fields.get(k, "")) for k in ("phone_area", "phone_prefix", "phone_line")]
        if [len(p) for p in parts] != [3, 3, 4] or not all(p.isdigit() for p in parts):
            errors.append("Phone must be a 10-digit number")
        return errors

    result_page = ("Listing live",
                   "<h1>Congratulations!</h1><p>Your listing is now live: "
                   "<a id='listing-link' href='{url}'>{url}</a></p>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        area, prefix, line = phone_parts(profile)
        return {
            "biz[name]": val(profile, "business_name"), "biz[site]": val(profile, "website"),
            "biz[cat]": category_value(profile, CATEGORY_VALUES),
            "contact[first]": val(profile, "contact_first_name"), "contact[last]": val(profile, "contact_last_name"),
            "contact[email]": val(profile, "email"),
            "phone_area": area, "phone_prefix": prefix, "phone_line": line,
        }


class VerifiedFinder(CaptchaProtected):
    """A captcha a person must solve (declared in the catalog): a runner hands it over, never types into it."""

    id = "verifiedfinder"
    name = "Verified Finder"
    tier = 1
    domain_authority = 55
    has_captcha = True
    behaviours = ("captcha", "labels:for")
    captcha_field = "captcha_code"

    async def form_page(self, request: Request) -> Response:
        return self.page("Verified Finder - Submit", f"""
<h1>Verified Finder</h1>
<form method="post" action="{self.submission_path}">
  <p><label for="vf-name">Business Name</label><input id="vf-name" name="company_name"></p>
  <p><label for="vf-phone">Phone Number</label><input id="vf-phone" name="phone_number"></p>
  <p><label for="vf-email">Email</label><input id="vf-email" name="email"></p>
  <div class="g-recaptcha" data-sitekey="6Lc-sandbox"><img alt="captcha" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
    <label for="captcha">Type the characters you see</label><input id="captcha" name="captcha_code"></div>
  <p><button type="submit">Submit</button></p>
</form>""")

    identity_fields = ("company_name", "phone_number")


class NorthOnly(Site):
    """Refuses businesses outside Canada with its own message.

    Rules: country select valued by ISO code ("US"); phone verbatim. The record shows `refused`.
    """

    id = "northonly"
    name = "North Only Directory"
    tier = 3
    domain_authority = 22
    expected_status = "rejected"
    behaviours = ("names:camelCase", "labels:for", "select:country", "refusal")
    css = ("body{font-family:Verdana,sans-serif;max-width:640px;margin:2em auto;border-top:12px solid #d52b1e}"
           "h1{color:#d52b1e}td{padding:4px 8px}")
    identity_fields = ("businessName", "phoneNumber")

    async def form_page(self, request: Request) -> Response:
        return self.page("Add business - North Only", f"""
<h1>North Only Directory</h1><p>Canadian businesses only.</p>
<form method="post" action="{self.submission_path}">
  <table>
    <tr><td><label for="n1">Business name</label></td><td><input id="n1" name="businessName"></td></tr>
    <tr><td><label for="n2">Email</label></td><td><input id="n2" name="emailAddress" type="email"></td></tr>
    <tr><td><label for="n3">Phone</label></td><td><input id="n3" name="phoneNumber"></td></tr>
    <tr><td><label for="n4">Country</label></td><td><select id="n4" name="country">
      <option value="">Select</option><option value="CA">Canada</option><option value="US">United States</option>
      <option value="GB">United Kingdom</option></select></td></tr>
  </table>
  <input type="submit" value="Add my business">
</form>""")

    def refuse(self, fields: dict[str, Any]) -> str | None:
        if fields.get("country") != "CA":
            return "Sorry, we only list businesses located in Canada."
        return None

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"businessName": val(profile, "business_name"), "emailAddress": val(profile, "email"),
                "phoneNumber": val(profile, "phone"), "country": (profile.country or "").upper()}


SITES: list[type[Site]] = [LocalPagesOnline, CityListed, BizSpot, VerifiedFinder, NorthOnly]
