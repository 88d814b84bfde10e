"""The mapper's heuristics and structure: synonyms in several languages, splits, traps, strategies."""

from __future__ import annotations

import pytest

from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.model import FormMapping
from dirbolt_core.models import Directory


def mapped(html: str, directory: Directory | None = None, brain: FormBrain | None = None) -> FormMapping:
    forms = extract_forms_from_html(f"<html><body>{html}</body></html>")
    return (brain or FormBrain()).map_form(forms[0], directory)


def keys(html: str, **kw: object) -> dict[str, str]:
    return {m.name: m.key for m in mapped(html, **kw).fields if m.name}  # type: ignore[arg-type]


@pytest.mark.parametrize(("label", "key"), [
    ("Business name", "business_name"), ("Firmenname", "business_name"), ("Nom de l'entreprise", "business_name"),
    ("Nombre de la empresa", "business_name"), ("Nazwa firmy", "business_name"), ("Ragione sociale", "business_name"),
    ("Website", "website"), ("Internetadresse", "website"), ("Sitio web", "website"), ("Strona www", "website"),
    ("E-mail address", "email"), ("Correo electrónico", "email"), ("Adresse e-mail", "email"),
    ("Telephone", "phone"), ("Telefonnummer", "phone"), ("Teléfono", "phone"), ("Numer telefonu", "phone"),
    ("Fax", "fax"), ("Street address", "address_line1"), ("Straße und Hausnummer", "address_line1"),
    ("Dirección", "address_line1"), ("Apartment, suite", "address_line2"), ("City", "city"), ("Ort", "city"),
    ("Ville", "city"), ("Miejscowość", "city"), ("State / Province", "state"), ("Bundesland", "state"),
    ("ZIP code", "postal_code"), ("Postleitzahl", "postal_code"), ("Code postal", "postal_code"),
    ("Kod pocztowy", "postal_code"), ("Country", "country"), ("Pays", "country"), ("Land", "country"),
    ("Describe your business", "description"), ("Beschreibung", "description"), ("Category", "category"),
    ("Branche", "category"), ("Keywords", "keywords"), ("Opening hours", "hours"), ("Year established", "year_founded"),
    ("First name", "contact_first_name"), ("Vorname", "contact_first_name"), ("Prénom", "contact_first_name"),
    ("Last name", "contact_last_name"), ("Nachname", "contact_last_name"), ("Nazwisko", "contact_last_name"),
    ("Full name", "contact_name"), ("Imię i nazwisko", "contact_name"), ("Job title", "contact_title"),
    ("Facebook page", "facebook_url"), ("Search this site", "unknown"), ("Date of birth", "unknown"),
    ("Coupon code", "unknown"), ("Middle name", "unknown"), ("VAT number", "unknown"),
])
def test_labels_in_several_languages(label: str, key: str) -> None:
    assert keys(f"<form><label for='f'>{label}</label><input id='f' name='f_01'></form>")["f_01"] == key


@pytest.mark.parametrize(("name", "key"), [
    ("businessName", "business_name"), ("biz[site]", "website"), ("contact.email", "email"),
    ("ctl00$Main$txtPhone", "phone"), ("zip_code", "postal_code"), ("nazwa-firmy", "business_name"),
    ("ulica", "address_line1"), ("miasto", "city"), ("codigoPostal", "postal_code"), ("fname", "contact_first_name"),
])
def test_name_attributes_of_every_convention(name: str, key: str) -> None:
    assert keys(f"<form><input name='{name}'></form>")[name] == key


def test_autocomplete_and_input_types() -> None:
    k = keys("""<form><input name="a1" autocomplete="organization"><input name="a2" type="email">
      <input name="a3" type="tel"><input name="a4" type="url"><input name="a5" autocomplete="address-level2">
      <input type="submit" name="go" value="Send"></form>""")
    assert k == {"a1": "business_name", "a2": "email", "a3": "phone", "a4": "website", "a5": "city", "go": "submit"}


def test_honeypots_by_visibility_words_and_tabindex() -> None:
    k = keys("""<form><label>Company <input name="c"></label>
      <div style="position:absolute;left:-5000px"><input name="url2"></div>
      <label>Leave this field blank <input name="second-name"></label>
      <input name="website" tabindex="-1" autocomplete="off">
      <div class="honeypot-field"><input name="email_2"></div>
      <input name="b_f3a1" placeholder="If you are human, leave this empty"></form>""")
    assert k["c"] == "business_name"
    assert {k[n] for n in ("url2", "second-name", "website", "email_2", "b_f3a1")} == {"honeypot"}


