"""How the form arrives and how it answers: wizards, script-rendered forms, iframes, fetch submits."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dirbolt_core.models import BusinessProfile
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.kit import CaptchaProtected, ServerWizard
from dirbolt_sandbox.sites._common import (
    category_value,
    country_options,
    country_value,
    description,
    hcaptcha_widget,
    options,
    state_code,
    state_name,
    state_options,
    street_parts,
    val,
)

# The page script every fetch-submitting site uses to post its form and show the answer inline.
# It posts FormData, or a JSON object of the named controls (ticked checkboxes only) with
# data-json, and writes the answer's message (and listing link) into the element #<out>.
FETCH_SCRIPT = """
function sandboxSubmit(form, url, out, asJson) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const box = document.getElementById(out);
    let body = new FormData(form), headers = {};
    if (asJson) {
      const data = {};
      for (const el of form.elements) {
        if (!el.name || (el.type === 'checkbox' && !el.checked) || (el.type === 'radio' && !el.checked)) continue;
        data[el.name] = el.value;
      }
      body = JSON.stringify(data); headers = {'Content-Type': 'application/json'};
    }
    const res = await fetch(url, {method: 'POST', body, headers});
    let data;
    try { data = await res.json(); } catch (e) { data = {ok: false, error: 'Server error (' + res.status + ')'}; }
    box.innerHTML = '';
    if (data.ok) {
      const p = document.createElement('p'); p.className = 'success'; p.setAttribute('role', 'status');
      p.textContent = data.message + ' ';
      if (data.listing_url) {
        const a = document.createElement('a'); a.href = data.listing_url; a.className = 'listing-link';
        a.textContent = 'View your listing'; p.appendChild(a);
      }
      box.appendChild(p); form.hidden = true;
    } else {
      const ul = document.createElement('ul'); ul.className = 'errors'; ul.setAttribute('role', 'alert');
      for (const m of (data.errors || [data.error])) {
        const li = document.createElement('li'); li.textContent = m; ul.appendChild(li);
      }
      box.appendChild(ul);
    }
  });
}
"""


class StepList(Site):
    """A three-step wizard switched by script (Next buttons); step 2 has a state select and an off-screen honeypot.

    Rules: state by code ("TX", options show names); company_phone is the honeypot (off-screen,
    tabindex -1) and stays empty; category "bakery_cafe"; agree_terms posts "1"; newsletter left.
    All steps post at once. Pending-review page.
    """

    id = "steplist"
    name = "StepList Local"
    tier = 2
    domain_authority = 43
    behaviours = ("wizard:client", "names:conventional", "labels:for", "select:state-code", "honeypot:off-screen",
                  "select:category-wording", "checkbox:terms", "checkbox:newsletter", "validation:server",
                  "result:pending-review")
    honeypot_fields = ("company_phone",)
    core_fields = {"name": ("company", "Company name"), "email": ("email", "Email"), "phone": ("phone", "Phone"),
                   "website": ("website", "Website")}
    required = {"state": "State"}
    terms_fields = {"agree_terms": "Terms & Conditions"}
    CATEGORIES = [("bakery_cafe", "Bakery & Café"), ("restaurant", "Restaurant"), ("retail", "Retail"),
                  ("health_beauty", "Health & Beauty"), ("home_garden", "Home & Garden"),
                  ("professional", "Professional Services"), ("automotive", "Automotive"), ("other", "Other")]
    CATEGORY_TABLE = {"bakery": "bakery_cafe", "cafe": "bakery_cafe", "restaurant": "restaurant", "retail": "retail",
                      "health": "health_beauty", "home": "home_garden", "legal": "professional",
                      "tech": "professional", "auto": "automotive", "other": "other"}
    css = ("body{font-family:system-ui,sans-serif;background:#f5f3ff;margin:0}.wiz{max-width:520px;margin:40px auto;"
           "background:#fff;border-radius:10px;padding:24px}.dots{display:flex;gap:6px}.dots span{flex:1;height:4px;"
           "background:#ddd}.dots span.on{background:#6d28d9}fieldset{border:0;padding:0}fieldset[hidden]"
           "{display:none}label{display:block;margin-top:10px}input,select,textarea{width:100%;padding:8px}"
           "input[type=checkbox]{width:auto}.nav{margin-top:16px;display:flex;justify-content:space-between}")

    async def form_page(self, request: Request) -> Response:
        return self.page("Get listed in 3 steps — StepList", f"""
