"""Evidence beyond a field's words: what a select lists, the image before a box, a form's only
buttons, a hidden box introduced by its text, an autocomplete token the page's words overrule.

Each case is written here from the kind of page, not copied from a corpus page."""

from __future__ import annotations

from dirbolt_core.brain.evaluation import _by_name
from dirbolt_core.brain.extract import extract_forms_from_html
from dirbolt_core.brain.mapper import FormBrain
from dirbolt_core.brain.places import list_kind
from dirbolt_core.geo import CA_PROVINCES, US_STATES


def keys(html: str) -> dict[str, str]:
    form = extract_forms_from_html(f"<html><body>{html}</body></html>")[0]
    return {m.name: m.key for m in FormBrain().map_form(form).fields if m.name}


COUNTRY_NAMES = ["Argentina", "Australia", "Austria", "Belgium", "Brazil", "Canada", "China", "France",
                 "Germany", "India", "Ireland", "Japan", "Mexico", "New Zealand", "South Africa", "Switzerland",
                 "United Kingdom", "United States", "Uruguay", "Vietnam"]


def _select(name: str, label: str, entries: list[str]) -> str:
    options = "".join(f"<option value='{e}'>{e}</option>" for e in entries)
    return f"<label for='{name}'>{label}</label><select id='{name}' name='{name}'>{options}</select>"


def test_list_kind_reads_names_not_codes() -> None:
    assert list_kind(list(US_STATES.values())) == "state"
    assert list_kind(list(CA_PROVINCES.values()) + list(US_STATES.values())) == "state"
    assert list_kind(COUNTRY_NAMES) == "country"
    # Two-letter codes are shared by states and countries (CA, DE, IN): they decide nothing.
    assert list_kind(list(US_STATES)) is None
    assert list_kind(["Red", "Green", "Blue", "Black", "White", "Grey", "Pink", "Brown"]) is None
    assert list_kind(COUNTRY_NAMES[:5]) is None  # too short to tell


def test_a_list_of_countries_is_a_country_field_whatever_its_label() -> None:
    # The label copied from the state field next to it; the options say what the field is.
    html = "<form>" + _select("loc1", "State", COUNTRY_NAMES) + _select("loc2", "Region", list(US_STATES.values())) \
        + "<button>Send</button></form>"
    got = keys(html)
    assert got["loc1"] == "country"
    assert got["loc2"] == "state"


def test_a_calling_code_list_stays_a_phone_field() -> None:
    html = "<form>" + _select("dial", "Phone prefix", COUNTRY_NAMES) + \
        "<label for='n'>Phone</label><input id='n' name='n'><button>Send</button></form>"
    assert keys(html)["dial"] == "phone"


def test_the_box_under_a_captcha_image_is_the_captcha() -> None:
    html = """<form><table>
      <tr><td>Name</td><td><input name="person"></td></tr>
      <tr><td><img src="/img/captcha/5f3a.png"></td><td><input name="chk"></td></tr>
      <tr><td>Type the characters<br><img src="render/?sid=91c2"></td><td><input name="zz"></td></tr>
      <tr><td><img src="/static/logo.png"></td><td><input name="qq"></td></tr>
    </table><input type="submit" value="Go"></form>"""
    got = keys(html)
    assert got["chk"] == "captcha"  # the image's path names it
    assert got["zz"] == "captcha"  # nothing names the box; the image is drawn per visit
    assert got["qq"] == "unknown"  # a static picture says nothing
    assert got["person"] != "captcha"


def test_a_form_without_a_submit_control_is_sent_by_its_buttons() -> None:
    scripted = keys("""<form><label for='a'>Amount</label><input id='a' name='amount'>
      <input type='button' name='go' value='Convert' onclick='send()'></form>""")
    assert scripted["go"] == "submit"
    with_submit = keys("""<form><label for='a'>Amount</label><input id='a' name='amount'>
      <input type='button' name='clear' value='Clear' onclick='reset()'>
      <input type='submit' name='s' value='OK'></form>""")
    assert with_submit["clear"] == "unknown"
    assert with_submit["s"] == "submit"


def test_a_hidden_box_introduced_by_its_own_words_keeps_its_meaning() -> None:
    html = """<form><div>Phone number</div><input name="office_phone" style="display:none">
      <div>E-mail</div><input name="email">
      <input name="website" style="display:none">
      <div>Leave blank</div><input name="url2" style="display:none">
      <input type="submit"></form>"""
    got = keys(html)
    assert got["office_phone"] == "phone"  # a script shows it later (text and name agree)
    assert got["website"] == "honeypot"  # a copied name and no words of its own: the trap
    assert got["url2"] == "honeypot"


def test_an_autocomplete_token_loses_to_label_name_and_id_agreeing() -> None:
    got = keys("""<form><label for='stateBox'>State / Province</label>
      <input id='stateBox' name='txtState' autocomplete='address-level2'>
      <label for='c'>Town</label><input id='c' name='town' autocomplete='address-level2'>
      <label for='z'>Code</label><input id='z' name='pc' autocomplete='postal-code'><input type='submit'></form>""")
    assert got["txtState"] == "state"
    assert got["town"] == "city"
    assert got["pc"] == "postal_code"  # the token decides where the page's words are weak
    sign_in = keys("""<form><label for='login-email'>Email</label>
      <input id='login-email' name='email' type='email' autocomplete='username'>
      <label for='pw'>Password</label><input id='pw' name='pw' type='password'><button>Sign in</button></form>""")
    assert sign_in["email"] == "username"  # the standard's advice for sign-in forms, kept


def test_scoring_takes_the_visible_control_of_a_shared_name() -> None:
    form = extract_forms_from_html("""<html><body><form><input type='hidden' name='search' value='1'>
      <input name='q'><input type='image' name='search' alt='Search' src='go.png'></form></body></html>""")[0]
    mapping = FormBrain().map_form(form)
    field, m = _by_name(form, mapping)["search"]
    assert field.type == "image" and m.key == "submit"
