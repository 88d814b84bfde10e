"""What stands between the runner and an accepted listing: sign-in walls, captchas, rate limits, 503s,
slow pages, server-side limits and listings that already exist."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dirbolt_core.models import BusinessProfile
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_sandbox.base import Site, SiteBehaviour
from dirbolt_sandbox.kit import CaptchaProtected, LoginWall
from dirbolt_sandbox.sites._common import (
    ES_MESSAGES,
    PL_MESSAGES,
    category_value,
    description,
    options,
    radios,
    recaptcha_widget,
    state_code,
    state_index,
    state_name,
    state_options,
    street_parts,
    val,
)
from dirbolt_sandbox.sites.flows import FETCH_SCRIPT


class MemberBiz(LoginWall):
    """The catalog does not say so, but the submission page redirects to a sign-in page first.

    A correct runner without credentials ends `needs_manual` ("login wall"). With the sandbox
    account (kit.DEMO_ACCOUNT) the form appears and behaves like any other.
    """

    id = "memberbiz"
    name = "MemberBiz Directory"
    tier = 2
    domain_authority = 51
    behaviours = ("login-wall", "labels:for", "names:conventional", "result:redirect-thanks")
    core_fields = {"name": ("company", "Company"), "phone": ("phone", "Phone"), "email": ("email", "Email")}
    css = ("body{font-family:Lato,sans-serif;background:#eef;margin:0}.box{max-width:420px;margin:60px auto;"
           "background:#fff;padding:24px;border-radius:6px}label{display:block;margin-top:10px}input,textarea"
           "{width:100%;padding:8px}")
    thanks_html = "<div class='box'><h1>Thank you!</h1><p>Your business has been added to your member account.</p></div>"

    def login_page(self, next_url: str, *, error: str) -> Response:
        err = f"<p class='error' role='alert'>{html.escape(error)}</p>" if error else ""
        return self.page("Sign in — MemberBiz", f"""
<div class="box"><h1>Sign in</h1><p>Please sign in to continue. Only members can add a business.</p>{err}
<form method="post" action="{self.base}/login">
  <input type="hidden" name="next" value="{html.escape(next_url)}">
  <label for="mb-email">Email</label><input id="mb-email" name="email" type="email" autocomplete="username">
  <label for="mb-pass">Password</label><input id="mb-pass" name="password" type="password"
    autocomplete="current-password">
  <p><button type="submit">Sign in</button></p>
</form><p>No account? <a href="{self.base}/">Create one</a> (email verification required).</p></div>""")

    async def form_page(self, request: Request) -> Response:
        return self.page("Add a business — MemberBiz", f"""
<div class="box"><h1>Add a business</h1>
<form method="post" action="{self.submission_path}">
  <label for="mb-company">Company</label><input id="mb-company" name="company">
  <label for="mb-phone">Phone</label><input id="mb-phone" name="phone">
  <label for="mb-mail">Email</label><input id="mb-mail" name="email">
  <label for="mb-site">Website</label><input id="mb-site" name="website">
  <label for="mb-desc">Description</label><textarea id="mb-desc" name="description"></textarea>
  <p><button type="submit">Add business</button></p>
</form></div>""")


class ProGuild(LoginWall):
    """Declares requires_login in the catalog: the planner skips it for customers without credentials.

    The submission page itself is a members-only sign-in form (no redirect). A runner sent there
    without credentials ends `needs_manual`.
    """

    id = "proguild"
    name = "ProGuild Network"
    tier = 1
    domain_authority = 64
    requires_login = True
    behaviours = ("login-wall", "names:camelCase", "labels:for")
    core_fields = {"name": ("companyName", "Company name"), "phone": ("companyPhone", "Phone")}
    login_fields = ("username", "passwd")
    css = ("body{font-family:'Palatino Linotype',serif;background:#1c1917;color:#fafaf9}.guild{max-width:460px;"
           "margin:70px auto;border:1px solid #a8a29e;padding:30px}input{width:100%;padding:8px;margin:6px 0}")

    async def wall(self, request: Request) -> Response:
        return self.login_page(self.submission_path, error="")

    def login_page(self, next_url: str, *, error: str) -> Response:
        err = f"<p class='error' role='alert'>{html.escape(error)}</p>" if error else ""
        return self.page("Members only — ProGuild", f"""
