"""The real web's shapes: a second origin (the sandbox's CDN and widget host), forms without <form>,
web components, ARIA widgets, cross-host redirects, confirmation e-mails and slow answers.

The second origin is the same server under another host name: a page served as
`http://127.0.0.1:PORT` loads its CDN script and its widget frame from `http://localhost:PORT` and the
other way round (`other_origin`), or from the URL the server was started with (`--cdn-url`).
A browser treats the two as different origins (cross-origin scripts, frames and redirects).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from dirbolt_core.models import BusinessProfile
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.sites._common import CATEGORIES, CATEGORY_VALUES, category_value, description, state_code, val

_SWAP = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}


def other_origin(request: Request) -> str:
    """The sandbox's second origin as seen from this request's (its CDN and widget host)."""
    configured = getattr(request.app.state, "cdn_url", None)
    if configured:
        return configured.rstrip("/")
    host = request.url.hostname or "127.0.0.1"
    port = f":{request.url.port}" if request.url.port else ""
    return f"{request.url.scheme}://{_SWAP.get(host, host)}{port}"


class RealWebSite(Site):
    """Shared by the real-web sites: JSON answers for scripted submits, a success page otherwise."""

    tier = 2
    domain_authority = 44

    def json_answer(self, ok: bool, message: str, status: int = 200) -> JSONResponse:
        return JSONResponse({"ok": ok, "message": message}, status_code=status)


_JSON_SUBMIT_JS = """
async function postJson(url, data, out) {
  out.textContent = 'Sending…';
  const res = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(data)});
  let answer; try { answer = await res.json(); } catch (e) { answer = {ok: false, errors: ['Server error ' + res.status]}; }
  out.textContent = '';
  const p = document.createElement('div');
  p.setAttribute('role', answer.ok ? 'status' : 'alert');
  p.className = answer.ok ? 'toast ok' : 'toast error';
  p.textContent = answer.ok ? answer.message : (answer.errors || [answer.error]).join('; ');
  out.appendChild(p);
  return answer.ok;
}
"""


class CdnForm(RealWebSite):
    """The page is an empty shell; a script from the second origin (the site's CDN) builds the form.
    It posts normally to the site and answers with a thank-you page. Honeypot: `company_fax`
    hidden by a stylesheet class.

    Rules: state select by code; `about` = description; the honeypot posted empty."""

    id = "realweb-cdn"
    name = "Metro Listings (CDN-built form)"
    behaviours = ("cdn-script", "script-rendered", "labels:for", "names:conventional", "select:state-code",
                  "honeypot:css-class", "result:redirect-thanks")
    core_fields = {"name": ("business_name", "Business name"), "email": ("email", "Email"),
                   "phone": ("phone", "Phone"), "website": ("website", "Website")}
    honeypot_fields = ("company_fax",)
    css = "body{font-family:Georgia,serif;max-width:640px;margin:2em auto}.hpx{display:none}label{display:block}"

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "cdn/form.js"): self.script, ("GET", "cdn/metro.woff2"): self.font}

    async def font(self, request: Request) -> Response:
        return Response(b"wOF2", media_type="font/woff2")

    async def form_page(self, request: Request) -> Response:
        cdn = other_origin(request)
        # The CDN's web font: a resource type the runner does not fetch (DIRBOLT_BLOCK_RESOURCE_TYPES).
        font = (f"<style>@font-face{{font-family:Metro;src:url('{cdn}{self.base}/cdn/metro.woff2')}}"
                "h1{font-family:Metro,Georgia,serif}</style>")
        return self.page("Metro Listings — add a business", f"""{font}
<h1>Metro Listings</h1><p>Loading the form…</p><div id="mount" data-post="{self.base}/submit"></div>
<script src="{cdn}{self.base}/cdn/form.js" defer></script>""")

    async def script(self, request: Request) -> Response:
        states = "".join(f'<option value="{c}">{n}</option>' for c, n in
                         (("", "State"), ("TX", "Texas"), ("CA", "California"), ("NY", "New York"), ("WA", "Washington")))
        js = f"""(function () {{
  const mount = document.getElementById('mount');
  const rows = [['business_name','Business name','text'],['email','Email','email'],['phone','Phone','tel'],
    ['website','Website','url'],['address','Street address','text'],['city','City','text'],['zip','ZIP code','text']];
  let h = '<form method="post" action="' + mount.dataset.post + '">';
  for (const [n, l, t] of rows) h += '<label for="m-' + n + '">' + l + '</label><input id="m-' + n + '" name="' + n + '" type="' + t + '">';
  h += '<label for="m-state">State</label><select id="m-state" name="state">{states}</select>';
  h += '<label for="m-desc">Describe your business</label><textarea id="m-desc" name="about"></textarea>';
  h += '<div class="hpx"><label for="m-fax">Company fax</label><input id="m-fax" name="company_fax"></div>';
  h += '<button type="submit">Submit listing</button></form>';
  setTimeout(() => {{ mount.innerHTML = h; document.querySelector('p').remove(); }}, 300);
}})();"""
        return Response(js, media_type="application/javascript")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"business_name": val(profile, "business_name"), "email": val(profile, "email"),
                "phone": val(profile, "phone"), "website": val(profile, "website"),
                "address": val(profile, "address_line1"), "city": val(profile, "city"),
                "zip": val(profile, "postal_code"), "state": state_code(profile), "about": description(profile),
                "company_fax": ""}


class ReactFormless(RealWebSite):
    """A React-style app: no <form>, inputs without names (data-field and placeholder say what they are),
    a contenteditable description, a div[role=button] that posts JSON by fetch and shows a toast.
    The JSON keys are the app's own (bizName, contactEmail...).

    Rules: free text verbatim; `story` (the contenteditable) = description; no honeypot."""

    id = "realweb-react"
    name = "Launchpad Local (formless app)"
    behaviours = ("formless", "xhr", "labels:placeholder", "contenteditable", "result:inline-message")
    responds_json = True
    submission_routes = frozenset({("POST", "api/listings")})
    core_fields = {"name": ("bizName", "Business name"), "email": ("contactEmail", "Email"),
                   "phone": ("phoneNumber", "Phone"), "website": ("siteUrl", "Website")}
    identity_fields = ("bizName", "phoneNumber")
    success_message = "Thanks! Your business was submitted and is waiting for review."
    css = ("body{font-family:system-ui;background:#0f172a;color:#e2e8f0}.card{max-width:520px;margin:40px auto;"
           "background:#1e293b;padding:24px;border-radius:12px}.card input,.card [contenteditable]{display:block;"
           "width:100%;margin:8px 0;padding:10px;background:#0f172a;color:#fff;border:1px solid #334155;min-height:20px}"
           ".cta{display:inline-block;background:#6366f1;padding:10px 18px;border-radius:8px;cursor:pointer}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("POST", "api/listings"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        return self.page("Launchpad Local", f"""
<div id="root"></div>
<script>{_JSON_SUBMIT_JS}
const fields = [['bizName','Business name','text'],['contactEmail','you@company.com','email'],
  ['phoneNumber','Phone number','tel'],['siteUrl','https://your-site.com','url'],['town','City','text']];
const root = document.getElementById('root');
const card = document.createElement('div'); card.className = 'card';
card.innerHTML = '<h2>List your business on Launchpad</h2>';
for (const [key, ph, type] of fields) {{
  const i = document.createElement('input'); i.type = type; i.placeholder = ph; i.dataset.field = key;
  card.appendChild(i);
}}
const d = document.createElement('div'); d.contentEditable = 'true'; d.dataset.field = 'story';
d.setAttribute('aria-label', 'Business description'); card.appendChild(d);
const btn = document.createElement('div'); btn.className = 'cta'; btn.setAttribute('role', 'button');
btn.tabIndex = 0; btn.textContent = 'Create listing'; card.appendChild(btn);
const out = document.createElement('div'); card.appendChild(out);
root.appendChild(card);
btn.addEventListener('click', async () => {{
  const data = {{}};
  for (const i of card.querySelectorAll('input')) data[i.dataset.field] = i.value;
  data.story = d.innerText.trim();
  if (await postJson('{self.base}/api/listings', data, out)) for (const i of card.querySelectorAll('input')) i.disabled = true;
}});
</script>""")

    def json_ok(self, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "message": message})

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"bizName": val(profile, "business_name"), "contactEmail": val(profile, "email"),
                "phoneNumber": val(profile, "phone"), "siteUrl": val(profile, "website"), "town": val(profile, "city"),
                "story": description(profile)}


class ShadowComponent(RealWebSite):
    """A web component (<biz-signup>) with an open shadow root: labels, inputs, a honeypot hidden by the
    component's own stylesheet and the result message all live in the shadow DOM. It posts form-encoded
    by fetch.

    Rules: `about` = description; street = address line 1; the honeypot `nickname` posted empty."""

    id = "realweb-shadow"
    name = "Corner Store Guide (web component)"
    css = "body{font-family:'Trebuchet MS',sans-serif;background:#f0fdf4;max-width:600px;margin:2em auto}"
    behaviours = ("shadow-dom", "xhr", "labels:for", "honeypot:css-class", "result:inline-message")
    responds_json = True
    submission_routes = frozenset({("POST", "api/submit")})
    core_fields = {"name": ("name", "Business name"), "email": ("email", "Email"), "phone": ("phone", "Phone"),
                   "website": ("url", "Website")}
    honeypot_fields = ("nickname",)
    success_message = "Thank you! Your listing has been received."

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("POST", "api/submit"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        return self.page("Corner Store Guide", f"""
<h1>Corner Store Guide</h1><biz-signup endpoint="{self.base}/api/submit"></biz-signup>
<script>
customElements.define('biz-signup', class extends HTMLElement {{
  connectedCallback() {{
    const root = this.attachShadow({{mode: 'open'}});
    const rows = [['name','Business name','text'],['email','Email','email'],['phone','Phone','tel'],
      ['url','Website','url'],['street','Street','text'],['city','City','text']];
    let h = '<style>.trap{{position:absolute;left:-9999px}} label{{display:block}}</style><div class="box">';
    for (const [n, l, t] of rows) h += '<label for="' + n + '">' + l + '</label><input id="' + n + '" name="' + n + '" type="' + t + '">';
    h += '<label for="about">About the business</label><textarea id="about" name="about"></textarea>';
    h += '<div class="trap"><label for="nickname">Nickname</label><input id="nickname" name="nickname" tabindex="-1"></div>';
    h += '<button type="button" id="go">Send listing</button><div id="out"></div></div>';
    root.innerHTML = h;
    root.getElementById('go').addEventListener('click', async () => {{
      const body = new URLSearchParams();
      for (const el of root.querySelectorAll('input, textarea')) body.append(el.name, el.value);
      const res = await fetch(this.getAttribute('endpoint'), {{method: 'POST', body}});
      const data = await res.json();
      const p = document.createElement('p'); p.setAttribute('role', data.ok ? 'status' : 'alert');
      p.className = data.ok ? 'success' : 'error';
      p.textContent = data.ok ? data.message : (data.errors || [data.error]).join('; ');
      root.getElementById('out').replaceChildren(p);
    }});
  }}
}});
</script>""")

    def json_ok(self, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "message": message})

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"name": val(profile, "business_name"), "email": val(profile, "email"), "phone": val(profile, "phone"),
                "url": val(profile, "website"), "street": val(profile, "address_line1"), "city": val(profile, "city"),
                "about": description(profile), "nickname": ""}


class ComboboxWidgets(RealWebSite):
    """Custom widgets in a <form>: the category is an ARIA combobox whose options appear a moment after
    typing (only options containing the typed text; the pick sets a hidden category_id), the terms a
    div[role=checkbox] (its state is copied into a hidden input), the founding date an
    <input type=date>.

    Rules: category_id = the option meaning the profile's category; founded = the year's 1 January
    (yyyy-mm-dd); agree = "yes" once ticked; the combobox's own text is the site's internal field."""

    id = "realweb-combobox"
    name = "Pantry Finder (ARIA widgets)"
    behaviours = ("aria-combobox", "custom-checkbox", "date-input", "checkbox:terms", "result:redirect-thanks")
    core_fields = {"name": ("title", "Business name"), "email": ("email", "Email"), "phone": ("phone", "Phone")}
    required = {"category_id": "Category", "founded": "Founded"}
    terms_fields = {"agree": "terms of listing"}
    internal_fields = ("category_text",)
    css = ("body{font-family:Verdana,sans-serif;max-width:600px;margin:2em auto}label{display:block;margin-top:10px}"
           "[role=listbox]{border:1px solid #999;margin:0;padding:0;list-style:none}[role=option]{padding:4px;"
           "cursor:pointer}[role=option]:hover{background:#def}.box{display:inline-block;width:16px;height:16px;"
           "border:1px solid #333;vertical-align:middle;margin-right:6px}[aria-checked=true] .box{background:#2a7}")

    async def form_page(self, request: Request) -> Response:
        cats = [[label, value] for value, label in CATEGORIES]
        return self.page("Pantry Finder — add your place", f"""
<h1>Pantry Finder</h1>
<form method="post" action="{self.base}/submit">
  <label for="pf-title">Business name</label><input id="pf-title" name="title">
  <label for="pf-email">Email</label><input id="pf-email" name="email" type="email">
  <label for="pf-phone">Phone</label><input id="pf-phone" name="phone" type="tel">
  <label id="cat-label" for="pf-cat">Category</label>
  <input id="pf-cat" name="category_text" role="combobox" aria-labelledby="cat-label" aria-controls="pf-cat-list"
         aria-expanded="false" aria-autocomplete="list" autocomplete="off" placeholder="Start typing…">
  <ul id="pf-cat-list" role="listbox" hidden></ul>
  <input type="hidden" name="category_id" id="pf-cat-id">
  <label for="pf-founded">Founded</label><input id="pf-founded" name="founded" type="date">
  <p><span id="agree-box" role="checkbox" aria-checked="false" tabindex="0" aria-labelledby="agree-text">
     <span class="box"></span></span><span id="agree-text">I accept the terms of listing</span></p>
  <input type="hidden" name="agree" id="pf-agree">
  <button type="submit">Add my place</button>
</form>
<script>
const cats = {cats!r};
const input = document.getElementById('pf-cat'), list = document.getElementById('pf-cat-list');
let timer = null;
input.addEventListener('input', () => {{
  clearTimeout(timer);
  document.getElementById('pf-cat-id').value = '';
  timer = setTimeout(() => {{
    const q = input.value.trim().toLowerCase();
    list.innerHTML = '';
    const hits = cats.filter(([label]) => q && label.toLowerCase().includes(q));
    for (const [label, value] of hits) {{
      const li = document.createElement('li'); li.setAttribute('role', 'option'); li.textContent = label;
      li.dataset.value = value; li.id = 'opt-' + value;
      li.addEventListener('click', () => {{
        input.value = label; document.getElementById('pf-cat-id').value = value;
        list.hidden = true; input.setAttribute('aria-expanded', 'false');
      }});
      list.appendChild(li);
    }}
    list.hidden = hits.length === 0; input.setAttribute('aria-expanded', hits.length ? 'true' : 'false');
  }}, 350);
}});
const box = document.getElementById('agree-box');
const toggle = () => {{
  const on = box.getAttribute('aria-checked') !== 'true';
  box.setAttribute('aria-checked', on ? 'true' : 'false');
  document.getElementById('pf-agree').value = on ? 'yes' : '';
}};
box.addEventListener('click', toggle);
box.addEventListener('keydown', (e) => {{ if (e.key === ' ') {{ e.preventDefault(); toggle(); }} }});
</script>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        year = profile.year_founded
        return {"title": val(profile, "business_name"), "email": val(profile, "email"), "phone": val(profile, "phone"),
                "category_id": category_value(profile, CATEGORY_VALUES), "founded": f"{year}-01-01" if year else "",
                "agree": "yes"}


class WidgetFrame(RealWebSite):
    """The directory's page embeds a form widget served by another host (the sandbox's second origin): the
    cross-origin frame holds the form, posts inside itself and shows the answer there. The page around
    it says nothing about the outcome.

    Rules: `pitch` = description; consent posts "1"; the off-screen honeypot posted empty."""

    id = "realweb-widget"
    name = "Harbor Town Guide (cross-origin widget)"
    css = "body{font-family:Tahoma,sans-serif;background:#eff6ff;max-width:700px;margin:1em auto}iframe{border:0}"
    behaviours = ("iframe", "cross-origin-frame", "labels:wrapping", "honeypot:off-screen", "checkbox:terms",
                  "result:inline-message")
    submission_routes = frozenset({("POST", "embed/submit")})
    core_fields = {"name": ("org", "Organization"), "email": ("mail", "E-mail"), "phone": ("tel", "Telephone"),
                   "website": ("web", "Web address")}
    honeypot_fields = ("url_confirm",)
    terms_fields = {"consent": "terms"}
    result_page = ("Received", "<div class='ok' role='status'>Thanks — your listing request was received. "
                               "Reference {ref}.</div>")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "embed"): self.embed, ("POST", "embed/submit"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        widget = other_origin(request)
        return self.page("Harbor Town Guide", f"""
<h1>Harbor Town Guide</h1><p>Add your business with our partner's form below.</p>
<iframe src="{widget}{self.base}/embed" width="600" height="620" title="Listing form"></iframe>
<footer><p>© Harbor Town Guide</p></footer>""")

    async def embed(self, request: Request) -> Response:
        return self.page("Listing widget", f"""
<form method="post" action="{self.base}/embed/submit">
  <label>Organization <input name="org"></label><br>
  <label>E-mail <input name="mail" type="email"></label><br>
  <label>Telephone <input name="tel" type="tel"></label><br>
  <label>Web address <input name="web" type="url"></label><br>
  <label>City <input name="town"></label><br>
  <label>Business description <textarea name="pitch"></textarea></label><br>
  <label style="position:absolute;left:-5000px">Confirm URL <input name="url_confirm" tabindex="-1"></label>
  <label><input type="checkbox" name="consent" value="1"> I agree to the terms</label><br>
  <button>Send</button>
</form>""", css="body{font-family:Tahoma,sans-serif;margin:10px}")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"org": val(profile, "business_name"), "mail": val(profile, "email"), "tel": val(profile, "phone"),
                "web": val(profile, "website"), "town": val(profile, "city"), "pitch": description(profile),
                "url_confirm": "", "consent": "1"}


