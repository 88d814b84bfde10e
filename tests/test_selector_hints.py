"""Candidate selectors from an imported catalog (the legacy formMapping): used where they fit the live
form, never trusted blindly."""

from __future__ import annotations

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.models import Directory

FORM = """<html><body><form action="/go" method="post">
 <label for="a">Field A</label><input id="a" name="f_01">
 <label for="b">Email</label><input id="b" name="email" type="email">
 <label>Web <input name="site" class="url"></label><label>Web 2 <input name="site2" class="url"></label>
 <input name="hp_extra" style="display:none" tabindex="-1" autocomplete="off">
 <label for="c">Company phone</label><input id="c" name="telephone" type="tel">
 <label for="d">Town</label><input id="d" name="town">
 <label for="e">Code</label><input id="e" name="q7">
 <button type="submit">Send</button>
</form></body></html>"""


def _mapped(hints: dict[str, list[str]]) -> dict[str, tuple[str, float, str]]:
    [form] = extract_forms_from_html(FORM)
    directory = Directory(id="d", name="D", url="https://d.example/", submission_url="https://d.example/add",
                          selector_hints=hints)
    mapping = FormBrain().map_form(form, directory)
    return {f.name: (m.key, m.confidence, m.strategy) for f, m in zip(form.fields, mapping.fields, strict=True)
            if f.name}


def test_hints_decide_only_fields_they_name_alone_and_that_can_hold_the_key():
    plain = _mapped({})
    assert plain["f_01"][0] == "unknown" and plain["telephone"][0] == "phone"
    hinted = _mapped({
        "business_name": ["#a", "input[name=f_01]"],  # one field, the heuristics unsure: used
        "phone": ["#b"],  # an e-mail box cannot hold a phone: ignored
        "website": [".url"],  # names two fields: ambiguous, ignored
        "description": ["[name=hp_extra]"],  # a hidden box (a honeypot's way): ignored
        "contact_name": ["#c"],  # the form says "Company phone", clearly: the heuristics stand
        "city": ["#d"],  # agrees with the heuristics: their confidence rises
        "postal_code": ["#gone"],  # names nothing (the form changed): ignored
    })
    assert hinted["f_01"] == ("business_name", 0.85, "catalog_hint")
    assert hinted["email"][0] == "email"
    assert hinted["site"] == plain["site"] and hinted["site2"] == plain["site2"]
    assert hinted["hp_extra"][0] != "description"
    assert hinted["telephone"] == plain["telephone"]
    assert hinted["town"][0] == "city" and hinted["town"][1] >= max(plain["town"][1], 0.9)
    assert hinted["q7"] == plain["q7"]
    # A key the vocabulary does not know, or a control key, is never applied.
    assert _mapped({"favourite_colour": ["#e"], "honeypot": ["#e"]})["q7"] == plain["q7"]