<div class="guild"><h1>ProGuild Network</h1><h2>Members only</h2>
<p>Sign in to add your business to the network. Membership is by invitation.</p>{err}
<form method="post" action="{self.base}/login">
  <input type="hidden" name="next" value="{html.escape(next_url)}">
  <label for="pg-user">Username</label><input id="pg-user" name="username">
  <label for="pg-pass">Password</label><input id="pg-pass" name="passwd" type="password">
  <button type="submit">Log in</button>
</form></div>""")

    async def form_page(self, request: Request) -> Response:
        return self.page("Add your practice — ProGuild", f"""
<div class="guild"><h1>Add your practice</h1>
<form method="post" action="{self.submission_path}">
  <label for="pg-name">Company name</label><input id="pg-name" name="companyName">
  <label for="pg-phone">Phone</label><input id="pg-phone" name="companyPhone">
  <label for="pg-web">Website</label><input id="pg-web" name="companyWebsite">
  <button type="submit">Submit to the guild</button>
</form></div>""")


class ClickLocal(LoginWall):
    """Shows its form to anyone; only the submit answers with a sign-in page ("Please log in to
    continue"). The catalog does not know. A correct runner ends `needs_manual` (login wall after
    submit); the record shows the post `refused` (not signed in), nothing accepted.
    """

    id = "clicklocal"
    name = "ClickLocal"
    tier = 3
    domain_authority = 29
    behaviours = ("login-wall", "labels:placeholder", "names:conventional")
    wall_before_form = False
    expected_readiness = "ready"  # the wall shows only after the submit: a probe cannot see it
    core_fields = {"name": ("business_name", "Business name"), "phone": ("phone", "Phone"),
                   "email": ("email", "Email")}
    css = ("body{font-family:Rockwell,serif;background:#fff1f2;max-width:460px;margin:50px auto}"
           "input,textarea{display:block;width:100%;margin:8px 0;padding:8px}.login{border:2px solid #e11d48;"
           "padding:16px}")
    thanks_html = "<h1>Thank you!</h1><p>Your ClickLocal listing was submitted.</p>"

    async def form_page(self, request: Request) -> Response:
        return self.page("Add your business — ClickLocal", f"""
<h1>ClickLocal</h1><p>Get found by locals in one click.</p>
<form method="post" action="{self.submission_path}">
  <input name="business_name" placeholder="Business name">
  <input name="phone" placeholder="Phone">
  <input name="email" placeholder="Email">
  <input name="website" placeholder="Website">
  <textarea name="description" placeholder="What do you do?"></textarea>
  <button type="submit">Publish</button>
</form>""")

    async def wall(self, request: Request) -> Response:
        if request.method == "POST":
            return self.login_page(self.submission_path, error="")
        return await super().wall(request)

    def login_page(self, next_url: str, *, error: str) -> Response:
        err = f"<p class='error' role='alert'>{html.escape(error)}</p>" if error else ""
        return self.page("Log in — ClickLocal", f"""
<div class="login"><h1>Please log in to continue</h1><p>You need a ClickLocal account to publish a listing.
Your details were not saved.</p>{err}
<form method="post" action="{self.base}/login">
  <input type="hidden" name="next" value="{html.escape(next_url)}">
  <input name="email" type="email" placeholder="Email" autocomplete="username">
  <input name="password" type="password" placeholder="Password" autocomplete="current-password">
  <button type="submit">Log in</button>
</form></div>""")


class SwiftList(Site):
    """Rate limited: at most one submission every 3 s (the catalog says so too); closer ones get 429 with
    Retry-After. Dotted names, wrapping labels, an inline display:none honeypot "company.homepage".

    Rules: company.summary = short_description; location.state = the profile's state text.
    """

    id = "swiftlist"
    name = "SwiftList"
    tier = 2
    domain_authority = 38
    rate_limit_ms = 3000
    default_behaviour = SiteBehaviour(rate_limit_ms=3000, retry_after_s=3)
    behaviours = ("rate-limit", "names:dotted", "labels:wrapping", "honeypot:inline-style", "validation:server",
                  "result:redirect-thanks")
    honeypot_fields = ("company.homepage",)
    core_fields = {"name": ("company.name", "Company name"), "email": ("contact.email", "Email"),
                   "phone": ("contact.phone", "Phone"), "website": ("company.url", "Website")}
    thanks_html = "<h1>Thanks!</h1><p>Your SwiftList entry has been received.</p>"
    css = ("body{font-family:Impact,'Arial Narrow',sans-serif;background:#ecfeff;max-width:500px;margin:40px auto}"
           "label{display:block;margin:10px 0;font-family:Arial,sans-serif}label input{display:block;width:100%}")

    async def form_page(self, request: Request) -> Response:
        return self.page("SwiftList — fast free listings", f"""
