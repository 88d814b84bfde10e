"""Form extraction from saved HTML: labels, visibility, order, signature."""

from __future__ import annotations

from dirbolt_core.brain.extract import decode_html, extract_forms_from_html


def fields_by_name(html: str, form: int = 0) -> dict:
    return {f.name: f for f in extract_forms_from_html(html)[form].fields if f.name}


def test_labels_from_every_source() -> None:
    html = """<html><body><form>
      <label for="a">Company name</label><input id="a" name="x1">
      <label>Web address <input name="x2"></label>
      <span id="lbl3">Telephone</span><input name="x3" aria-labelledby="lbl3">
      <input name="x4" aria-label="E-mail">
      <table><tr><td>City:</td><td><input name="x5"></td></tr></table>
      <div><input type="checkbox" name="x6" value="yes"> I agree to the terms</div>
      <input name="x7" placeholder="Postcode" title="Your postcode" autocomplete="postal-code" maxlength="8">
    </form></body></html>"""
    f = fields_by_name(html)
    assert f["x1"].label == "Company name"
    assert f["x2"].label == "Web address"
    assert f["x3"].label == "Telephone"
    assert f["x4"].label == "E-mail" and f["x4"].aria_label == "E-mail"
    assert f["x5"].label == "" and f["x5"].nearby_text == "City:"
    assert f["x6"].text_after == "I agree to the terms" and f["x6"].value == "yes"
    assert (f["x7"].placeholder, f["x7"].title, f["x7"].autocomplete, f["x7"].maxlength) == (
        "Postcode", "Your postcode", "postal-code", 8)


def test_a_row_of_labels_above_a_row_of_boxes_is_shared_out_in_order() -> None:
    html = """<form><fieldset>
      <label class="x">First Name:</label><label class="x">Last Name:</label>
      <input name="a">&nbsp;<input name="b">
    </fieldset><p><label><input type="checkbox" name="c"> Subscribe</label></p></form>"""
    f = fields_by_name(html)
    assert f["a"].nearby_text == "First Name:"
    assert f["b"].nearby_text == "Last Name:"


def test_the_words_after_a_radio_belong_to_it_not_to_the_next_box() -> None:
    html = """<form><p>Location: <input type="radio" name="t" value="z">ZIP
      <input type="radio" name="t" value="c">City</p><p><label>&nbsp;</label><input name="zip"></p></form>"""
    assert fields_by_name(html)["zip"].nearby_text == ""


def test_options_required_and_selectors() -> None:
    html = """<form><select name="s" required><option value="">Pick</option><option value="TX" selected>Texas</option>
      </select><textarea name="t"></textarea><button>Send</button></form>"""
    form = extract_forms_from_html(html)[0]
    s, t, b = form.fields
    assert [(o.value, o.text, o.selected) for o in s.options] == [("", "Pick", False), ("TX", "Texas", True)]
    assert s.required and s.type == "select" and t.type == "textarea"
    assert (b.tag, b.type, b.label) == ("button", "submit", "Send")
    assert s.selector == 'select[name="s"]'


def test_a_box_hidden_on_its_own_is_a_trap_a_hidden_section_is_not() -> None:
    html = """<html><head><style>.zz{display:none}</style></head><body><form>
      <input name="visible">
      <div style="position:absolute;left:-9999px"><input name="offscreen"></div>
      <div class="zz"><input name="by_stylesheet"></div>
      <div style="display:none"><input name="step2a"><input name="step2b"></div>
      <input type="hidden" name="token" value="1">
    </form>
    <div style="display:none"><form><input name="popup_user"><input name="popup_pass" type="password"></form></div>
    </body></html>"""
    forms = extract_forms_from_html(html)
    f = {x.name: x for x in forms[0].fields}
    assert f["visible"].visible and f["visible"].hidden_scope is None
    assert (f["offscreen"].visible, f["offscreen"].hidden_scope) == (False, "control")
    assert (f["by_stylesheet"].visible, f["by_stylesheet"].hidden_scope) == (False, "control")
    assert f["step2a"].hidden_scope == f["step2b"].hidden_scope == "section"
    assert (f["token"].visible, f["token"].hidden_reason) == (False, "type=hidden")
    assert {x.hidden_scope for x in forms[1].fields} == {"form"}


def test_forms_in_document_order_with_outside_controls() -> None:
    html = """<form id="s"><input name="q"></form><form id="main"><input name="a"></form>
      <input name="b" form="main"><form><input name="c"></form>"""
    forms = extract_forms_from_html(html)
    assert [f.index for f in forms] == [0, 1, 2]
    assert [[x.name for x in f.fields] for f in forms] == [["q"], ["a", "b"], ["c"]]


def test_signature_is_stable_and_drifts_with_the_controls() -> None:
    base = "<form><input name='{n}'><label for='p'>{label}</label><input id='p' name='p'>" \
           "<input type='hidden' name='csrf' value='{token}'></form>"
    sig = lambda **kw: extract_forms_from_html(base.format(**kw))[0].signature  # noqa: E731
    first = sig(n="name", label="Phone", token="a1")
    assert first == sig(n="name", label="Phone", token="zz9")  # tokens change every visit
    assert first != sig(n="company", label="Phone", token="a1")  # a renamed field
    assert first != sig(n="name", label="Fax", token="a1")  # a relabelled field


def test_bytes_are_decoded_as_utf8_first_then_as_declared() -> None:
    utf8 = "<meta charset='windows-1251'><form><label for=a>Город</label><input id=a name=a></form>".encode()
    assert extract_forms_from_html(utf8)[0].fields[0].label == "Город"
    cp = "<meta charset='windows-1251'><form><label for=a>Город</label><input id=a name=a></form>".encode("cp1251")
    assert extract_forms_from_html(cp)[0].fields[0].label == "Город"
    assert decode_html("<?xml version='1.0' encoding='utf-8'?><html></html>") == "<html></html>"
    assert extract_forms_from_html("") == [] and extract_forms_from_html(b"   ") == []
