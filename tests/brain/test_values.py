"""value_for_field: the exact text, option or tick for each field."""

from __future__ import annotations

import pytest

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FieldMapping, FieldOption, FormField
from dirbolt_core.brain.values import choose_option, fit_text, street_parts, value_for_field
from dirbolt_core.models import BusinessProfile
from dirbolt_core.sample import SAMPLE_PROFILE as P


def values(html: str, profile: BusinessProfile = P, *, with_profile: bool = False) -> dict[str, str | None]:
    form = extract_forms_from_html(f"<html><body><form>{html}</form></body></html>")[0]
    mapping = FormBrain().map_form(form, profile=profile if with_profile else None)
    out: dict[str, str | None] = {}
    for f, m in zip(form.fields, mapping.fields, strict=True):
        if f.name:
            v = value_for_field(m, f, profile)
            out.setdefault(f.name, v) if f.type != "radio" else out.__setitem__(f.name, out.get(f.name) or v)
    return out


def test_plain_text_fields_get_the_profile_verbatim() -> None:
    v = values("<label>Business name <input name=a></label><label>Email <input name=b type=email></label>"
               "<label>City <input name=c></label><label>Phone <input name=d></label>")
    assert v == {"a": "Bluebird Bakery & Café", "b": "hello@bluebird-bakery.example", "c": "Austin",
                 "d": "(512) 555-0142"}


def test_phone_in_the_format_the_field_declares() -> None:
    v = values("""<label>Phone <input name=pattern pattern="\\d{3}-\\d{3}-\\d{4}"></label>
      <label>Mobile <input name=sample placeholder="555.555.5555"></label>
      <label>Telephone (digits only) <input name=digits></label>
      <label>Phone <input name=short maxlength=10></label>""")
    assert v == {"pattern": "512-555-0142", "sample": "512.555.0142", "digits": "5125550142",
                 "short": "5125550142"}


def test_split_phone_parts_and_country_code() -> None:
    v = values("""Phone (<input name=area maxlength=3>)<input name=pre maxlength=3>-<input name=line maxlength=4>""")
    assert v == {"area": "512", "pre": "555", "line": "0142"}
    v = values("""<label>Phone</label><select name=cc><option value="">--</option><option value="49">+49 Germany
      </option><option value="1">+1 USA</option></select><input name=tel placeholder="Phone number">""")
    assert v == {"cc": "1", "tel": "(512) 555-0142"}


def test_state_country_and_category_options_by_meaning() -> None:
    v = values("""<label>State <select name=s1><option value="">Choose</option><option value="43">Texas</option>
        <option value="44">Utah</option></select></label>
      <label>State <select name=s2><option value="">-</option><option>TX - Texas</option></select></label>
      <label>Pays <select name=c1><option value="">—</option><option value="DE">Allemagne</option>
        <option value="840">États-Unis</option></select></label>
      <label>Category <select name=cat><option value="">Choose one</option><option value="r">Restaurants &amp; Food
        </option><option value="b">Bakeries &amp; Desserts</option><option value="o">Other</option></select></label>
      <label>Branche <select name=cat2><option value="1">Autohandel</option><option value="2">Sonstige</option>
        </select></label>""")
    assert v == {"s1": "43", "s2": "TX - Texas", "c1": "840", "cat": "b", "cat2": "2"}


def test_radios_and_checkboxes() -> None:
    v = values("""<p>Country</p><label><input type=radio name=co value=ca> Canada</label>
      <label><input type=radio name=co value=usa> USA</label>
      <p>Category</p><label><input type=radio name=k value=1> Restaurant / Bar</label>
      <label><input type=radio name=k value=2> Bakery / Café</label>
      <label><input type=checkbox name=terms> I accept the terms</label>
      <label><input type=checkbox name=news value=y> Send me news and offers</label>""")
    assert v == {"co": "usa", "k": "2", "terms": "on", "news": None}


def test_fields_left_alone() -> None:
    v = values("""<div style="display:none"><input name=url2></div><label>Password <input type=password name=p>
      </label><label>Type the characters you see <input name=cap></label><input type=hidden name=tok value=1>
      <label>Comments <textarea name=msg></textarea></label><input type=submit name=go value=Go>""")
    assert v == {"url2": None, "p": None, "cap": None, "tok": None, "msg": None, "go": None}


def test_texts_are_cut_at_a_word_boundary_within_the_limit() -> None:
    v = values("<label>Description <textarea name=d maxlength=60></textarea></label>")
    assert v["d"] == "Bluebird Bakery & Café is a neighbourhood bakery on South"
    assert len(v["d"] or "") <= 60
    assert fit_text("one two, three", 9) == "one two"
    m = FieldMapping(key="description", maxlength=30)  # a limit the runner learnt from the site's message
    assert value_for_field(m, FormField(tag="textarea", type="textarea", name="d"), P) == \
        "Bluebird Bakery & Café is a"


def test_street_parts_state_code_url_scheme_and_confirmations() -> None:
    assert street_parts("1402 South Congress Ave") == ("1402", "South Congress Ave")
    assert street_parts("Hauptstraße 5a") == ("5a", "Hauptstraße")
    profile = P.model_copy(update={"state": "Texas", "website": "bluebird.example"})
    v = values("""<label>State (2 letters) <input name=st maxlength=2></label><label>Website <input name=w></label>
      <label>Email <input name=e type=email></label><label>Confirm email <input name=e2 type=email></label>""",
               profile)
    assert v == {"st": "TX", "w": "https://bluebird.example", "e": P.email, "e2": P.email}


def test_no_value_when_the_profile_has_none_or_no_option_fits() -> None:
    bare = BusinessProfile(business_name="Solo")
    v = values("<label>Phone <input name=p></label><label>State <select name=s><option value=''>-</option>"
               "<option value=ON>Ontario</option></select></label>", bare)
    assert v == {"p": None, "s": None}
    assert choose_option([FieldOption(value="", text="Select"), FieldOption(value="0", text="Select one")],
                         "state", P) is None


@pytest.mark.parametrize("with_profile", [False, True])
def test_the_option_is_the_same_chosen_early_or_late(with_profile: bool) -> None:
    html = """<label>Category <select name=c><option value=a>Auto Repair</option><option value=b>Bakeries</option>
      </select></label><p>Country</p><label><input type=radio name=r value=x> Mexico</label>
      <label><input type=radio name=r value=y> United States</label>"""
    assert values(html, with_profile=with_profile) == {"c": "b", "r": "y"}
