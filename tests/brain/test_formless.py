"""Forms without <form>, shadow roots, custom widgets and nameless fields, read from saved HTML.

Each page is written in its own style (React divs, an old table layout, web components,
a French link-button), so what is tested is the kind, not one page.
"""

from __future__ import annotations

import lxml.html
import pytest

from dirbolt_core.brain.extract import OWNER_ATTR, extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormInfo
from dirbolt_core.brain.values import value_for_field
from dirbolt_core.sample import SAMPLE_PROFILE


def _mapped(form: FormInfo) -> list[tuple[str, str | None, str | None]]:
    """(key, widget, value) per field, in order."""
    mapping = FormBrain().map_form(form, profile=SAMPLE_PROFILE)
    return [(m.key, f.widget, value_for_field(m, f, SAMPLE_PROFILE)) for f, m in zip(form.fields, mapping.fields,
                                                                                       strict=True)]


def _keys(form: FormInfo) -> list[str]:
    return [key for key, _, _ in _mapped(form)]


def _unique_selectors(html: str, form: FormInfo) -> None:
    doc = lxml.html.document_fromstring(html)
    for f in form.fields:
        assert f.selector, f
        assert len(doc.cssselect(f.selector)) == 1, (f.selector, f.label)


REACT_PAGE = """<!doctype html><html><body>
<header class="top"><div class="search"><input type="search" placeholder="Search directories">
  <button type="button">Search</button></div></header>
<div id="root"><main><div class="card">
  <h2>Add your business</h2>
  <div class="field"><span id="lbl-biz">Business name</span><input aria-labelledby="lbl-biz" class="inp"></div>
  <div class="field"><input placeholder="Website (https://...)" class="inp"></div>
  <div class="field"><input data-testid="phone-input" class="inp"></div>
  <div class="field"><div class="caption">E-mail address</div><input class="inp" type="email"></div>
  <div class="field"><input aria-label="City" class="inp"></div>
  <div class="actions"><div role="button" tabindex="0" class="primary">Create listing</div></div>
</div></main></div></body></html>"""


def test_a_react_style_page_without_form_gives_its_field_group_and_submit() -> None:
    forms = extract_forms_from_html(REACT_PAGE)
    assert [f.formless for f in forms] == [True, True]
    search, listing = forms
    # The search box and its button stay apart from the listing; the button is what sends the search.
    assert _keys(search) == ["unknown", "submit"]
    assert listing.heading == "Add your business"
    assert _keys(listing) == ["business_name", "website", "phone", "email", "city", "submit"]
    button = listing.fields[-1]
    assert (button.tag, button.type, button.widget, button.label) == ("div", "submit", "button", "Create listing")
    assert listing.fields[2].data_name == "phone-input"
    _unique_selectors(REACT_PAGE, listing)
    assert FormBrain().choose_form(forms).form_index == listing.index


TABLE_PAGE = """<html><body><form action="/search"><input name="q"><input type="submit" value="Go"></form>
<table class="signup">
 <tr><td>Nom de l'entreprise</td><td><input class="t1"></td></tr>
 <tr><td>Site web</td><td><input class="t2"></td></tr>
 <tr><td>Ville</td><td><input class="t3"></td></tr>
 <tr><td>Code postal</td><td><input class="t4" size="6"></td></tr>
 <tr><td colspan="2"><a href="#" class="btn btn-send" onclick="send()">Envoyer</a></td></tr>
</table></body></html>"""


def test_a_link_button_in_another_language_closes_a_table_layout_group_after_the_forms() -> None:
    forms = extract_forms_from_html(TABLE_PAGE)
    assert [(f.index, f.formless) for f in forms] == [(0, False), (1, True)]  # <form> indexes do not move
    group = forms[1]
    assert _keys(group) == ["business_name", "website", "city", "postal_code", "submit"]
    assert group.fields[-1].tag == "a" and group.fields[-1].label == "Envoyer"
    _unique_selectors(TABLE_PAGE, group)


DATA_PAGE = """<html><body><section class="wizard">
<div data-field="company_name"><input></div>
<input data-name="contactEmail">
<input data-qa="street-address">
<input data-cy="zip-code">
<textarea data-testid="business-description"></textarea>
<button>Continue</button></section></body></html>"""


def test_nameless_fields_are_read_by_their_data_attributes() -> None:
    [group] = extract_forms_from_html(DATA_PAGE)
    keys = _keys(group)
    # the first box's data-field sits on its wrapper: its hints still say what it is
    assert keys[1:] == ["email", "address_line1", "postal_code", "description", "submit"]
    assert [f.data_name for f in group.fields[1:5]] == ["contactEmail", "street-address", "zip-code",
                                                       "business-description"]