<div class="wiz"><h1>Get listed</h1><div class="dots"><span class="on"></span><span></span><span></span></div>
<form method="post" action="{self.submission_path}" id="wizard">
  <fieldset data-step="1"><legend>Step 1 of 3 — Your business</legend>
    <label for="company">Company name</label><input id="company" name="company" required>
    <label for="website">Website</label><input id="website" name="website" type="url">
    <label for="email">Email</label><input id="email" name="email" type="email" required>
    <div class="nav"><span></span><button type="button" class="next">Next &rarr;</button></div>
  </fieldset>
  <fieldset data-step="2" hidden><legend>Step 2 of 3 — Where to find you</legend>
    <label for="address">Street address</label><input id="address" name="address">
    <label for="city">City</label><input id="city" name="city">
    <label for="state">State</label><select id="state" name="state" required>{state_options(by="code")}</select>
    <label for="zip">ZIP</label><input id="zip" name="zip">
    <label for="phone">Phone</label><input id="phone" name="phone" type="tel" required>
    <div style="position:absolute;left:-5000px;top:0" aria-hidden="true"><label for="company_phone">Company phone</label>
      <input id="company_phone" name="company_phone" tabindex="-1" autocomplete="off"></div>
    <div class="nav"><button type="button" class="back">&larr; Back</button><button type="button" class="next">Next &rarr;</button></div>
  </fieldset>
  <fieldset data-step="3" hidden><legend>Step 3 of 3 — About you</legend>
    <label for="category">Category</label><select id="category" name="category">{options(self.CATEGORIES)}</select>
    <label for="description">Description</label><textarea id="description" name="description" rows="5"></textarea>
    <label><input type="checkbox" name="agree_terms" value="1" required> I agree to the Terms &amp; Conditions</label>
    <label><input type="checkbox" name="newsletter" value="1"> Keep me posted with tips and offers</label>
    <div class="nav"><button type="button" class="back">&larr; Back</button><button type="submit">Submit listing</button></div>
  </fieldset>
</form></div>
<script>
const steps = [...document.querySelectorAll('#wizard fieldset')];
const dots = [...document.querySelectorAll('.dots span')];
function show(i) {{ steps.forEach((s, j) => s.hidden = j !== i); dots.forEach((d, j) => d.classList.toggle('on', j <= i)); }}
steps.forEach((step, i) => {{
  step.querySelector('.next')?.addEventListener('click', () => {{
    const bad = [...step.querySelectorAll('input,select,textarea')].find(el => !el.checkValidity());
    if (bad) {{ bad.reportValidity(); return; }}
    show(i + 1);
  }});
  step.querySelector('.back')?.addEventListener('click', () => show(i - 1));
}});
</script>""")

    result_page = ("Almost there — StepList",
                   "<div class='wiz'><h1>Thanks!</h1><p>Your listing is awaiting "
                   "review. We'll email you once it is approved.</p></div>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "company": val(profile, "business_name"), "website": val(profile, "website"),
            "email": val(profile, "email"), "address": val(profile, "address_line1"), "city": val(profile, "city"),
            "state": state_code(profile), "zip": val(profile, "postal_code"), "phone": val(profile, "phone"),
            "company_phone": "", "category": category_value(profile, cls.CATEGORY_TABLE),
            "description": description(profile), "agree_terms": "1",
        }


class ListingForge(ServerWizard):
    """Three server-side steps (each a page load); step 2 has split name, street number/name, a state select
    by name and a zero-size honeypot; step 3 a description with maxlength 400. Approved listing.

    Rules: lf_first/lf_last from the contact name; lf_street_no/lf_street = street_parts; lf_state
    by name ("Texas"); lf_contact_email is the honeypot (empty); lf_category "c-110"; lf_description
    maxlength 400 (fit_text); lf_tags = keywords; lf_terms posts "agreed".
    """

    id = "listingforge"
    name = "ListingForge"
    tier = 1
    domain_authority = 57
    expected_status = "approved"
    behaviours = ("wizard:server", "names:conventional", "labels:for", "split:name", "split:street",
                  "select:state-name", "select:category-wording", "honeypot:zero-size", "validation:maxlength-html",
                  "checkbox:terms", "validation:server", "result:approved-listing-url")
    step_count = 3
    step_required = {1: {"lf_business": "Business name"}, 2: {"lf_email": "Email", "lf_phone": "Phone"}}
    honeypot_fields = ("lf_contact_email",)
    core_fields = {"name": ("lf_business", "Business name"), "email": ("lf_email", "Email"),
                   "phone": ("lf_phone", "Phone"), "website": ("lf_website", "Website")}
    max_lengths = {"lf_description": ("Description", 400)}
    terms_fields = {"lf_terms": "listing terms"}
    CATEGORIES = [("c-110", "Bakeries & Patisseries"), ("c-120", "Cafés & Coffee"), ("c-130", "Restaurants"),
                  ("c-200", "Retail"), ("c-300", "Health"), ("c-400", "Home & Trades"), ("c-500", "Legal & Money"),
                  ("c-600", "Motoring"), ("c-700", "Technology"), ("c-900", "Other")]
    CATEGORY_TABLE = {"bakery": "c-110", "cafe": "c-120", "restaurant": "c-130", "retail": "c-200",
                      "health": "c-300", "home": "c-400", "legal": "c-500", "auto": "c-600", "tech": "c-700",
                      "other": "c-900"}
    css = ("body{font-family:Inter,Arial,sans-serif;background:#0f172a;color:#e2e8f0}.panel{max-width:560px;"
           "margin:40px auto;background:#1e293b;padding:26px;border-radius:14px}label{display:block;margin-top:12px}"
           "input,select,textarea{width:100%;padding:8px;background:#0f172a;color:#e2e8f0;border:1px solid #334155}"
           "input[type=checkbox]{width:auto}.pair{display:flex;gap:10px}.pair>div{flex:1}"
           ".lf-aux{width:0;height:0;overflow:hidden;margin:0;padding:0}.err{color:#fca5a5}"
           "button{margin-top:18px;background:#f97316;color:#fff;border:0;padding:10px 20px;border-radius:8px}")

    def render_step(self, step: int, *, draft: str, values: dict[str, Any], errors: list[str]) -> Response:
        def v(name: str) -> str:
            return html.escape(str(values.get(name, "")), quote=True)

        err = "".join(f"<p class='err' role='alert'>{html.escape(e)}</p>" for e in errors)
        if step == 1:
            body = f"""
