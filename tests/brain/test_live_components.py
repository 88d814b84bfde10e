"""Live extraction in real Chromium: script-built formless forms, open shadow roots (imperative and
declarative), custom widgets, and forms in iframes of another origin. Every selector the brain
returns is used with Playwright on the page, as the runner uses it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dirbolt_core.brain.extract import extract_forms_from_page
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormInfo
from dirbolt_core.brain.values import value_for_field
from dirbolt_core.sample import SAMPLE_PROFILE
from tests.brain.conftest import AsyncBrowser

PAGES: dict[str, str] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        data = body.replace("{port}", str(self.server.server_address[1])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[int]:
    """One server on loopback, reached as 127.0.0.1 and as localhost: two origins (two sites)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(chromium: AsyncBrowser) -> Any:
    return chromium.new_page()


def _read(chromium: AsyncBrowser, page: Any, html: str) -> list[tuple[Any, FormInfo]]:
    async def go() -> list[tuple[Any, FormInfo]]:
        await page.set_content(html)
        return await extract_forms_from_page(page)

    return chromium.run(go())


def _keys(form: FormInfo) -> list[str]:
    return [m.key for m in FormBrain().map_form(form).fields]


def _fill_all(chromium: AsyncBrowser, frame: Any, form: FormInfo) -> dict[str, str]:
    """Fill every visible fillable field by its selector, as the runner does; return what each now holds."""
    mapping = FormBrain().map_form(form, profile=SAMPLE_PROFILE)

    async def go() -> dict[str, str]:
        held: dict[str, str] = {}
        for f, m in zip(form.fields, mapping.fields, strict=True):
            value = value_for_field(m, f, SAMPLE_PROFILE)
            if value is None or not f.visible:
                continue
            loc = frame.locator(f.selector)
            assert await loc.count() == 1, f.selector
            if f.type == "checkbox":
                await loc.check()
                held[m.key] = str(await loc.is_checked())
            elif f.widget in ("combobox", "listbox") and f.tag != "input":
                await loc.click()
                await frame.get_by_role("option", name=next(o.text for o in f.options if o.value == value)).click()
                held[m.key] = (await loc.inner_text()).strip()
            else:
                await loc.fill(value)
                held[m.key] = (await loc.inner_text()) if f.widget == "contenteditable" else await loc.input_value()
        return held

    return chromium.run(go())


REACT_APP = """<html><body><div id="root"></div><script>
const root = document.getElementById('root');
const h = (tag, attrs, ...kids) => { const el = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => k === 'style' ? el.style.cssText = v : el.setAttribute(k, v));
  kids.forEach(k => el.append(k)); return el; };
root.append(h('div', {class: 'card'},
  h('h2', {}, 'List your business'),
  h('div', {class: 'row'}, h('div', {class: 'lbl'}, 'Business name'), h('input', {class: 'i'})),
  h('div', {class: 'row'}, h('input', {class: 'i', placeholder: 'Website'})),
  h('div', {class: 'row'}, h('span', {id: 'pl'}, 'Phone'), h('input', {class: 'i', 'aria-labelledby': 'pl'})),
  h('div', {class: 'trap', style: 'opacity:0;position:absolute;height:0;overflow:hidden'}, h('input', {class: 'i'})),
  h('div', {class: 'row'}, h('input', {class: 'i', 'data-testid': 'email-field'})),
  h('span', {class: 'go', style: 'cursor:pointer'}, 'Create my listing')));
</script></body></html>"""


def test_a_script_built_page_without_form_is_read_and_filled(chromium: AsyncBrowser, page: Any) -> None:
    [(frame, form)] = _read(chromium, page, REACT_APP)
    assert form.formless and form.heading == "List your business"
    assert _keys(form) == ["business_name", "website", "phone", "honeypot", "email", "submit"]
    button = form.fields[-1]
    assert (button.tag, button.widget, button.type, button.label) == ("span", "button", "submit", "Create my listing")
    assert not form.fields[3].visible and form.fields[3].hidden_scope == "control"
    held = _fill_all(chromium, frame, form)
    assert held == {"business_name": SAMPLE_PROFILE.business_name, "website": "https://bluebird-bakery.example",
                    "phone": SAMPLE_PROFILE.phone, "email": SAMPLE_PROFILE.email}
    assert chromium.run(frame.locator(form.fields[3].selector).input_value()) == ""  # the trap stays empty


