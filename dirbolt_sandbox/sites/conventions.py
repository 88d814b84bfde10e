"""Naming conventions and formats: camelCase + aria, dotted names, ASP.NET, MVC models, formatted phones."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dirbolt_core.models import BusinessProfile
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.sites._common import (
    category_value,
    country_value,
    description,
    optgroups,
    options,
    phone_dashed,
    phone_parts,
    radios,
    state_code,
    state_index,
    state_options,
    val,
)


class YellowBook(Site):
    """camelCase names labelled only by aria-label, radio groups, optgroup categories, approved listing.

    Rules: stateCode by code ("TX", options read "TX - Texas"); country radio "US" (none
    preselected); plan radio keeps the preselected "free"; categoryId "fd-bakeries";
    yearEstablished = year_founded. The answer links the live listing (/biz/<id>).
    """

    id = "yellowbook"
    name = "YellowBook Now"
    tier = 1
    domain_authority = 58
    expected_status = "approved"
    behaviours = ("names:camelCase", "labels:aria-label", "select:state-code", "select:optgroups",
                  "select:category-wording", "radios", "validation:server", "result:approved-listing-url")
    listing_prefix = "biz"
    core_fields = {"name": ("businessName", "Business name"), "email": ("contactEmail", "Email"),
                   "phone": ("phoneNumber", "Phone"), "website": ("websiteUrl", "Website")}
    required = {"country": "Country", "plan": "Listing plan"}
    patterns = {"yearEstablished": (r"(1[89]|20)\d\d", "Year established must be a four-digit year")}
    CATEGORIES = [
        ("Food & Dining", [("fd-bakeries", "Bakeries"), ("fd-cafes", "Coffee Shops & Cafés"),
                           ("fd-restaurants", "Restaurants")]),
        ("Shopping", [("sh-retail", "Retail Stores")]),
        ("Services", [("sv-health", "Health & Medical"), ("sv-home", "Home Services"),
                      ("sv-legal", "Legal & Financial"), ("sv-auto", "Auto Repair"), ("sv-tech", "IT Services")]),
        ("Other", [("other", "Other")]),
    ]
    CATEGORY_TABLE = {"bakery": "fd-bakeries", "cafe": "fd-cafes", "restaurant": "fd-restaurants",
                      "retail": "sh-retail", "health": "sv-health", "home": "sv-home", "legal": "sv-legal",
                      "auto": "sv-auto", "tech": "sv-tech", "other": "other"}
    css = ("body{font-family:Helvetica,Arial,sans-serif;background:#fffbe6;margin:0}"
           ".top{background:#111;color:#ffd600;padding:18px 48px;font-size:26px;font-weight:800}"
           ".card{max-width:640px;margin:28px auto;background:#fff;border-radius:12px;padding:28px;"
           "box-shadow:0 4px 18px #0001}.row{margin:14px 0}.cap{font-size:12px;text-transform:uppercase;"
           "color:#666}input,select{width:100%;padding:10px;border:1px solid #ccc;border-radius:6px}"
           "input[type=radio]{width:auto}.choice{display:block;margin:4px 0}"
           "button{background:#ffd600;border:0;padding:12px 28px;font-weight:700;border-radius:24px}")

    async def form_page(self, request: Request) -> Response:
        def row(caption: str, control: str) -> str:
            return f"<div class='row'><div class='cap'>{caption}</div>{control}</div>"

        country = radios("country", [("US", "United States"), ("CA", "Canada"), ("MX", "Mexico")], required=True,
                         wrap="label class='choice'")
        plan = radios("plan", [("free", "Basic listing — free"), ("featured", "Featured listing — $29/month")],
                      checked="free", wrap="label class='choice'")
        return self.page("Create your free listing | YellowBook Now", f"""