<label for="lf_business">Business name</label><input id="lf_business" name="lf_business" value="{v('lf_business')}">
<label for="lf_category">Category</label><select id="lf_category" name="lf_category">{options(self.CATEGORIES)}</select>
<label for="lf_website">Website</label><input id="lf_website" name="lf_website" value="{v('lf_website')}">
<button type="submit">Next step</button>"""
        elif step == 2:
            body = f"""
<div class="pair"><div><label for="lf_first">First name</label><input id="lf_first" name="lf_first"></div>
<div><label for="lf_last">Last name</label><input id="lf_last" name="lf_last"></div></div>
<label for="lf_email">Email</label><input id="lf_email" name="lf_email" type="email">
<div class="lf-aux"><label for="lf_contact_email">Contact email</label>
  <input id="lf_contact_email" name="lf_contact_email" type="email" autocomplete="off"></div>
<label for="lf_phone">Phone</label><input id="lf_phone" name="lf_phone" type="tel">
<div class="pair"><div style="flex:0 0 90px"><label for="lf_street_no">No.</label><input id="lf_street_no" name="lf_street_no"></div>
<div><label for="lf_street">Street</label><input id="lf_street" name="lf_street"></div></div>
<div class="pair"><div><label for="lf_city">City</label><input id="lf_city" name="lf_city"></div>
<div><label for="lf_state">State</label><select id="lf_state" name="lf_state">{state_options(by="name")}</select></div>
<div><label for="lf_zip">ZIP</label><input id="lf_zip" name="lf_zip"></div></div>
<button type="submit">Next step</button>"""
        else:
            body = """
<label for="lf_description">Describe your business</label>
<textarea id="lf_description" name="lf_description" maxlength="400" rows="6"></textarea>
<label for="lf_tags">Tags (comma separated)</label><input id="lf_tags" name="lf_tags">
<label><input type="checkbox" name="lf_terms" value="agreed"> I accept the listing terms</label>
<button type="submit">Publish listing</button>"""
        return self.page(f"Step {step} of 3 — ListingForge", f"""