class ApexRedirect(RealWebSite):
    """The catalog's URL is the apex; it redirects (301) to another host name (the second origin, as
    example.com to www.example.com), where the form lives and posts.

    Rules: camelCase names; stateName by the state's full name (options without values)."""

    id = "realweb-apex"
    name = "Lakeside Pages (apex to www)"
    css = "body{font-family:Palatino,serif;background:#fffbeb;max-width:560px;margin:3em auto}"
    behaviours = ("redirect:other-host", "names:camelCase", "labels:for", "select:state-name",
                  "result:redirect-thanks")
    core_fields = {"name": ("companyName", "Company"), "email": ("emailAddress", "Email"),
                   "phone": ("phoneNumber", "Phone"), "website": ("websiteUrl", "Website")}

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("GET", "submit"): self.apex, ("GET", "form"): self.form_page}

    async def apex(self, request: Request) -> Response:
        return RedirectResponse(f"{other_origin(request)}{self.base}/form", status_code=301)

    async def form_page(self, request: Request) -> Response:
        states = "".join(f"<option>{n}</option>" for n in ("", "Texas", "Oregon", "Ohio"))
        return self.page("Lakeside Pages", f"""
<h1>Lakeside Pages</h1>
<form method="post" action="{self.base}/submit">
  <p><label for="a1">Company</label> <input id="a1" name="companyName"></p>
  <p><label for="a2">Email</label> <input id="a2" name="emailAddress" type="email"></p>
  <p><label for="a3">Phone</label> <input id="a3" name="phoneNumber" type="tel"></p>
  <p><label for="a4">Website</label> <input id="a4" name="websiteUrl" type="url"></p>
  <p><label for="a5">City</label> <input id="a5" name="cityName"></p>
  <p><label for="a6">State</label> <select id="a6" name="stateName">{states}</select></p>
  <p><button type="submit">Submit</button></p>
</form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        from dirbolt_sandbox.sites._common import state_name
        return {"companyName": val(profile, "business_name"), "emailAddress": val(profile, "email"),
                "phoneNumber": val(profile, "phone"), "websiteUrl": val(profile, "website"),
                "cityName": val(profile, "city"), "stateName": state_name(profile)}


class ConfirmEmail(RealWebSite):
    """Accepts the listing and answers that a confirmation e-mail was sent: nothing is listed until the
    link is opened, so a correct runner ends `pending_verification` (never `submitted`).

    Rules: free text verbatim; the hidden honeypot `homepage` posted empty."""

    id = "realweb-confirm"
    name = "Verified Biz (confirmation e-mail)"
    css = "body{font-family:Helvetica,sans-serif;background:#fdf4ff;max-width:520px;margin:2em auto}"
    expected_status = "pending_verification"
    behaviours = ("result:confirm-email", "labels:for", "names:conventional", "honeypot:inline-style")
    core_fields = {"name": ("business", "Business"), "email": ("email", "Email"), "phone": ("phone", "Phone")}
    honeypot_fields = ("homepage",)
    result_page = ("Check your inbox", "<h1>Almost there!</h1><p>We sent you an e-mail to confirm your listing. "
                                       "Click the link in it to publish your business.</p>")

    async def form_page(self, request: Request) -> Response:
        return self.page("Verified Biz — add your business", f"""
<h1>Verified Biz</h1>
<form method="post" action="{self.base}/submit">
  <p><label for="c1">Business</label> <input id="c1" name="business"></p>
  <p><label for="c2">Email</label> <input id="c2" name="email" type="email"></p>
  <p><label for="c3">Phone</label> <input id="c3" name="phone" type="tel"></p>
  <p><label for="c4">City</label> <input id="c4" name="city"></p>
  <p style="display:none"><label for="c5">Homepage</label> <input id="c5" name="homepage"></p>
  <p><button type="submit">Submit</button></p>
</form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"business": val(profile, "business_name"), "email": val(profile, "email"),
                "phone": val(profile, "phone"), "city": val(profile, "city"), "homepage": ""}