<div class="top">YellowBook<span style="color:#fff">Now</span></div>
<div class="card"><h1>List your business</h1>
<form method="post" action="{self.submission_path}" id="yb-create">
  {row("Business", "<input name='businessName' aria-label='Business name' required>")}
  {row("Website", "<input name='websiteUrl' type='url' aria-label='Website URL'>")}
  {row("Email", "<input name='contactEmail' type='email' aria-label='Contact email' required>")}
  {row("Phone", "<input name='phoneNumber' type='tel' aria-label='Phone number' required>")}
  {row("Address", "<input name='streetAddress' aria-label='Street address'>"
       "<input name='addressLine2' aria-label='Apt, suite, unit (optional)'>")}
  {row("City", "<input name='city' aria-label='City'>")}
  {row("State", "<select name='stateCode' aria-label='State'>" + state_options(label="code-name") + "</select>")}
  {row("ZIP", "<input name='zipCode' aria-label='ZIP code' inputmode='numeric'>")}
  {row("Country", country)}
  {row("Category", "<select name='categoryId' aria-label='Business category'>" + optgroups(self.CATEGORIES)
       + "</select>")}
  {row("Founded", "<input name='yearEstablished' aria-label='Year established' inputmode='numeric'>")}
  {row("Plan", plan)}
  <button type="submit">Create my listing</button>
</form></div>""")

    result_page = ("Your listing is live | YellowBook Now",
                   """
<div class="top">YellowBook<span style="color:#fff">Now</span></div>
<div class="card"><h1>You're in!</h1><p>Your listing is now live.</p>
<p><a class="listing-link" href="{url}">View your listing</a></p></div>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "businessName": val(profile, "business_name"), "websiteUrl": val(profile, "website"),
            "contactEmail": val(profile, "email"), "phoneNumber": val(profile, "phone"),
            "streetAddress": val(profile, "address_line1"), "addressLine2": val(profile, "address_line2"),
            "city": val(profile, "city"), "stateCode": state_code(profile), "zipCode": val(profile, "postal_code"),
            "country": country_value(profile), "categoryId": category_value(profile, cls.CATEGORY_TABLE),
            "yearEstablished": val(profile, "year_founded"), "plan": "free",
        }