<div class="panel"><h1>ListingForge</h1><p>Step {step} of 3</p>{err}
<form method="post" action="{self.submission_path}">{self.hidden_state(step, draft)}{body}</form></div>""")

    result_page = ("Published — ListingForge",
                   "<div class='panel'><h1>Your listing is live!</h1>"
                   "<p><a href='{url}' id='listing-url'>View your listing</a></p></div>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        number, street = street_parts(profile)
        return {
            "lf_business": val(profile, "business_name"), "lf_category": category_value(profile, cls.CATEGORY_TABLE),
            "lf_website": val(profile, "website"), "lf_first": val(profile, "contact_first_name"),
            "lf_last": val(profile, "contact_last_name"), "lf_email": val(profile, "email"),
            "lf_contact_email": "", "lf_phone": val(profile, "phone"), "lf_street_no": number,
            "lf_street": street, "lf_city": val(profile, "city"), "lf_state": state_name(profile),
            "lf_zip": val(profile, "postal_code"), "lf_description": description(profile, 400),
            "lf_tags": val(profile, "keywords"), "lf_terms": "agreed",
        }


class TrustedLocal(CaptchaProtected, ServerWizard):
    """A two-step server wizard whose second step ends in an hCaptcha-like challenge (not declared in the catalog).

    A correct runner fills step 1, meets the captcha on step 2 and ends `needs_manual`; nothing
    is recorded as accepted.
    """

    id = "trustedlocal"
    name = "TrustedLocal"
    tier = 1
    domain_authority = 53
    behaviours = ("wizard:server", "captcha", "names:conventional", "labels:for")
    captcha_field = "h-captcha-response"
    step_required = {1: {"business_name": "Business name", "phone": "Phone"}}
    core_fields = {"name": ("business_name", "Business name"), "phone": ("phone", "Phone"),
                   "email": ("email", "Email")}
    css = ("body{font-family:Georgia,serif;background:#f0fdf4;max-width:540px;margin:30px auto}"
           ".badge{background:#15803d;color:#fff;padding:4px 10px;border-radius:12px}p label{display:block}")

    def render_step(self, step: int, *, draft: str, values: dict[str, Any], errors: list[str]) -> Response:
        err = "".join(f"<p class='error' role='alert'>{html.escape(e)}</p>" for e in errors)
        if step == 1:
            body = """
<p><label for="tl-name">Business name</label><input id="tl-name" name="business_name"></p>
<p><label for="tl-phone">Phone</label><input id="tl-phone" name="phone" type="tel"></p>
<p><label for="tl-email">Email</label><input id="tl-email" name="email" type="email"></p>
<p><label for="tl-web">Website</label><input id="tl-web" name="website"></p>
<button type="submit">Continue</button>"""
        else:
            body = f"""
<p><label for="tl-addr">Street address</label><input id="tl-addr" name="address"></p>
<p><label for="tl-city">City</label><input id="tl-city" name="city"></p>
<p><label for="tl-desc">Description</label><textarea id="tl-desc" name="description"></textarea></p>
<p>Please verify you are human:</p>{hcaptcha_widget("10000000-ffff-ffff-ffff-sandbox00002")}
<button type="submit">Submit for verification</button>"""
        return self.page("Get verified — TrustedLocal", f"""
<h1>TrustedLocal <span class="badge">verified businesses</span></h1><p>Step {step} of 2</p>{err}
<form method="post" action="{self.submission_path}">{self.hidden_state(step, draft)}{body}</form>""")

    thanks_html = "<h1>Thank you!</h1><p>Your business will be reviewed by our team.</p>"


class Nimbus(Site):
    """A script-rendered form (appears ~0.9 s after load) with opaque names, ids generated per load, and a
    honeypot named "email" (clipped to 1px, tabindex -1) next to the real email field fld_5d11.

    Rules: fld_9e05 is a state text box (code, maxlength 2); fld_c3d8 tagline = short_description;
    fld_e610 category "3" (Bakery & Sweets). Redirect to a thank-you page.
    """

    id = "nimbus"
    name = "Nimbus Listings"
    tier = 2
    domain_authority = 40
    behaviours = ("script-rendered", "names:opaque", "labels:for", "honeypot:tabindex", "select:category-wording",
                  "validation:server", "result:redirect-thanks")
    honeypot_fields = ("email",)
    core_fields = {"name": ("fld_8c1e", "Business name"), "email": ("fld_5d11", "Email address"),
                   "phone": ("fld_77b2", "Phone"), "website": ("fld_2a90", "Website")}
    max_lengths = {"fld_c3d8": ("Tagline", 160)}
    CATEGORIES = [("1", "Restaurants"), ("2", "Cafés"), ("3", "Bakery & Sweets"), ("4", "Shops"), ("5", "Health"),
                  ("6", "Home"), ("7", "Legal"), ("8", "Auto"), ("9", "Tech"), ("10", "Other")]
    CATEGORY_TABLE = {"restaurant": "1", "cafe": "2", "bakery": "3", "retail": "4", "health": "5", "home": "6",
                      "legal": "7", "auto": "8", "tech": "9", "other": "10"}
    thanks_html = "<h1>Thanks!</h1><p>Your listing was received. It usually appears within a day.</p>"
    css = ("body{font-family:'Helvetica Neue',sans-serif;background:linear-gradient(#e0f2fe,#fff);min-height:100vh;"
           "margin:0}#root{max-width:500px;margin:50px auto}.n-field{margin:12px 0}.n-field label{font-size:13px;"
           "color:#0369a1}.n-field input,.n-field select{display:block;width:100%;padding:9px;border:1px solid #bae6fd}"
           ".n-x{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
           ".spinner{color:#0369a1}")

    async def form_page(self, request: Request) -> Response:
        fields = [("fld_8c1e", "Business name", "text"), ("fld_2a90", "Website", "url"),
                  ("fld_5d11", "Email address", "email"), ("fld_77b2", "Phone", "tel"), ("fld_31c4", "City", "text"),
                  ("fld_9e05", "State (2 letters)", "text"), ("fld_c3d8", "Tagline (160 characters max)", "text")]
        spec = ",".join(f"['{n}','{html.escape(label)}','{t}']" for n, label, t in fields)
        cats = options(self.CATEGORIES, "Pick a category").replace("'", "\\'")
        return self.page("Add your business — Nimbus", f"""
