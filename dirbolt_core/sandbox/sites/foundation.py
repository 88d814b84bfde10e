"""The first five sites: conventional, opaque, split fields, captcha, refusal."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dirbolt_core.sandbox.base import (
    Site,
    check_email,
    check_max_len,
    check_phone,
    check_url,
    checked,
    require,
)
from dirbolt_core.sandbox.sites._common import CATEGORIES, options, state_options


class LocalPagesOnline(Site):
    """Conventional names and for= labels; redirect to a thank-you page. Has known selectors."""

    id = "localpages"
    name = "Local Pages Online"
    category = "general"
    tier = 1
    domain_authority = 62
    behaviours = ("conventional names", "labels for=", "select codes", "redirect thank-you")
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
    }

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

    def validate(self, fields: dict[str, Any]) -> list[str]:
        return (require(fields, {"business_name": "Business name", "email": "Email", "phone": "Phone"})
                + check_email(fields.get("email")) + check_phone(fields.get("phone"))
                + (check_url(fields.get("website")) if fields.get("website") else []))


class CityListed(Site):
    """Opaque ids, wrapping labels, state names, required terms, a CSS-hidden honeypot, pending review."""

    id = "citylisted"
    name = "CityListed"
    tier = 2
    domain_authority = 48
    behaviours = ("opaque ids", "wrapping labels", "select names", "terms checkbox", "honeypot",
                  "pending-review page")
    honeypot_fields = ("f_url2",)
    css = ("body{font-family:Georgia,serif;background:#fbf8f1;max-width:640px;margin:3em auto}"
           "label{display:block;margin:.6em 0}.hp{position:absolute;left:-9999px;top:-9999px}")

    async def form_page(self, request: Request) -> Response:
        return self.page("List your business | CityListed", f"""
<h2>Get listed on CityListed</h2>
<form method="post" action="{self.submission_path}">
  <label>Company <input name="f_01" id="f_01" required></label>
  <label>Web address <input name="f_02" id="f_02"></label>
  <div class="hp"><label>Leave this empty <input name="f_url2" id="f_url2" tabindex="-1" autocomplete="off"></label></div>
  <label>E-mail <input name="f_03" id="f_03" required></label>
  <label>Telephone <input name="f_04" id="f_04" required></label>
  <label>City <input name="f_05" id="f_05"></label>
  <label>State <select name="f_06" id="f_06">{state_options(by="name", placeholder="--")}</select></label>
  <label>About your business <textarea name="f_07" id="f_07" maxlength="500"></textarea></label>
  <label><input type="checkbox" name="f_08" id="f_08" value="yes"> I agree to the terms of service</label>
  <label><input type="checkbox" name="f_09" id="f_09" value="yes"> Send me the monthly newsletter</label>
  <input type="submit" value="Send">
</form>""")

    def identity(self, fields: dict[str, Any]) -> tuple[str, str]:
        return str(fields.get("f_01", "")), str(fields.get("f_04", ""))

    def validate(self, fields: dict[str, Any]) -> list[str]:
        return (require(fields, {"f_01": "Company", "f_03": "E-mail", "f_04": "Telephone"})
                + check_email(fields.get("f_03"), "E-mail") + check_max_len(fields.get("f_07"), 500, "About")
                + checked(fields, "f_08", "terms of service"))

    def success_response(self, request: Request, *, listing_id: str | None) -> Response:
        return self.page("Received", "<h2>Thanks!</h2><p>Your listing is pending review by our editors. "
                         "We usually review new businesses within 3 business days.</p>")


class BizSpot(Site):
    """Split contact name and a three-part phone; an approved listing with its URL."""

    id = "bizspot"
    name = "BizSpot"
    tier = 2
    domain_authority = 41
    expected_status = "approved"
    behaviours = ("split name", "split phone", "approved with listing url", "aria-label")

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

    def identity(self, fields: dict[str, Any]) -> tuple[str, str]:
        phone = "".join(str(fields.get(k, "")) for k in ("phone_area", "phone_prefix", "phone_line"))
        return str(fields.get("biz[name]", "")), phone

    def validate(self, fields: dict[str, Any]) -> list[str]:
        errors = require(fields, {"biz[name]": "Business name", "contact[email]": "Email",
                                  "contact[first]": "First name", "contact[last]": "Last name"})
        errors += check_email(fields.get("contact[email]"))
        parts = [str(fields.get(k, "")) for k in ("phone_area", "phone_prefix", "phone_line")]
        if [len(p) for p in parts] != [3, 3, 4] or not all(p.isdigit() for p in parts):
            errors.append("Phone must be a 10-digit number")
        return errors

    def success_response(self, request: Request, *, listing_id: str | None) -> Response:
        lid = listing_id or "pending"
        url = f"{self.base}/listing/{lid}"
        return self.page("Listing live", f"<h1>Congratulations!</h1><p>Your listing is now live: "
                         f"<a id='listing-link' href='{url}'>{url}</a></p>")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "listing/{lid}"): self.listing}

    async def listing(self, request: Request) -> Response:
        lid = html.escape(request.path_params.get("lid", ""))
        return self.page("Listing", f"<h1>Listing {lid}</h1>")


class VerifiedFinder(Site):
    """A captcha a person must solve: the platform must hand it over, not type into it."""

    id = "verifiedfinder"
    name = "Verified Finder"
    tier = 1
    domain_authority = 55
    has_captcha = True
    expected_status = "needs_manual"
    behaviours = ("captcha",)

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

    def validate(self, fields: dict[str, Any]) -> list[str]:
        return [] if fields.get("captcha_code") == "7Q2XK" else ["The captcha answer is wrong"]


class NorthOnly(Site):
    """Refuses businesses outside Canada with its own message."""

    id = "northonly"
    name = "North Only Directory"
    tier = 3
    domain_authority = 22
    expected_status = "rejected"
    behaviours = ("refusal with site message",)

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

    def identity(self, fields: dict[str, Any]) -> tuple[str, str]:
        return str(fields.get("businessName", "")), str(fields.get("phoneNumber", ""))

    def refuse(self, fields: dict[str, Any]) -> str | None:
        if fields.get("country") != "CA":
            return "Sorry, we only list businesses located in Canada."
        return None


SITES: list[type[Site]] = [LocalPagesOnline, CityListed, BizSpot, VerifiedFinder, NorthOnly]