class MainStreet(Site):
    """Dotted names, labels by aria-labelledby, a three-part phone, category radios, approved listing.

    Rules: phone.area/exchange/number = 3/3/4 digits; listing.state is a 2-letter box (code);
    listing.category radio "bakery-cafe"; listing.hours = hours; agree posts "true".
    """

    id = "mainstreet"
    name = "Main Street Registry"
    tier = 2
    domain_authority = 46
    expected_status = "approved"
    behaviours = ("names:dotted", "labels:aria-labelledby", "split:phone", "radios", "checkbox:terms",
                  "validation:server", "result:approved-listing-url")
    listing_prefix = "l"
    identity_fields = ("listing.name", ("phone.area", "phone.exchange", "phone.number"))
    core_fields = {"name": ("listing.name", "Business name"), "email": ("owner.email", "Email"),
                   "website": ("listing.url", "Website")}
    required = {"listing.category": "Category"}
    patterns = {"phone.area": (r"\d{3}", "Area code must be 3 digits"),
                "phone.exchange": (r"\d{3}", "Phone exchange must be 3 digits"),
                "phone.number": (r"\d{4}", "Phone number must be 4 digits"),
                "listing.state": (r"[A-Za-z]{2}", "State must be a 2-letter code")}
    terms_fields = {"agree": "Terms of Listing"}
    CATEGORIES = [("bakery-cafe", "Bakery / Café"), ("restaurant", "Restaurant / Bar"), ("shop", "Shop / Retail"),
                  ("service", "Professional service"), ("other", "Something else")]
    CATEGORY_TABLE = {"bakery": "bakery-cafe", "cafe": "bakery-cafe", "restaurant": "restaurant", "retail": "shop",
                      "health": "service", "home": "service", "legal": "service", "auto": "service",
                      "tech": "service", "other": "other"}
    css = ("body{font-family:'Courier New',monospace;background:#f0ebe0;max-width:700px;margin:30px auto}"
           ".ms-row{margin:12px 0}.ms-row span.t{display:block;font-weight:bold;letter-spacing:.05em}"
           ".ms-phone input{width:4em}.ms-cats label{margin-right:14px}")

    async def form_page(self, request: Request) -> Response:
        def row(ident: str, text: str, control: str) -> str:
            return f"<div class='ms-row'><span class='t' id='t-{ident}'>{text}</span>{control}</div>"

        def box(ident: str, name: str, extra: str = "") -> str:
            return f"<input id='{ident}' name='{name}' aria-labelledby='t-{ident}'{extra}>"

        cats = radios("listing.category", self.CATEGORIES)
        return self.page("Register a business — Main Street Registry", f"""
<h1>MAIN STREET REGISTRY</h1><p>Est. 1998 &middot; Independent businesses only</p>
<form method="post" action="{self.submission_path}">
  {row("listing-name", "Business name", box("listing-name", "listing.name", " required"))}
  {row("listing-url", "Website", box("listing-url", "listing.url"))}
  {row("owner-name", "Owner's full name", box("owner-name", "owner.name"))}
  {row("owner-email", "Owner's email", box("owner-email", "owner.email", " type='email' required"))}
  <div class="ms-row ms-phone"><span class="t" id="t-phone">Phone</span>
    (<input name="phone.area" aria-labelledby="t-phone" maxlength="3">)
    <input name="phone.exchange" aria-labelledby="t-phone" maxlength="3"> &ndash;
    <input name="phone.number" aria-labelledby="t-phone" maxlength="4"></div>
  {row("listing-street", "Street address", box("listing-street", "listing.street"))}
  {row("listing-city", "City", box("listing-city", "listing.city"))}
  {row("listing-state", "State (2 letters)", box("listing-state", "listing.state", " maxlength='2' size='2'"))}
  {row("listing-zip", "ZIP", box("listing-zip", "listing.zip", " size='10'"))}
  <div class="ms-row ms-cats" role="radiogroup" aria-labelledby="t-cat"><span class="t" id="t-cat">What kind of
    business is it?</span>{cats}</div>
  {row("listing-hours", "Opening hours", box("listing-hours", "listing.hours"))}
  <p><label><input type="checkbox" name="agree" value="true"> I accept the Terms of Listing</label></p>
  <p><button type="submit">Register business</button></p>
</form>""")

    result_page = ("Welcome — Main Street Registry",
                   "<h1>Welcome to Main Street!</h1><p>Your listing has "
                   "been published: <a href='{url}'>{url}</a></p>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        area, exchange, number = phone_parts(profile)
        return {
            "listing.name": val(profile, "business_name"), "listing.url": val(profile, "website"),
            "owner.name": val(profile, "contact_name"), "owner.email": val(profile, "email"),
            "phone.area": area, "phone.exchange": exchange, "phone.number": number,
            "listing.street": val(profile, "address_line1"), "listing.city": val(profile, "city"),
            "listing.state": state_code(profile), "listing.zip": val(profile, "postal_code"),
            "listing.category": category_value(profile, cls.CATEGORY_TABLE), "listing.hours": val(profile, "hours"),
            "agree": "true",
        }


ASP = "ctl00$MainContent$"


def _asp_id(name: str) -> str:
    return name.replace("$", "_")


class MetroIndex(Site):
    """ASP.NET WebForms: ctl00$MainContent$ names, __VIEWSTATE, numeric state values, a (555) 555-5555 phone.

    Rules: txtPhone must read "(512) 555-0142" (the format the hint shows); ddlState is the
    state's 1-based position in the list ("43" for Texas); txtKeywords = keywords; chkTerms posts
    "on". The postback answers on the same URL. __VIEWSTATE, __VIEWSTATEGENERATOR,
    __EVENTVALIDATION and the submit button's name are internal (recorded as meta).
    Known selectors in the catalog.
    """

    id = "metroindex"
    name = "Metro Business Index"
    tier = 1
    domain_authority = 60
    behaviours = ("names:aspnet", "labels:for", "select:state-opaque", "validation:phone-format", "checkbox:terms",
                  "validation:server", "result:pending-review", "known-selectors")
    known_selectors = {
        "business_name": f"#{_asp_id(ASP)}txtBusinessName",
        "contact_name": f"#{_asp_id(ASP)}txtContactName",
        "email": f"#{_asp_id(ASP)}txtEmail",
        "phone": f"#{_asp_id(ASP)}txtPhone",
        "website": f"#{_asp_id(ASP)}txtWebsite",
        "address_line1": f"#{_asp_id(ASP)}txtAddress1",
        "address_line2": f"#{_asp_id(ASP)}txtAddress2",
        "city": f"#{_asp_id(ASP)}txtCity",
        "state": f"#{_asp_id(ASP)}ddlState",
        "postal_code": f"#{_asp_id(ASP)}txtZip",
        "keywords": f"#{_asp_id(ASP)}txtKeywords",
        "description": f"#{_asp_id(ASP)}txtDescription",
        "terms_checkbox": f"#{_asp_id(ASP)}chkTerms",
        "submit": f"#{_asp_id(ASP)}btnSubmit",
    }
    internal_fields = ("__VIEWSTATE", "__VIEWSTATEGENERATOR", "__EVENTVALIDATION", f"{ASP}btnSubmit")
    core_fields = {"name": (f"{ASP}txtBusinessName", "Business Name"), "email": (f"{ASP}txtEmail", "E-mail Address"),
                   "phone": (f"{ASP}txtPhone", "Phone Number"), "website": (f"{ASP}txtWebsite", "Web Site")}
    required = {f"{ASP}txtCity": "City", f"{ASP}ddlState": "State"}
    patterns = {f"{ASP}txtPhone": (r"\(\d{3}\) \d{3}-\d{4}", "Phone Number must be in the format (555) 555-5555")}
    terms_fields = {f"{ASP}chkTerms": "Terms of Use"}
    VIEWSTATE = "/wEPDwUKLTQ3MTk0NDI4Nw9kFgJmD2QWAgIDD2QWAgIBD2QWAgIBDxYCHgRUZXh0BQ1NZXRybyBJbmRleGRk"
    css = ("body{font:13px Verdana,sans-serif;background:#dfe8f6;margin:0}#hdr{background:#15428b;color:#fff;"
           "padding:10px 20px}#pnl{background:#fff;margin:20px auto;width:620px;border:1px solid #99bbe8;"
           "padding:16px}td{padding:4px}.hint{color:#777;font-size:11px}.val{color:red}")

    def _fields_table(self) -> str:
        def tr(suffix: str, label: str, control: str, hint: str = "") -> str:
            hint_html = f"<br><span class='hint'>{hint}</span>" if hint else ""
            return (f"<tr><td><label for='{_asp_id(ASP + suffix)}' id='{_asp_id(ASP)}lbl{suffix[3:]}'>{label}"
                    f"</label></td><td>{control}{hint_html}</td></tr>")

        def txt(suffix: str, extra: str = "") -> str:
            return f"<input name='{ASP}{suffix}' type='text' id='{_asp_id(ASP + suffix)}'{extra}>"

        return "".join([
            tr("txtBusinessName", "Business Name:", txt("txtBusinessName", " maxlength='100'")),
            tr("txtContactName", "Contact Name:", txt("txtContactName")),
            tr("txtEmail", "E-mail Address:", txt("txtEmail")),
            tr("txtPhone", "Phone Number:", txt("txtPhone", " maxlength='14'"), "Format: (555) 555-5555"),
            tr("txtWebsite", "Web Site:", txt("txtWebsite"), "Include http://"),
            tr("txtAddress1", "Address:", txt("txtAddress1")),
            tr("txtAddress2", "Address 2:", txt("txtAddress2")),
            tr("txtCity", "City:", txt("txtCity")),
            tr("ddlState", "State:", f"<select name='{ASP}ddlState' id='{_asp_id(ASP)}ddlState'>"
               f"{state_options(by='index', placeholder='-- Select --')}</select>"),
            tr("txtZip", "Zip:", txt("txtZip", " maxlength='10'")),
            tr("txtKeywords", "Keywords:", txt("txtKeywords"), "Separate keywords with commas"),
            tr("txtDescription", "Description:", f"<textarea name='{ASP}txtDescription' rows='5' cols='40' "
               f"id='{_asp_id(ASP)}txtDescription'></textarea>"),
        ])

    def _page(self, panel: str) -> Response:
        return self.page("Metro Business Index - Add Listing", f"""
<form method="post" action="./submit" id="aspnetForm">
<div><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{self.VIEWSTATE}">
<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="CA0B0334">
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEdAA8sandbox"></div>
<div id="hdr"><b>Metro Business Index</b> :: Add Listing</div>
<div id="pnl">{panel}</div>
</form>""")

    async def form_page(self, request: Request) -> Response:
        return self._page(self._form_panel([]))

    def _form_panel(self, errors: list[str]) -> str:
        summary = ""
        if errors:
            items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
            summary = (f"<div id='{_asp_id(ASP)}valSummary' class='val' role='alert'>The following errors occurred:"
                       f"<ul>{items}</ul></div>")
        return f"""{summary}<table>{self._fields_table()}</table>
<p><input id="{_asp_id(ASP)}chkTerms" type="checkbox" name="{ASP}chkTerms"><label for="{_asp_id(ASP)}chkTerms">I agree
 to the Terms of Use</label></p>
<input type="submit" name="{ASP}btnSubmit" value="Submit Listing" id="{_asp_id(ASP)}btnSubmit">"""

    async def handle_post(self, request: Request) -> Response:
        fields = await self.read_fields(request)
        if fields.get("__VIEWSTATE") != self.VIEWSTATE:
            return self.page("Runtime Error", "<h1>Server Error in '/' Application.</h1><p>Validation of viewstate "
                             "MAC failed.</p>", status_code=500)
        return await self.process(request, fields)

    def error_response(self, request: Request, fields: dict[str, Any], errors: list[str]) -> Response:
        return self._page(self._form_panel(errors))

    def success_response(self, request: Request, *, listing_id: str | None) -> Response:
        return self._page(f"<div id='{_asp_id(ASP)}pnlDone'><h2>Thank you.</h2><p>Your submission has been received "
                          f"and will be reviewed by our staff. Reference number: {listing_id}</p></div>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        area, prefix, line = phone_parts(profile)
        return {
            f"{ASP}txtBusinessName": val(profile, "business_name"), f"{ASP}txtContactName": val(profile, "contact_name"),
            f"{ASP}txtEmail": val(profile, "email"), f"{ASP}txtPhone": f"({area}) {prefix}-{line}",
            f"{ASP}txtWebsite": val(profile, "website"), f"{ASP}txtAddress1": val(profile, "address_line1"),
            f"{ASP}txtAddress2": val(profile, "address_line2"), f"{ASP}txtCity": val(profile, "city"),
            f"{ASP}ddlState": state_index(profile), f"{ASP}txtZip": val(profile, "postal_code"),
            f"{ASP}txtKeywords": val(profile, "keywords"), f"{ASP}txtDescription": description(profile),
            f"{ASP}chkTerms": "on",
        }


class CommerceRegistry(Site):
    """MVC model names (Business.Name) and a required federal tax id the profile cannot provide.

    The runner cannot fill Business.TaxId, the site answers "Federal Tax ID (EIN) is required";
    a correct runner ends `rejected` (validation, not retried) and the record shows `invalid`.
    Rules: Business.State by code; Business.YearFounded = year_founded; Business.TaxId posted empty.
    """

    id = "commerceregistry"
    name = "US Commerce Registry"
    tier = 2
    domain_authority = 50
    expected_status = "rejected"
    expected_outcome = "invalid"
    behaviours = ("names:dotted", "labels:for", "select:state-code", "validation:unfillable", "validation:server")
    core_fields = {"name": ("Business.Name", "Business name"), "email": ("Business.Email", "Email"),
                   "phone": ("Business.Phone", "Phone"), "website": ("Business.Website", "Website")}
    required = {"Business.TaxId": "Federal Tax ID (EIN)"}
    patterns = {"Business.TaxId": (r"\d{2}-\d{7}", "Federal Tax ID (EIN) must look like 12-3456789")}
    css = ("body{font-family:'Segoe UI',Tahoma,sans-serif;background:#fff;margin:0}nav{background:#1f3b57;"
           "color:#fff;padding:12px 30px}.container{max-width:720px;margin:20px auto}.form-group{margin:12px 0}"
           ".form-group label{display:block;font-weight:600}.form-control{width:100%;padding:6px}"
           ".validation-summary-errors{color:#a94442;background:#f2dede;padding:10px}")

    async def form_page(self, request: Request) -> Response:
        def group(prop: str, label: str, extra: str = "", control: str = "") -> str:
            ident = "Business_" + prop
            ctrl = control or f"<input class='form-control' id='{ident}' name='Business.{prop}'{extra}>"
            return f"<div class='form-group'><label for='{ident}'>{label}</label>{ctrl}</div>"

        state = (f"<select class='form-control' id='Business_State' name='Business.State'>"
                 f"{state_options(by='code', label='code', placeholder='')}</select>")
        return self.page("Register - US Commerce Registry", f"""
<nav>US Commerce Registry</nav><div class="container"><h2>Register your business</h2>
<p>Registration is free for businesses with a valid federal tax id.</p>
<form method="post" action="{self.submission_path}">
  {group("Name", "Legal business name *")}
  {group("Email", "Email *", " type='email'")}
  {group("Phone", "Phone *", " type='tel'")}
  {group("Website", "Website")}
  {group("TaxId", "Federal Tax ID (EIN) *", " placeholder='12-3456789'")}
  {group("Address", "Street address")}
  {group("City", "City")}
  {group("State", "State", control=state)}
  {group("Zip", "ZIP")}
  {group("YearFounded", "Year founded")}
  <button type="submit" class="btn btn-primary">Register</button>
</form></div>""")

    def error_response(self, request: Request, fields: dict[str, Any], errors: list[str]) -> Response:
        items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
        return self.page("Register - US Commerce Registry", f"<nav>US Commerce Registry</nav><div class='container'>"
                         f"<div class='validation-summary-errors' role='alert'><ul>{items}</ul></div>"
                         f"<p><a href='{self.submission_path}'>Back to the form</a></p></div>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "Business.Name": val(profile, "business_name"), "Business.Email": val(profile, "email"),
            "Business.Phone": val(profile, "phone"), "Business.Website": val(profile, "website"),
            "Business.TaxId": "", "Business.Address": val(profile, "address_line1"),
            "Business.City": val(profile, "city"), "Business.State": state_code(profile),
            "Business.Zip": val(profile, "postal_code"), "Business.YearFounded": val(profile, "year_founded"),
        }


class CityWide(Site):
    """A 555-555-5555 phone format, the email typed twice, and a redirect chain to the thank-you page.

    Rules: biz_phone "512-555-0142" (pattern and placeholder say so; other formats are refused
    with "Phone must be in the format 555-555-5555"); biz_email_confirm = email; biz_state is a
    2-letter box (code); biz_category "food" (Food, Beverage & Bakeries). POST -> 303 /confirm
    -> 302 /thanks?ref=<listing id>.
    """

    id = "citywide"
    name = "Citywide Pages"
    tier = 2
    domain_authority = 39
    behaviours = ("names:conventional", "labels:for", "validation:phone-format", "validation:email-confirm",
                  "select:category-wording", "validation:server", "result:redirect-thanks")
    core_fields = {"name": ("biz_name", "Business name"), "email": ("biz_email", "Email"),
                   "phone": ("biz_phone", "Phone"), "website": ("biz_website", "Website")}
    required = {"biz_email_confirm": "Confirm email"}
    patterns = {"biz_phone": (r"\d{3}-\d{3}-\d{4}", "Phone must be in the format 555-555-5555"),
                "biz_state": (r"[A-Z]{2}", "State must be a two-letter code")}
    CATEGORIES = [("food", "Food, Beverage & Bakeries"), ("shops", "Shops"), ("pros", "Professionals"),
                  ("care", "Health & Care"), ("trades", "Trades"), ("misc", "Everything else")]
    CATEGORY_TABLE = {"bakery": "food", "cafe": "food", "restaurant": "food", "retail": "shops", "legal": "pros",
                      "tech": "pros", "health": "care", "home": "trades", "auto": "trades", "other": "misc"}
    css = ("body{font-family:Futura,'Century Gothic',sans-serif;background:#e8f4f8;max-width:600px;margin:24px auto}"
           "form{background:#fff;padding:20px;border-left:8px solid #0077b6}p label{display:inline-block;"
           "width:150px}small{color:#555}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "confirm"): self.confirm}

    async def form_page(self, request: Request) -> Response:
        return self.page("Add your business — Citywide Pages", f"""
<h1>Citywide Pages</h1>
<form method="post" action="{self.submission_path}">
  <p><label for="cw-name">Business name</label><input id="cw-name" name="biz_name" required></p>
  <p><label for="cw-web">Website</label><input id="cw-web" name="biz_website" type="url"></p>
  <p><label for="cw-email">Email</label><input id="cw-email" name="biz_email" type="email" required></p>
  <p><label for="cw-email2">Confirm email</label><input id="cw-email2" name="biz_email_confirm" type="email" required></p>
  <p><label for="cw-phone">Phone</label><input id="cw-phone" name="biz_phone" type="tel" placeholder="555-555-5555"
     pattern="[0-9]{{3}}-[0-9]{{3}}-[0-9]{{4}}" title="Format: 555-555-5555" required>
     <small>Format: 555-555-5555</small></p>
  <p><label for="cw-addr">Address</label><input id="cw-addr" name="biz_address"></p>
  <p><label for="cw-addr2">Address line 2</label><input id="cw-addr2" name="biz_address2"></p>
  <p><label for="cw-city">City</label><input id="cw-city" name="biz_city"></p>
  <p><label for="cw-state">State</label><input id="cw-state" name="biz_state" maxlength="2" size="2" placeholder="NY"></p>
  <p><label for="cw-zip">ZIP</label><input id="cw-zip" name="biz_zip"></p>
  <p><label for="cw-cat">Category</label><select id="cw-cat" name="biz_category">{options(self.CATEGORIES)}</select></p>
  <p><label for="cw-desc">Description</label><textarea id="cw-desc" name="biz_description"></textarea></p>
  <p><button type="submit">Add my business</button></p>
</form>""")

    def validate(self, fields: dict[str, Any]) -> list[str]:
        errors = super().validate(fields)
        if fields.get("biz_email_confirm") and fields.get("biz_email_confirm") != fields.get("biz_email"):
            errors.append("Email addresses do not match")
        return errors

    def success_response(self, request: Request, *, listing_id: str | None) -> Response:
        return RedirectResponse(f"{self.base}/confirm?ref={listing_id}", status_code=303)

    async def confirm(self, request: Request) -> Response:
        ref = request.query_params.get("ref", "")
        return RedirectResponse(f"{self.base}/thanks?ref={ref}", status_code=302)

    async def thanks(self, request: Request) -> Response:
        ref = html.escape(request.query_params.get("ref", ""))
        return self.page("Thank you — Citywide Pages", f"<h1>Thank you!</h1><p>Your submission has been received. "
                         f"Reference: <code>{ref}</code></p>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "biz_name": val(profile, "business_name"), "biz_website": val(profile, "website"),
            "biz_email": val(profile, "email"), "biz_email_confirm": val(profile, "email"),
            "biz_phone": phone_dashed(profile), "biz_address": val(profile, "address_line1"),
            "biz_address2": val(profile, "address_line2"), "biz_city": val(profile, "city"),
            "biz_state": state_code(profile), "biz_zip": val(profile, "postal_code"),
            "biz_category": category_value(profile, cls.CATEGORY_TABLE), "biz_description": description(profile),
        }


SITES: list[type[Site]] = [YellowBook, MainStreet, MetroIndex, CommerceRegistry, CityWide]