<div id="root"><p class="spinner">Loading the form…</p></div>
<script>
setTimeout(() => {{
  const uid = () => ':r' + Math.random().toString(36).slice(2, 7) + ':';
  const fields = [{spec}];
  let h = '<h1>Add your business</h1><form method="post" action="{self.submission_path}" class="n-form">';
  for (const [name, label, type] of fields) {{
    const id = uid();
    const extra = name === 'fld_9e05' ? ' maxlength="2"' : '';
    h += '<div class="n-field"><label for="' + id + '">' + label + '</label><input id="' + id + '" name="' + name +
         '" type="' + type + '"' + extra + '></div>';
    if (name === 'fld_5d11') {{
      const hid = uid();
      h += '<div class="n-x"><label for="' + hid + '">Email</label><input id="' + hid +
           '" name="email" type="email" tabindex="-1" autocomplete="off"></div>';
    }}
  }}
  const cid = uid();
  h += '<div class="n-field"><label for="' + cid + '">Category</label><select id="' + cid + '" name="fld_e610">' +
       '{cats}' + '</select></div><button type="submit">Add listing</button></form>';
  document.getElementById('root').innerHTML = h;
}}, 900);
</script>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "fld_8c1e": val(profile, "business_name"), "fld_2a90": val(profile, "website"),
            "fld_5d11": val(profile, "email"), "email": "", "fld_77b2": val(profile, "phone"),
            "fld_31c4": val(profile, "city"), "fld_9e05": state_code(profile),
            "fld_c3d8": val(profile, "short_description"), "fld_e610": category_value(profile, cls.CATEGORY_TABLE),
        }