def test_split_phone_and_names_and_street() -> None:
    m = mapped("""<form><input name="first_name" placeholder="First name"><input name="last_name" placeholder="Last">
      Phone (<input name="ph1" maxlength="3">) <input name="ph2" maxlength="3">-<input name="ph3" maxlength="4">
      <label for="n">Street number</label><input id="n" name="houseno">
      <label for="s">Street name</label><input id="s" name="street"></form>""")
    by = {f.name: f for f in m.fields}
    assert (by["first_name"].key, by["last_name"].key) == ("contact_first_name", "contact_last_name")
    assert [(by[n].key, by[n].part, by[n].parts) for n in ("ph1", "ph2", "ph3")] == [
        ("phone", 0, 3), ("phone", 1, 3), ("phone", 2, 3)]
    assert (by["houseno"].key, by["houseno"].part, by["street"].part, by["street"].parts) == ("address_line1", 0, 1, 2)


def test_a_bare_name_is_settled_by_its_neighbours() -> None:
    assert keys("<form><label for=a>Name</label><input id=a name=a><label for=b>Surname</label>"
                "<input id=b name=b></form>")["a"] == "contact_first_name"
    assert keys("<form><label for=a>Prénom</label><input id=a name=a><label for=b>Votre nom</label>"
                "<input id=b name=b></form>")["b"] == "contact_last_name"
    assert keys("<form><label for=a>Your name</label><input id=a name=a><input name=email></form>")["a"] \
        == "contact_name"
    assert keys("<form><fieldset><legend>Business</legend><label for=a>Name</label><input id=a name=a>"
                "</fieldset></form>")["a"] == "business_name"
    assert keys("<form><label for=a>Property name</label><input id=a name=a></form>")["a"] == "unknown"


def test_consent_boxes_terms_newsletter_and_confirmations() -> None:
    k = keys("""<form><label><input type=checkbox name=t> I accept the Terms and Conditions</label>
      <label><input type=checkbox name=n> Send me the monthly newsletter</label>
      <label><input type=checkbox name=r> Remember me</label>
      <label><input type=checkbox name=both> J'accepte les CGU et de recevoir la newsletter</label>
      <input name=email type=email><label for=e2>Confirm e-mail</label><input id=e2 name=e2 type=email>
      <input name=pw type=password><input name=pw2 type=password></form>""")
    assert (k["t"], k["n"], k["r"], k["both"]) == ("terms_checkbox", "newsletter_checkbox", "unknown",
                                                    "terms_checkbox")
    assert (k["email"], k["e2"], k["pw"], k["pw2"]) == ("email", "email_confirm", "password", "password_confirm")


def test_radio_groups_share_one_meaning_with_their_choices() -> None:
    m = mapped("""<form><p>Country:</p><label><input type=radio name=r1 value=us> United States</label>
      <label><input type=radio name=r1 value=ca> Canada</label>
      <p>Plan</p><label><input type=radio name=plan value=free checked> Free</label>
      <label><input type=radio name=plan value=pro> Pro</label></form>""")
    by = [(f.name, f.key) for f in m.fields]
    assert by == [("r1", "country"), ("r1", "country"), ("plan", "unknown"), ("plan", "unknown")]
    assert [c.value for c in m.fields[0].choices or []] == ["us", "ca"]


def test_every_decision_says_its_strategy_and_known_selectors_come_first() -> None:
    html = "<form><input id='q1' name='q1'><label for=e>Email</label><input id=e name=e></form>"
    plain = mapped(html)
    assert [(f.key, f.strategy) for f in plain.fields] == [("unknown", "heuristic"), ("email", "heuristic")]
    directory = Directory(id="d1", name="D", url="http://x.test/", submission_url="http://x.test/s",
                          selectors={"business_name": "#q1", "email": "input[name=e]"})
    known = mapped(html, directory=directory)
    assert [(f.key, f.strategy, f.confidence) for f in known.fields] == [
        ("business_name", "known_selector", 0.99), ("email", "known_selector", 0.99)]


def test_choose_form_picks_the_listing_form_not_the_search_or_login() -> None:
    html = """<html><body><form action="/search"><input name="q" placeholder="Search"></form>
      <form><input name="user"><input type="password" name="pw"></form>
      <form><h2>Add your business</h2><label>Business name <input name="n"></label>
      <label>Phone <input name="p"></label><label>Email <input name="e"></label></form></body></html>"""
    chosen = FormBrain().choose_form(extract_forms_from_html(html))
    assert chosen is not None and chosen.form_index == 2 and chosen.is_listing_form
    login = FormBrain().map_form(extract_forms_from_html(html)[1])
    assert not login.is_listing_form