SHADOW_PAGE = """<html><body>
<form action="/add">
  <biz-field><template shadowrootmode="open"><label for="f">Company</label><input id="f"></template></biz-field>
  <biz-field><template shadowrootmode="open"><label for="f">Phone number</label><input id="f"></template></biz-field>
  <input type="submit" value="Add">
</form>
<listing-card><template shadowrootmode="open"><style>.hp{position:absolute;left:-5000px}</style>
  <h3>Claim your listing</h3>
  <label>Your e-mail <input type="email"></label>
  <span>Town</span> <input>
  <div class="hp"><input name="website_url"></div>
  <button>Claim</button>
</template></listing-card>
<template id="row-tpl"><input name="inert-field"><button>Send</button></template>
</body></html>"""


def test_declarative_shadow_roots_are_read_with_their_own_labels_and_inert_templates_are_not() -> None:
    forms = extract_forms_from_html(SHADOW_PAGE)
    assert [f.formless for f in forms] == [False, True]
    form, card = forms
    # the two components both use id="f": each label stays with its own box
    assert [f.label for f in form.fields[:2]] == ["Company", "Phone number"]
    assert _keys(form) == ["business_name", "phone", "submit"]
    assert card.heading == "Claim your listing"
    mapped = _mapped(card)
    assert [k for k, _, _ in mapped] == ["email", "city", "honeypot", "submit"]
    assert mapped[2][2] is None  # the off-screen trap gets nothing
    assert not any(f.name == "inert-field" for form in forms for f in form.fields)


WIDGETS_PAGE = """<html><body><div class="listing-form">
<label id="cat-l">Business category</label>
<input role="combobox" aria-labelledby="cat-l" aria-controls="cat-list" aria-expanded="true">
<ul role="listbox" id="cat-list"><li role="option">Plumber</li><li role="option" data-value="b1">Bakery</li>
  <li role="option">Dentist</li></ul>
<div role="combobox" aria-owns="st-list" aria-label="State"><input class="st-input"></div>
<div role="listbox" id="st-list"><div role="option">California</div><div role="option">Texas</div></div>
<div role="combobox" aria-label="Country" tabindex="0">Choose a country</div>
<div role="listbox" aria-label="Category (alternative)"><span role="option">Bakery</span>
  <span role="option">Florist</span></div>
<div role="checkbox" aria-checked="false" tabindex="0">I accept the terms of service</div>
<span role="switch" aria-checked="false" aria-label="Send me the newsletter"></span>
<div contenteditable="true" aria-label="Describe your business" class="editor"></div>
<label>Year founded <input type="date"></label>
<label>Opening date <input class="datepicker"></label>
<button>Submit listing</button></div></body></html>"""


def test_custom_widgets_are_fields_with_their_kind_and_options() -> None:
    [group] = extract_forms_from_html(WIDGETS_PAGE)
    by_kind = [(f.tag, f.widget) for f in group.fields]
    assert by_kind == [("input", "combobox"), ("input", "combobox"), ("div", "combobox"), ("div", "listbox"),
                       ("div", "checkbox"), ("span", "checkbox"), ("div", "contenteditable"), ("input", "date"),
                       ("input", "date"), ("button", None)]
    combo, state, country, listbox = group.fields[:4]
    assert [o.text for o in combo.options] == ["Plumber", "Bakery", "Dentist"]
    assert combo.options[1].value == "b1"
    assert [o.text for o in state.options] == ["California", "Texas"]  # the ARIA 1.1 wrapper's list
    assert country.options == [] and country.placeholder == "Choose a country"
    assert [o.text for o in listbox.options] == ["Bakery", "Florist"]
    mapped = _mapped(group)
    assert [k for k, _, _ in mapped] == ["category", "state", "country", "category", "terms_checkbox",
                                         "newsletter_checkbox", "description", "year_founded", "unknown", "submit"]
    values = [v for _, _, v in mapped]
    assert values[0] == "b1"  # the bakery option (the profile's category)
    assert values[1] == "Texas"
    assert values[2] == SAMPLE_PROFILE.country  # no list yet: the runner types it and picks
    assert values[3] == "Bakery"
    assert values[4] == "on" and values[5] is None  # terms ticked, newsletter left
    assert values[6] == SAMPLE_PROFILE.description
    assert values[7] == f"{SAMPLE_PROFILE.year_founded}-01-01"
    assert all(f.is_fillable for f in group.fields[:9])


HONEYPOT_PAGE = """<html><head><style>.nofill { display: none }
.offscreen { position: absolute; top: -800px; left: -9000px }
</style></head><body><div class="react-form">
<p>Company name</p><input class="a">
<div class="nofill"><input class="b" placeholder="Website"></div>
<div style="position:absolute; left:-9999px"><input class="c" placeholder="Phone"></div>
<label>Leave this field empty <input class="d"></label>
<input class="e" tabindex="-1" autocomplete="off">
<div style="display:none" class="row"><label for="org">Organisation name</label><input id="org"></div>
<div class="offscreen"><label for="web">Website</label><input id="web"></div>
<p>Email</p><input class="f">
<span class="btn" onclick="go()">Register</span>
</div></body></html>"""