class QuickCite(Site):
    """The form is fetched by script 1.5 s after load; placeholder-only labels and kebab-case names.

    Rules: every field free text (state "TX" as the profile has it, phone verbatim); keywords
    joined by ", "; about = description. Redirect to a thank-you page.
    """

    id = "quickcite"
    name = "QuickCite"
    tier = 3
    domain_authority = 33
    behaviours = ("script-rendered", "labels:placeholder", "names:kebab-case", "validation:server",
                  "result:redirect-thanks")
    core_fields = {"name": ("business-name", "Business name"), "email": ("email-address", "Email"),
                   "phone": ("phone-number", "Phone"), "website": ("website-url", "Website")}
    thanks_html = "<h1>Thank you!</h1><p>Your citation request was submitted. We will publish it shortly.</p>"
    css = ("body{font-family:Menlo,monospace;background:#111827;color:#f9fafb}#slot{max-width:460px;margin:60px auto}"
           "input,textarea{display:block;width:100%;margin:6px 0;padding:10px;background:#1f2937;color:#fff;"
           "border:1px solid #374151}button{background:#10b981;border:0;padding:10px;width:100%}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "fragment"): self.fragment}

    async def form_page(self, request: Request) -> Response:
        return self.page("QuickCite — get cited", f"""
<div id="slot"><h1>QuickCite</h1><p>Preparing your form…</p></div>
<script>
setTimeout(async () => {{
  const res = await fetch('{self.base}/fragment');
  document.getElementById('slot').innerHTML = await res.text();
}}, 1500);
</script>""")

    async def fragment(self, request: Request) -> Response:
        return self.page("fragment", f"""<h1>QuickCite</h1>
<form method="post" action="{self.submission_path}">
  <input name="business-name" placeholder="Business name">
  <input name="website-url" placeholder="Website (https://…)">
  <input name="email-address" placeholder="Email">
  <input name="phone-number" placeholder="Phone">
  <input name="street-address" placeholder="Street address">
  <input name="city-name" placeholder="City">
  <input name="state-region" placeholder="State">
  <input name="zip-code" placeholder="ZIP">
  <input name="keywords" placeholder="Keywords, comma separated">
  <textarea name="about" placeholder="Tell customers about your business"></textarea>
  <button type="submit">Get cited</button>
</form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "business-name": val(profile, "business_name"), "website-url": val(profile, "website"),
            "email-address": val(profile, "email"), "phone-number": val(profile, "phone"),
            "street-address": val(profile, "address_line1"), "city-name": val(profile, "city"),
            "state-region": val(profile, "state"), "zip-code": val(profile, "postal_code"),
            "keywords": val(profile, "keywords"), "about": description(profile),
        }


class Hive(Site):
    """A single-page app: the form is built by script, labelled by aria-label, and posts JSON by fetch;
    the answer (with the live listing's URL) is shown inline.

    Rules: firstName/lastName from the contact name; country alpha-3 ("USA"); tagline =
    short_description; social URLs verbatim (twitter "" when the profile has none); accepted
    posts "yes" (JSON carries only ticked checkboxes).
    """

    id = "hive"
    name = "Hive Directory"
    tier = 2
    domain_authority = 47
    expected_status = "approved"
    behaviours = ("script-rendered", "xhr", "labels:aria-label", "split:name", "select:country", "checkbox:terms",
                  "validation:server", "result:inline-message", "result:approved-listing-url")
    responds_json = True
    submission_routes = frozenset({("POST", "api/listings")})
    core_fields = {"name": ("company", "Company"), "email": ("email", "Email"), "phone": ("phone", "Phone"),
                   "website": ("website", "Website")}
    required = {"country": "Country"}
    url_fields = {"facebook": "Facebook page", "instagram": "Instagram profile", "twitter": "X / Twitter profile"}
    terms_fields = {"accepted": "community guidelines"}
    success_message = "Your listing is live!"
    listing_prefix = "b"
    css = ("body{font-family:Avenir,'Segoe UI',sans-serif;background:#fef3c7;margin:0}#app{max-width:520px;"
           "margin:40px auto;background:#fff;border-radius:16px;padding:26px;border:2px solid #f59e0b}"
           "#app input,#app select{display:block;width:100%;padding:10px;margin:8px 0;border-radius:8px;"
           "border:1px solid #fcd34d}#app input[type=checkbox]{display:inline;width:auto}.success{color:#166534}"
           ".errors{color:#b91c1c}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("POST", "api/listings"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        countries = country_options("en", value="alpha3", placeholder="Country").replace("'", "\\'")
        return self.page("Hive — add your business", f"""
<div id="app"><noscript>This app needs JavaScript.</noscript></div>
<script>{FETCH_SCRIPT}</script>
<script>
const inputs = [['company','Company name'],['firstName','First name'],['lastName','Last name'],['email','Email','email'],
  ['phone','Phone','tel'],['website','Website','url'],['city','City'],['tagline','Tagline'],
  ['facebook','Facebook page'],['instagram','Instagram profile'],['twitter','X / Twitter profile']];
let h = '<h1>🐝 Join the Hive</h1><form id="hive-form">';
for (const [name, label, type] of inputs) h += '<input name="' + name + '" aria-label="' + label + '" type="' + (type || 'text') + '">';
h += '<select name="country" aria-label="Country">{countries}</select>';
h += '<label><input type="checkbox" name="accepted" value="yes"> I follow the community guidelines</label>';
h += '<button type="submit">Go live</button></form><div id="hive-out"></div>';
document.getElementById('app').innerHTML = h;
sandboxSubmit(document.getElementById('hive-form'), '{self.base}/api/listings', 'hive-out', true);
</script>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "company": val(profile, "business_name"), "firstName": val(profile, "contact_first_name"),
            "lastName": val(profile, "contact_last_name"), "email": val(profile, "email"),
            "phone": val(profile, "phone"), "website": val(profile, "website"), "city": val(profile, "city"),
            "tagline": val(profile, "short_description"), "facebook": val(profile, "facebook_url"),
            "instagram": val(profile, "instagram_url"), "twitter": val(profile, "twitter_url"),
            "country": country_value(profile, "alpha3"), "accepted": "yes",
        }


class Neighborly(Site):
    """The form lives in an iframe (a widget page of the site); it posts inside the frame and the frame
    shows the thank-you page.

    Rules: "name" is the business name; state select by code; tos posts "accept".
    """

    id = "neighborly"
    name = "Neighborly Guide"
    tier = 2
    domain_authority = 42
    behaviours = ("iframe", "names:conventional", "labels:for", "select:state-code", "checkbox:terms",
                  "validation:server", "result:redirect-thanks")
    submission_routes = frozenset({("POST", "embed/submit")})
    core_fields = {"name": ("name", "Business name"), "phone": ("phone", "Phone"), "email": ("email", "Email"),
                   "website": ("website", "Website")}
    terms_fields = {"tos": "terms of service"}
    css = ("body{font-family:'Gill Sans',sans-serif;background:#fdf2f8;margin:0}header{background:#be185d;"
           "color:#fff;padding:16px 40px}iframe{display:block;margin:20px auto;border:1px solid #f9a8d4;"
           "background:#fff}.w p{margin:6px 0}.w label{display:inline-block;width:120px}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "embed/form"): self.embed_form, ("POST", "embed/submit"): self.handle_post,
                ("GET", "embed/thanks"): self.embed_thanks}

    async def form_page(self, request: Request) -> Response:
        return self.page("Add a business — Neighborly Guide", f"""
<header><h1>Neighborly Guide</h1><p>Tell your neighbours about your business</p></header>
<iframe id="nb-widget" title="Add your business" src="{self.base}/embed/form" width="560" height="640"></iframe>""")

    async def embed_form(self, request: Request) -> Response:
        return self.page("Neighborly widget", f"""
<form method="post" action="{self.base}/embed/submit" class="w">
  <p><label for="nb-name">Business name</label><input id="nb-name" name="name"></p>
  <p><label for="nb-phone">Phone</label><input id="nb-phone" name="phone" type="tel"></p>
  <p><label for="nb-email">Email</label><input id="nb-email" name="email" type="email"></p>
  <p><label for="nb-web">Website</label><input id="nb-web" name="website" type="url"></p>
  <p><label for="nb-addr">Address</label><input id="nb-addr" name="address"></p>
  <p><label for="nb-city">City</label><input id="nb-city" name="city"></p>
  <p><label for="nb-state">State</label><select id="nb-state" name="state">{state_options()}</select></p>
  <p><label for="nb-zip">ZIP</label><input id="nb-zip" name="zip"></p>
  <p><label for="nb-desc">About</label><textarea id="nb-desc" name="description"></textarea></p>
  <p><input type="checkbox" id="nb-tos" name="tos" value="accept"><label for="nb-tos" style="width:auto">
     I accept the terms of service</label></p>
  <p><button type="submit">Add business</button></p>
</form>""", css="body{font-family:'Gill Sans',sans-serif;margin:12px}.w label{display:inline-block;width:120px}")

    def success_response(self, request: Request, *, listing_id: str | None) -> Response:
        return RedirectResponse(f"{self.base}/embed/thanks", status_code=303)

    async def embed_thanks(self, request: Request) -> Response:
        return self.page("Thanks", "<h2>Thank you!</h2><p>Your business has been submitted successfully.</p>",
                         css="body{font-family:'Gill Sans',sans-serif;margin:12px}")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "name": val(profile, "business_name"), "phone": val(profile, "phone"), "email": val(profile, "email"),
            "website": val(profile, "website"), "address": val(profile, "address_line1"),
            "city": val(profile, "city"), "state": state_code(profile), "zip": val(profile, "postal_code"),
            "description": description(profile), "tos": "accept",
        }


class Gazette(Site):
    """A newspaper's guide: the widget iframe is inserted by script, the form in it posts by fetch, the answer
    is shown inline in the frame; an inline display:none honeypot named "url".

    Rules: site = website (the hidden "url" stays empty); blurb = description; consent posts "y".
    """

    id = "gazette"
    name = "The Gazette Local Guide"
    tier = 2
    domain_authority = 49
    behaviours = ("iframe", "xhr", "names:opaque", "labels:wrapping", "honeypot:inline-style", "checkbox:terms",
                  "validation:server", "result:inline-message", "result:pending-review")
    responds_json = True
    submission_routes = frozenset({("POST", "widget/api")})
    honeypot_fields = ("url",)
    core_fields = {"name": ("biz", "Business"), "email": ("mail", "Email"), "phone": ("tel", "Telephone"),
                   "website": ("site", "Website")}
    terms_fields = {"consent": "guide rules"}
    success_message = "Thanks! Your business will be reviewed by our editors before it appears in the guide."
    css = ("body{font-family:'Times New Roman',serif;background:#fff;max-width:900px;margin:0 auto}"
           ".masthead{font-size:44px;text-align:center;border-bottom:4px double #000;padding:10px}"
           ".cols{display:grid;grid-template-columns:1fr 1fr;gap:30px}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "widget"): self.widget, ("POST", "widget/api"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        return self.page("Be in the Local Guide — The Gazette", f"""
<div class="masthead">The Gazette</div>
<div class="cols"><article><h2>Be in our Local Guide</h2><p>Every week our readers look for local businesses.
Add yours for free using the form.</p></article><aside id="slot"></aside></div>
<script>
window.addEventListener('load', () => setTimeout(() => {{
  const f = document.createElement('iframe');
  f.src = '{self.base}/widget'; f.width = 420; f.height = 560; f.title = 'Local Guide sign-up';
  document.getElementById('slot').appendChild(f);
}}, 600));
</script>""")

    async def widget(self, request: Request) -> Response:
        return self.page("Local Guide widget", f"""
<form id="g-form">
  <label>Business <input name="biz"></label>
  <label>Website <input name="site"></label>
  <label style="display:none">URL <input name="url"></label>
  <label>Email <input name="mail" type="email"></label>
  <label>Telephone <input name="tel"></label>
  <label>Town <input name="town"></label>
  <label>A few words about you <textarea name="blurb"></textarea></label>
  <label class="c"><input type="checkbox" name="consent" value="y"> I have read the guide rules</label>
  <button type="submit">Send to the editors</button>
</form>
<div id="g-out"></div>
<script>{FETCH_SCRIPT}
sandboxSubmit(document.getElementById('g-form'), '{self.base}/widget/api', 'g-out', false);</script>""",
                         css="body{font-family:'Times New Roman',serif;margin:10px}label{display:block;margin:6px 0}"
                             "label input,label textarea{display:block;width:95%}label.c input{display:inline;"
                             "width:auto}.success{color:#14532d}.errors{color:#991b1b}")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "biz": val(profile, "business_name"), "site": val(profile, "website"), "url": "",
            "mail": val(profile, "email"), "tel": val(profile, "phone"), "town": val(profile, "city"),
            "blurb": description(profile), "consent": "y",
        }


class Pinpoint(Site):
    """Fetch submit with inline errors; the description limit (300) is only enforced server-side: the first
    submission of a long description is refused with "Description must be at most 300 characters" and
    a correct runner fixes it once.

    Rules: description fit_text(300); addressState by code; updates (newsletter) left. The record
    holds one `invalid` then one `accepted` submission.
    """

    id = "pinpoint"
    name = "Pinpoint Local"
    tier = 2
    domain_authority = 45
    behaviours = ("xhr", "names:camelCase", "labels:for", "select:state-code", "checkbox:newsletter",
                  "validation:maxlength-server", "validation:server", "result:inline-message",
                  "result:pending-review")
    responds_json = True
    submission_routes = frozenset({("POST", "api/submit")})
    core_fields = {"name": ("companyName", "Company name"), "email": ("emailAddr", "Email"),
                   "phone": ("phoneNum", "Phone"), "website": ("webAddress", "Website")}
    max_lengths = {"description": ("Description", 300)}
    success_message = "Thank you! Your listing was received and will be reviewed within 48 hours."
    css = ("body{font-family:Roboto,Arial,sans-serif;background:#fff;margin:0}.pp-bar{background:#dc2626;height:6px}"
           "main{max-width:560px;margin:24px auto}.pp-f{margin:10px 0}.pp-f label{display:block;font-size:14px}"
           ".pp-f input,.pp-f select,.pp-f textarea{width:100%;padding:8px}.errors{color:#b91c1c}"
           ".success{color:#15803d;font-weight:bold}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("POST", "api/submit"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        def f(ident: str, label: str, control: str) -> str:
            return f"<div class='pp-f'><label for='{ident}'>{label}</label>{control}</div>"

        return self.page("Pinpoint Local — submit a business", f"""
<div class="pp-bar"></div><main><h1>&#128205; Pinpoint Local</h1>
<form id="pp-form">
  {f("pp1", "Company name", "<input id='pp1' name='companyName'>")}
  {f("pp2", "Website", "<input id='pp2' name='webAddress'>")}
  {f("pp3", "Email", "<input id='pp3' name='emailAddr' type='email'>")}
  {f("pp4", "Phone", "<input id='pp4' name='phoneNum' type='tel'>")}
  {f("pp5", "Street", "<input id='pp5' name='addressStreet'>")}
  {f("pp6", "City", "<input id='pp6' name='addressCity'>")}
  {f("pp7", "State", "<select id='pp7' name='addressState'>" + state_options(label="code") + "</select>")}
  {f("pp8", "ZIP", "<input id='pp8' name='addressZip'>")}
  {f("pp9", "Description", "<textarea id='pp9' name='description' rows='6'></textarea>")}
  <p><label><input type="checkbox" name="updates" value="on"> Email me product updates</label></p>
  <button type="submit">Submit business</button>
</form><div id="pp-out" aria-live="assertive"></div></main>
<script>{FETCH_SCRIPT}
sandboxSubmit(document.getElementById('pp-form'), '{self.base}/api/submit', 'pp-out', false);</script>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "companyName": val(profile, "business_name"), "webAddress": val(profile, "website"),
            "emailAddr": val(profile, "email"), "phoneNum": val(profile, "phone"),
            "addressStreet": val(profile, "address_line1"), "addressCity": val(profile, "city"),
            "addressState": state_code(profile), "addressZip": val(profile, "postal_code"),
            "description": description(profile, 300),
        }


SITES: list[type[Site]] = [StepList, ListingForge, TrustedLocal, Nimbus, QuickCite, Hive, Neighborly, Gazette,
                           Pinpoint]