WEB_COMPONENTS = """<html><body><script>
class BizInput extends HTMLElement {
  constructor() { super(); const root = this.attachShadow({mode: 'open'});
    root.innerHTML = '<style>label{display:block}</style><label for="in">' + this.getAttribute('label')
      + '</label><input id="in" type="' + (this.getAttribute('type') || 'text') + '">'; } }
class BizForm extends HTMLElement {
  constructor() { super(); const root = this.attachShadow({mode: 'open'});
    root.innerHTML = '<h3>Add a listing</h3><biz-input label="Company name"></biz-input>'
      + '<biz-input label="Town"></biz-input><biz-input label="E-mail" type="email"></biz-input>'
      + '<button type="button">Add listing</button>'; } }
class SecretBox extends HTMLElement {
  constructor() { super(); this.attachShadow({mode: 'closed'}).innerHTML = '<input name="secret">'; } }
customElements.define('biz-input', BizInput);
customElements.define('biz-form', BizForm);
customElements.define('secret-box', SecretBox);
</script><biz-form></biz-form><secret-box></secret-box>
<div><template shadowrootmode="open"><form action="/x"><span>Postal code</span><input name="zip">
  <input type="submit" value="Save"></form></template></div>
</body></html>"""


def test_open_shadow_roots_are_read_with_labels_and_selectors_playwright_can_use(chromium: AsyncBrowser,
                                                                                 page: Any) -> None:
    found = _read(chromium, page, WEB_COMPONENTS)
    forms = [form for _, form in found]
    assert [f.formless for f in forms] == [False, True]  # the declarative root's <form>, the component group
    declared, component = forms
    assert _keys(declared) == ["postal_code", "submit"]
    # nested components, each with its own id="in" and <label for="in">
    assert [f.label for f in component.fields[:3]] == ["Company name", "Town", "E-mail"]
    assert component.heading == "Add a listing"
    assert _keys(component) == ["business_name", "city", "email", "submit"]
    assert not any(f.name == "secret" for f in declared.fields + component.fields)  # a closed root is closed
    held = _fill_all(chromium, found[1][0], component)
    assert held == {"business_name": SAMPLE_PROFILE.business_name, "city": SAMPLE_PROFILE.city,
                    "email": SAMPLE_PROFILE.email}
    assert chromium.run(page.locator(declared.fields[0].selector).count()) == 1


WIDGETS = """<html><body><div class="listing">
<div class="f"><span id="cl">Category</span>
  <div role="combobox" aria-labelledby="cl" aria-controls="cats" tabindex="0" class="cb">Pick one</div>
  <ul role="listbox" id="cats" style="list-style:none">
    <li role="option" data-value="c1">Florist</li><li role="option" data-value="c2">Bakery</li></ul></div>
<div class="f"><div contenteditable="true" aria-label="About your business" style="min-height:40px"></div></div>
<div class="f"><div role="checkbox" aria-checked="false" tabindex="0" class="cx">I agree to the terms</div></div>
<div class="f"><label>Year founded <input type="date"></label></div>
<button type="button">Continue</button></div>
<script>
document.querySelectorAll('[role=option]').forEach(o => o.addEventListener('click', () => {
  document.querySelector('.cb').textContent = o.textContent; }));
const cx = document.querySelector('.cx');
cx.addEventListener('click', () => cx.setAttribute('aria-checked', cx.getAttribute('aria-checked') !== 'true'));
</script></body></html>"""