<h1>SwiftList &#9889;</h1>
<form method="post" action="{self.submission_path}">
  <label>Company name <input name="company.name"></label>
  <label>Website <input name="company.url"></label>
  <label style="display:none">Homepage <input name="company.homepage" autocomplete="off"></label>
  <label>Email <input name="contact.email"></label>
  <label>Phone <input name="contact.phone"></label>
  <label>City <input name="location.city"></label>
  <label>State <input name="location.state"></label>
  <label>One-line summary <input name="company.summary" maxlength="200"></label>
  <button type="submit">List it</button>
</form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "company.name": val(profile, "business_name"), "company.url": val(profile, "website"),
            "company.homepage": "", "contact.email": val(profile, "email"), "contact.phone": val(profile, "phone"),
            "location.city": val(profile, "city"), "location.state": val(profile, "state"),
            "company.summary": val(profile, "short_description"),
        }


class DirectorioLatino(Site):
    """Spanish; its catalog entry is stale: it says 1 s between submissions, the site enforces 5 s
    (429, Retry-After: 5). A correct runner waits and retries.

    Rules: estado select by English state name ("Texas"); descripcion = description.
    """

    id = "directoriolatino"
    name = "Directorio Latino USA"
    lang = "es"
    tier = 3
    domain_authority = 30
    rate_limit_ms = 1000
    default_behaviour = SiteBehaviour(rate_limit_ms=5000, retry_after_s=5)
    behaviours = ("rate-limit", "language:es", "names:foreign", "labels:for", "select:state-name",
                  "validation:server", "result:redirect-thanks")
    messages = ES_MESSAGES
    core_fields = {"name": ("negocio", "Nombre del negocio"), "phone": ("telefono", "Teléfono"),
                   "email": ("correo", "Correo"), "website": ("web", "Página web")}
    thanks_html = "<h1>¡Gracias!</h1><p>Su negocio ha sido registrado correctamente.</p>"
    css = ("body{font-family:Georgia,serif;background:#fefce8;max-width:620px;margin:30px auto}"
           "table{width:100%}td{padding:5px}.sol{color:#ca8a04;font-size:32px}")

    async def form_page(self, request: Request) -> Response:
        def tr(ident: str, label: str, control: str) -> str:
            return f"<tr><td><label for='{ident}'>{label}</label></td><td>{control}</td></tr>"

        return self.page("Registre su negocio — Directorio Latino USA", f"""
<p class="sol">&#9728;</p><h1>Directorio Latino USA</h1><p>Registre su negocio gratis.</p>
<form method="post" action="{self.submission_path}"><table>
  {tr("dl1", "Nombre del negocio", "<input id='dl1' name='negocio'>")}
  {tr("dl2", "Teléfono", "<input id='dl2' name='telefono'>")}
  {tr("dl3", "Correo electrónico", "<input id='dl3' name='correo'>")}
  {tr("dl4", "Página web", "<input id='dl4' name='web'>")}
  {tr("dl5", "Dirección", "<input id='dl5' name='direccion'>")}
  {tr("dl6", "Ciudad", "<input id='dl6' name='ciudad'>")}
  {tr("dl7", "Estado", "<select id='dl7' name='estado'>" + state_options(by="name", placeholder="Seleccione")
      + "</select>")}
  {tr("dl8", "Descripción", "<textarea id='dl8' name='descripcion'></textarea>")}
</table><p><button type="submit">Registrar negocio</button></p></form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "negocio": val(profile, "business_name"), "telefono": val(profile, "phone"),
            "correo": val(profile, "email"), "web": val(profile, "website"),
            "direccion": val(profile, "address_line1"), "ciudad": val(profile, "city"),
            "estado": state_name(profile), "descripcion": description(profile),
        }


class Sunbelt(Site):
    """Flaky: half of its submissions are answered 503 (seeded; never more than two in a row), so a
    runner with three attempts always gets through. Known selectors in the catalog.

    Rules: state select with opaque numeric values (1-based position, "43" for Texas); street =
    address_line1.
    """

    id = "sunbelt"
    name = "Sunbelt Business Guide"
    tier = 1
    domain_authority = 56
    default_behaviour = SiteBehaviour(failure_rate=0.5)
    behaviours = ("flaky-503", "names:conventional", "labels:for", "select:state-opaque", "validation:server",
                  "result:redirect-thanks", "known-selectors")
    known_selectors = {"business_name": "#sb-business", "phone": "#sb-phone", "email": "#sb-email",
                       "website": "#sb-website", "address_line1": "#sb-street", "city": "#sb-city",
                       "state": "#sb-state", "postal_code": "#sb-zip", "description": "#sb-description",
                       "submit": "#sb-submit"}
    core_fields = {"name": ("business_name", "Business name"), "phone": ("phone", "Phone"),
                   "email": ("email", "Email"), "website": ("website", "Website")}
    thanks_html = "<h1>Thank you!</h1><p>Your business was submitted to the Sunbelt Business Guide.</p>"
    css = ("body{font-family:Tahoma,sans-serif;background:#fff7ed;max-width:600px;margin:30px auto}"
           "fieldset{border:2px solid #fb923c}label{display:inline-block;width:140px}p{margin:8px 0}")

    async def form_page(self, request: Request) -> Response:
        return self.page("Submit your business — Sunbelt Business Guide", f"""
<h1>&#127774; Sunbelt Business Guide</h1>
<form method="post" action="{self.submission_path}"><fieldset><legend>Your business</legend>
  <p><label for="sb-business">Business name</label><input id="sb-business" name="business_name"></p>
  <p><label for="sb-phone">Phone</label><input id="sb-phone" name="phone"></p>
  <p><label for="sb-email">Email</label><input id="sb-email" name="email"></p>
  <p><label for="sb-website">Website</label><input id="sb-website" name="website"></p>
  <p><label for="sb-street">Street</label><input id="sb-street" name="street"></p>
  <p><label for="sb-city">City</label><input id="sb-city" name="city"></p>
  <p><label for="sb-state">State</label><select id="sb-state" name="state">{state_options(by="index")}</select></p>
  <p><label for="sb-zip">ZIP</label><input id="sb-zip" name="zip"></p>
  <p><label for="sb-description">Description</label><textarea id="sb-description" name="description"></textarea></p>
  <p><button id="sb-submit" type="submit">Submit</button></p>
</fieldset></form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "business_name": val(profile, "business_name"), "phone": val(profile, "phone"),
            "email": val(profile, "email"), "website": val(profile, "website"),
            "street": val(profile, "address_line1"), "city": val(profile, "city"), "state": state_index(profile),
            "zip": val(profile, "postal_code"), "description": description(profile),
        }