class SlowAnswer(RealWebSite):
    """A fetch submit whose answer comes several seconds later (the button stays enabled meanwhile): a
    second press is a second submission (the record shows it, refused as a duplicate).

    Rules: free text verbatim; exactly one submission."""

    id = "realweb-slow"
    name = "Sluggish Listings (slow answer)"
    css = "body{font-family:'Courier New',monospace;background:#f1f5f9;max-width:500px;margin:2em auto}"
    behaviours = ("xhr", "slow-answer", "labels:aria-label", "result:inline-message")
    responds_json = True
    submission_routes = frozenset({("POST", "api/add")})
    core_fields = {"name": ("company", "Company"), "email": ("email", "Email"), "phone": ("phone", "Phone")}
    answer_delay_s: ClassVar[float] = 5.0
    success_message = "Thank you! Your listing has been submitted."

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("POST", "api/add"): self.slow_post}

    async def slow_post(self, request: Request) -> Response:
        fields = await self.read_fields(request)
        await asyncio.sleep(self.answer_delay_s)
        return await self.process(request, fields)

    async def form_page(self, request: Request) -> Response:
        return self.page("Sluggish Listings", f"""
<h1>Sluggish Listings</h1>
<form id="sl">
  <input name="company" aria-label="Company"><input name="email" type="email" aria-label="Email">
  <input name="phone" type="tel" aria-label="Phone"><input name="city" aria-label="City">
  <button type="submit">Add listing</button>
</form><div id="sl-out"></div>
<script>
document.getElementById('sl').addEventListener('submit', async (ev) => {{
  ev.preventDefault();
  const out = document.getElementById('sl-out'); out.textContent = 'Working…';
  const res = await fetch('{self.base}/api/add', {{method: 'POST', body: new FormData(ev.target)}});
  const data = await res.json();
  out.innerHTML = '';
  const p = document.createElement('p'); p.setAttribute('role', data.ok ? 'status' : 'alert');
  p.className = data.ok ? 'success' : 'error'; p.textContent = data.ok ? data.message : (data.errors || [data.error]).join('; ');
  out.appendChild(p);
}});
</script>""")

    def json_ok(self, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "message": message})

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {"company": val(profile, "business_name"), "email": val(profile, "email"),
                "phone": val(profile, "phone"), "city": val(profile, "city")}


SITES: list[type[Site]] = [CdnForm, ReactFormless, ShadowComponent, ComboboxWidgets, WidgetFrame, ApexRedirect,
                           ConfirmEmail, SlowAnswer]