def test_custom_widgets_are_read_and_can_be_acted_on_by_their_selectors(chromium: AsyncBrowser, page: Any) -> None:
    [(frame, form)] = _read(chromium, page, WIDGETS)
    assert [(f.widget, f.type) for f in form.fields] == [("combobox", "combobox"), ("contenteditable", "textarea"),
                                                         ("checkbox", "checkbox"), ("date", "date"),
                                                         (None, "button")]
    assert [o.text for o in form.fields[0].options] == ["Florist", "Bakery"]
    assert _keys(form) == ["category", "description", "terms_checkbox", "year_founded", "submit"]
    held = _fill_all(chromium, frame, form)
    assert held == {"category": "Bakery", "description": SAMPLE_PROFILE.description, "terms_checkbox": "True",
                    "year_founded": f"{SAMPLE_PROFILE.year_founded}-01-01"}


TABLE_FORM = """<html><body><table><form action="/add" id="tf"><tr><td>Company</td><td><input name="co"></td></tr>
<tr><td>City</td><td><input name="ci"></td></tr><tr><td><input type="submit" value="Send"></td></tr></form>
</table></body></html>"""


def test_controls_the_browser_puts_outside_their_form_still_belong_to_it(chromium: AsyncBrowser, page: Any) -> None:
    [(_, form)] = _read(chromium, page, TABLE_FORM)
    assert not form.formless and form.action == "/add"
    assert [f.name for f in form.fields] == ["co", "ci", None]
    assert _keys(form) == ["business_name", "city", "submit"]


PAGES["/main"] = """<html><body><h1>Add your shop</h1>
<iframe src="http://localhost:{port}/widget" width="600" height="400"></iframe></body></html>"""
PAGES["/widget"] = """<html><body><div class="embed">
<div class="hp" style="display:none"><input placeholder="Leave empty" class="w0"></div>
<p>Shop name</p><input class="w1"><p>Phone</p><input class="w2" type="tel">
<a role="button" class="submit-link">Submit</a></div></body></html>"""


def test_a_formless_form_in_an_iframe_of_another_origin_is_found_with_its_frame(chromium: AsyncBrowser, page: Any,
                                                                                site: int) -> None:
    async def go() -> list[tuple[Any, FormInfo]]:
        await page.goto(f"http://127.0.0.1:{site}/main")
        await page.frame_locator("iframe").locator(".w1").wait_for()
        return await extract_forms_from_page(page)

    [(frame, form)] = chromium.run(go())
    assert frame.parent_frame is not None and frame.url.startswith(f"http://localhost:{site}/")
    assert form.formless and form.frame_url == frame.url
    assert _keys(form) == ["honeypot", "business_name", "phone", "submit"]
    held = _fill_all(chromium, frame, form)
    assert held == {"business_name": SAMPLE_PROFILE.business_name, "phone": SAMPLE_PROFILE.phone}


# A page whose script renders again the moment anything touches its DOM (here: the marks the live
# read sets): the HTML the brain parses must be the DOM the marks were measured on, or the newly
# rendered boxes come without visibility and a trap row reads as a visible field.
_RERENDER_ON_MARKS = """<html><head><style>.trap{position:absolute;left:-10000px}</style></head><body>
<div id="app"><div>Business name <input data-key="name"></div><button type="button">Send</button></div>
<script>
  const app = document.getElementById('app');
  const observer = new MutationObserver(() => {
    observer.disconnect();
    app.innerHTML = '<div>Business name <input data-key="name"></div>' +
      '<div class="trap">Leave this empty <input data-key="fax"></div>' +
      '<div>Contact e-mail <input data-key="email"></div><button type="button">Send</button>';
  });
  observer.observe(app, {attributes: true, subtree: true});
</script></body></html>"""


def test_the_html_read_is_the_dom_the_visibility_was_measured_on(chromium: AsyncBrowser, page: Any) -> None:
    forms = _read(chromium, page, _RERENDER_ON_MARKS)
    fields = [f for _, form in forms for f in form.fields if f.is_fillable]
    assert fields, "the page's form was read"
    # Every box read carries the mark the same read gave it: nothing parsed that was never measured.
    assert all(f.selector and "data-dirbolt-uid" in f.selector for f in fields), [f.selector for f in fields]