def test_honeypots_in_a_formless_container_are_never_given_a_value() -> None:
    [group] = extract_forms_from_html(HONEYPOT_PAGE)
    mapped = _mapped(group)
    keys = [k for k, _, _ in mapped]
    assert keys[:5] == ["business_name", "honeypot", "honeypot", "honeypot", "honeypot"]
    # a box taken out of the page with a real label naming a field is a field a script shows
    # later: it keeps its meaning, but a box a person cannot see is given nothing; the same box
    # kept in the page out of view is a trap
    assert keys[5] == "business_name" and mapped[5][2] is None
    assert keys[6] == "honeypot" and mapped[6][2] is None
    assert keys[7:] == ["email", "submit"]
    assert [v for _, _, v in mapped[1:6]] == [None] * 5
    assert mapped[0][2] == SAMPLE_PROFILE.business_name


def test_controls_the_browser_assigned_to_a_form_join_it_with_the_text_around_them() -> None:
    # What the live script marks: a <form> the parser closed inside a table, its inputs after it.
    html = f"""<html><body><table><tr><td><form id="f1" data-dirbolt-uid="9-a" action="/add"></form></td></tr>
    <tr><td>Business name</td><td><input {OWNER_ATTR}="9-a" name="n1"></td></tr>
    <tr><td>Zip</td><td><input {OWNER_ATTR}="9-a" name="z1"></td></tr></table></body></html>"""
    forms = extract_forms_from_html(html)
    assert len(forms) == 1 and not forms[0].formless
    assert [f.nearby_text for f in forms[0].fields] == ["Business name", "Zip"]
    assert _keys(forms[0]) == ["business_name", "postal_code"]


@pytest.mark.parametrize("label", ["Absenden", "Enviar solicitud", "Отправить", "Next step", "Sign up"])
def test_submit_words_in_several_languages_close_a_group(label: str) -> None:
    html = f"""<html><body><nav><a href="/about">About us</a></nav><div class="wrap">
    <div class="x"><input placeholder="Firma"></div><div class="x"><input placeholder="E-Mail"></div>
    <div class="x"><span class="btn">{label}</span></div></div></body></html>"""
    [group] = extract_forms_from_html(html)
    assert group.fields[-1].label == label and group.fields[-1].type == "submit"
    assert _keys(group) == ["business_name", "email", "submit"]


BUTTON_WIDGETS_PAGE = """<html><body><form action="/add">
<label id="lc">Category</label>
<button type="button" role="combobox" aria-labelledby="lc" aria-controls="cl" aria-expanded="false">Select...</button>
<ul role="listbox" id="cl"><li role="option">Florist</li><li role="option">Bakery</li></ul>
<button type="button" aria-haspopup="listbox" aria-label="State">Choose a state</button>
<button type="button" role="switch" aria-checked="false" aria-label="I accept the terms and conditions"></button>
<button type="submit">Save</button></form></body></html>"""


def test_buttons_that_are_aria_widgets_are_fields_not_buttons() -> None:
    [form] = extract_forms_from_html(BUTTON_WIDGETS_PAGE)
    assert [(f.tag, f.type, f.widget) for f in form.fields] == [
        ("button", "combobox", "combobox"), ("button", "combobox", "combobox"), ("button", "checkbox", "checkbox"),
        ("button", "submit", None)]
    category = form.fields[0]
    assert category.label == "Category" and category.placeholder == "Select..."
    assert [o.text for o in category.options] == ["Florist", "Bakery"]
    mapped = _mapped(form)
    assert [k for k, _, _ in mapped] == ["category", "state", "terms_checkbox", "submit"]
    assert [v for _, _, v in mapped] == ["Bakery", SAMPLE_PROFILE.state, "on", None]
    assert all(f.is_fillable for f in form.fields[:3])


def test_a_hidden_traps_caption_is_not_the_hint_of_the_box_before_it() -> None:
    # Captions above boxes; the trap's row ("Leave blank") comes right after the postcode's row.
    html = """<html><head><style>.sec{position:absolute;left:-10000px}</style></head><body><div id="app">
    <div class="row"><span class="cap">Town</span><input data-key="locality"></div>
    <div class="row"><span class="cap">Postcode</span><input data-key="postcode"></div>
    <div class="row sec"><span class="cap">Leave blank</span><input data-key="fax_number"></div>
    <div class="row"><span class="cap">E-mail</span><input data-key="mail"></div>
    <p>Leave this empty</p><input data-key="extra_info">
    <a href="#" class="btn">Register business</a></div></body></html>"""
    [group] = extract_forms_from_html(html)
    mapped = _mapped(group)
    assert [k for k, _, _ in mapped] == ["city", "postal_code", "honeypot", "honeypot", "honeypot", "submit"]
    # between two boxes in view a trap hint stays with both: "E-mail" is left alone rather than risked
    assert group.fields[3].text_after == "Leave this empty"
    assert mapped[1][2] == SAMPLE_PROFILE.postal_code and mapped[2][2] is None