class LazyRiver(Site):
    """Slow: every request of the site takes 2 s. Street number and street name apart, a unit line.

    Rules: street_number/street_name = street_parts; unit = address_line2; state text; hours and
    year_founded verbatim. Pending-review page.
    """

    id = "lazyriver"
    name = "Lazy River Listings"
    tier = 3
    domain_authority = 27
    default_behaviour = SiteBehaviour(latency_ms=2000)
    behaviours = ("slow", "split:street", "names:conventional", "labels:for", "validation:server",
                  "result:pending-review")
    core_fields = {"name": ("business", "Business"), "phone": ("phone", "Phone"), "email": ("email", "Email"),
                   "website": ("website", "Website")}
    css = ("body{font-family:'Comic Sans MS',cursive;background:#ecfdf5;max-width:560px;margin:30px auto}"
           "div{margin:8px 0}label{display:inline-block;width:150px}")

    async def form_page(self, request: Request) -> Response:
        rows = [("business", "Business"), ("street_number", "Street number"), ("street_name", "Street name"),
                ("unit", "Unit / Suite"), ("city", "City"), ("state", "State"), ("zip", "ZIP"), ("phone", "Phone"),
                ("email", "Email"), ("website", "Website"), ("hours", "Opening hours"),
                ("year_founded", "Year founded")]
        body = "".join(f"<div><label for='lr-{n}'>{label}</label><input id='lr-{n}' name='{n}'></div>"
                       for n, label in rows)
        return self.page("List with Lazy River", f"""
<h1>&#128054; Lazy River Listings</h1><p>No rush. We'll get to it.</p>
<form method="post" action="{self.submission_path}">{body}<button type="submit">Float it downstream</button></form>""")

    result_page = ("Received — Lazy River",
                   "<h1>Got it!</h1><p>Your listing is pending review; we look at "
                   "new listings every Friday.</p>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        number, street = street_parts(profile)
        return {
            "business": val(profile, "business_name"), "street_number": number, "street_name": street,
            "unit": val(profile, "address_line2"), "city": val(profile, "city"), "state": val(profile, "state"),
            "zip": val(profile, "postal_code"), "phone": val(profile, "phone"), "email": val(profile, "email"),
            "website": val(profile, "website"), "hours": val(profile, "hours"),
            "year_founded": val(profile, "year_founded"),
        }


class OldTown(Site):
    """Slow (1 s a request) and flaky (half of the submissions 503, seeded), with a two-step client-side
    form ("Continue"), bracketed names and a country radio group without a default.

    Rules: listing[country] "usa" (radio: usa / canada / other); listing[state] text.
    """

    id = "oldtown"
    name = "Old Town Register"
    tier = 3
    domain_authority = 24
    default_behaviour = SiteBehaviour(latency_ms=1000, failure_rate=0.5)
    behaviours = ("slow", "flaky-503", "wizard:client", "names:bracketed", "radios", "labels:for",
                  "validation:server", "result:redirect-thanks")
    core_fields = {"name": ("listing[title]", "Name"), "phone": ("listing[phone]", "Phone"),
                   "email": ("listing[email]", "Email"), "website": ("listing[web]", "Website")}
    required = {"listing[country]": "Country"}
    COUNTRY_TABLE = {"US": "usa", "CA": "canada"}
    thanks_html = "<h1>Thank you</h1><p>Your entry was submitted to the Old Town Register.</p>"
    css = ("body{font-family:'Book Antiqua',serif;background:#f5f0e6;max-width:540px;margin:40px auto;color:#3f2d1c}"
           ".ot-step[hidden]{display:none}p label{display:inline-block;width:120px}.ot-radios label{margin-right:12px}")

    async def form_page(self, request: Request) -> Response:
        country = radios("listing[country]", [("usa", "USA"), ("canada", "Canada"), ("other", "Elsewhere")])
        return self.page("Old Town Register — new entry", f"""
<h1>Old Town Register</h1><p><em>Since 1887</em></p>
<form method="post" action="{self.submission_path}">
  <div class="ot-step" id="ot-1">
    <p><label for="ot-title">Name of business</label><input id="ot-title" name="listing[title]"></p>
    <p><label for="ot-phone">Telephone</label><input id="ot-phone" name="listing[phone]"></p>
    <p><label for="ot-email">Email</label><input id="ot-email" name="listing[email]"></p>
    <p><label for="ot-web">Website</label><input id="ot-web" name="listing[web]"></p>
    <button type="button" id="ot-next">Continue</button>
  </div>
  <div class="ot-step" id="ot-2" hidden>
    <p class="ot-radios">Country: {country}</p>
    <p><label for="ot-city">Town</label><input id="ot-city" name="listing[city]"></p>
    <p><label for="ot-state">State</label><input id="ot-state" name="listing[state]"></p>
    <p><label for="ot-about">About</label><textarea id="ot-about" name="listing[about]"></textarea></p>
    <button type="submit">Submit entry</button>
  </div>
</form>
<script>
document.getElementById('ot-next').onclick = () => {{
  document.getElementById('ot-1').hidden = true; document.getElementById('ot-2').hidden = false;
}};
</script>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "listing[title]": val(profile, "business_name"), "listing[phone]": val(profile, "phone"),
            "listing[email]": val(profile, "email"), "listing[web]": val(profile, "website"),
            "listing[country]": cls.COUNTRY_TABLE.get((profile.country or "").upper(), "other"),
            "listing[city]": val(profile, "city"), "listing[state]": val(profile, "state"),
            "listing[about]": description(profile),
        }


class SpisFirm(CaptchaProtected):
    """Polish, with a reCAPTCHA-like checkbox that only opens an image challenge (not declared in the catalog).

    A correct runner ends `needs_manual`; nothing is recorded as accepted.
    """

    id = "spisfirm"
    name = "Spis Firm"
    lang = "pl"
    tier = 2
    domain_authority = 37
    behaviours = ("captcha", "language:pl", "names:foreign", "labels:for")
    captcha_field = "g-recaptcha-response"
    captcha_message = "Potwierdź, że nie jesteś robotem (captcha)."
    messages = PL_MESSAGES
    core_fields = {"name": ("nazwa", "Nazwa"), "phone": ("telefon", "Telefon"), "email": ("email", "E-mail")}
    css = ("body{font-family:Arial,sans-serif;background:#fff;max-width:520px;margin:30px auto}"
           ".g-recaptcha{border:1px solid #d3d3d3;background:#f9f9f9;padding:10px;width:300px;margin:12px 0}"
           ".rc-grid{display:grid;grid-template-columns:repeat(3,40px);gap:2px}p label{display:block}")

    async def form_page(self, request: Request) -> Response:
        return self.page("Dodaj wpis — Spis Firm", f"""
<h1>Spis Firm</h1>
<form method="post" action="{self.submission_path}">
  <p><label for="sf-nazwa">Nazwa firmy</label><input id="sf-nazwa" name="nazwa"></p>
  <p><label for="sf-tel">Telefon</label><input id="sf-tel" name="telefon"></p>
  <p><label for="sf-mail">E-mail</label><input id="sf-mail" name="email"></p>
  <p><label for="sf-www">Strona internetowa</label><input id="sf-www" name="www"></p>
  {recaptcha_widget("6Lf-sandbox-spisfirm")}
  <p><button type="submit">Wyślij</button></p>
</form>""")


class Cornerstone(Site):
    """The description limit (200) is only enforced server-side; the error page shows the form again with
    the values kept and "Business description must be 200 characters or fewer". A tabindex -1,
    opacity 0 honeypot named "website" sits next to the real business_website field.

    Rules: business_description fit_text(200); business_state by code; accept_terms posts "agree";
    the honeypot "website" stays empty. The record holds one `invalid` then one `accepted`.
    """

    id = "cornerstone"
    name = "Cornerstone Business Directory"
    tier = 2
    domain_authority = 44
    behaviours = ("validation:maxlength-server", "validation:server", "names:conventional", "labels:for",
                  "honeypot:tabindex", "select:state-code", "checkbox:terms", "result:pending-review")
    honeypot_fields = ("website",)
    core_fields = {"name": ("business_name", "Business name"), "email": ("business_email", "Email"),
                   "phone": ("business_phone", "Phone"), "website": ("business_website", "Website")}
    max_lengths = {"business_description": ("Business description", 200)}
    terms_fields = {"accept_terms": "directory terms"}
    messages = {**Site.messages, "max": "{label} must be {limit} characters or fewer"}
    css = ("body{font-family:Cambria,serif;background:#f8fafc;max-width:640px;margin:30px auto}"
           ".cs-row{margin:10px 0}.cs-row label{display:block;font-weight:bold}.cs-row input,.cs-row select,"
           ".cs-row textarea{width:100%;padding:6px}.cs-alt{position:absolute;opacity:0;height:1px;width:1px;"
           "pointer-events:none}.cs-errors{border:1px solid #b91c1c;color:#b91c1c;padding:8px}")
    FIELDS = [("business_name", "Business name"), ("business_website", "Website"), ("business_email", "Email"),
              ("business_phone", "Phone"), ("business_city", "City")]

    def _form(self, values: dict[str, Any], errors: list[str]) -> Response:
        def v(name: str) -> str:
            return html.escape(str(values.get(name, "")), quote=True)

        summary = ""
        if errors:
            items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
            summary = f"<div class='cs-errors error' role='alert'><p>Please fix the following:</p><ul>{items}</ul></div>"
        rows = "".join(f"<div class='cs-row'><label for='cs-{n}'>{label}</label><input id='cs-{n}' name='{n}' "
                       f"value='{v(n)}'></div>" for n, label in self.FIELDS)
        state = state_options(label="code-name").replace(f"value='{v('business_state')}'",
                                                         f"value='{v('business_state')}' selected")
        return self.page("Add a business — Cornerstone", f"""
<h1>Cornerstone Business Directory</h1>{summary}
<form method="post" action="{self.submission_path}">
  {rows}
  <input class="cs-alt" type="text" name="website" tabindex="-1" autocomplete="off" aria-label="Website">
  <div class='cs-row'><label for='cs-state'>State</label><select id='cs-state' name='business_state'>{state}</select></div>
  <div class='cs-row'><label for='cs-desc'>Business description</label>
    <textarea id='cs-desc' name='business_description' rows='5'>{v('business_description')}</textarea></div>
  <p><label><input type="checkbox" name="accept_terms" value="agree"> I accept the directory terms</label></p>
  <p><button type="submit">Submit for review</button></p>
</form>""")

    async def form_page(self, request: Request) -> Response:
        return self._form({}, [])

    def error_response(self, request: Request, fields: dict[str, Any], errors: list[str]) -> Response:
        return self._form(fields, errors)

    result_page = ("Submitted — Cornerstone",
                   "<h1>Thank you</h1><p>Your business is awaiting approval by "
                   "our moderators.</p>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "business_name": val(profile, "business_name"), "business_website": val(profile, "website"),
            "business_email": val(profile, "email"), "business_phone": val(profile, "phone"),
            "business_city": val(profile, "city"), "website": "", "business_state": state_code(profile),
            "business_description": description(profile, 200), "accept_terms": "agree",
        }


class LocalHub(Site):
    """Already lists the sample business; its fetch submit answers the duplicate inline (HTTP 409).

    Rules: bizState by code; bizCategory "food" (Food & Drink). The record shows `refused`
    (duplicate listing); a correct runner ends `skipped`.
    """

    id = "localhub"
    name = "LocalHub"
    tier = 2
    domain_authority = 40
    expected_status = "skipped"
    behaviours = ("duplicate", "xhr", "names:camelCase", "labels:aria-label", "select:state-code",
                  "select:category-wording", "validation:server", "result:inline-message")
    responds_json = True
    submission_routes = frozenset({("POST", "api/listings")})
    preexisting_listings = ((SAMPLE_PROFILE.business_name, SAMPLE_PROFILE.phone or ""),)
    core_fields = {"name": ("bizName", "Business name"), "phone": ("bizPhone", "Phone"),
                   "email": ("bizEmail", "Email"), "website": ("bizWebsite", "Website")}
    duplicate_message = "A listing for this business already exists (same name and phone number)."
    success_message = "Thanks! Your business has been added to LocalHub."
    CATEGORIES = [("food", "Food & Drink"), ("shopping", "Shopping"), ("services", "Services"),
                  ("wellness", "Wellness"), ("other", "Other")]
    CATEGORY_TABLE = {"bakery": "food", "cafe": "food", "restaurant": "food", "retail": "shopping",
                      "health": "wellness", "home": "services", "legal": "services", "auto": "services",
                      "tech": "services", "other": "other"}
    css = ("body{font-family:'Open Sans',sans-serif;background:#f1f5f9}.lh{max-width:480px;margin:40px auto;"
           "background:#fff;padding:22px;border-radius:10px}.lh input,.lh select{display:block;width:100%;"
           "padding:9px;margin:8px 0}.errors{color:#b91c1c}.success{color:#166534}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("POST", "api/listings"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        return self.page("Add to LocalHub", f"""
<div class="lh"><h1>Add your business to LocalHub</h1>
<form id="lh-form">
  <input name="bizName" aria-label="Business name" placeholder="Business name">
  <input name="bizPhone" aria-label="Phone" placeholder="Phone">
  <input name="bizEmail" aria-label="Email" placeholder="Email">
  <input name="bizWebsite" aria-label="Website" placeholder="Website">
  <input name="bizCity" aria-label="City" placeholder="City">
  <select name="bizState" aria-label="State">{state_options()}</select>
  <select name="bizCategory" aria-label="Category">{options(self.CATEGORIES, "Category")}</select>
  <button type="submit">Add business</button>
</form><div id="lh-out"></div></div>
<script>{FETCH_SCRIPT}
sandboxSubmit(document.getElementById('lh-form'), '{self.base}/api/listings', 'lh-out', false);</script>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "bizName": val(profile, "business_name"), "bizPhone": val(profile, "phone"),
            "bizEmail": val(profile, "email"), "bizWebsite": val(profile, "website"),
            "bizCity": val(profile, "city"), "bizState": state_code(profile),
            "bizCategory": category_value(profile, cls.CATEGORY_TABLE),
        }


SITES: list[type[Site]] = [MemberBiz, ProGuild, ClickLocal, SwiftList, DirectorioLatino, Sunbelt, LazyRiver, OldTown, SpisFirm,
                           Cornerstone, LocalHub]
