"""Markup fragments and value rules several sites share (each site still has its own page).

The value rules are the formatting rules sites enforce; `expected_fields` of every site is
written with them so that what "correct" means is stated once:

* free-text fields get the profile's text verbatim (`val`);
* a phone field that declares a format (pattern, placeholder, hint) gets that format:
  `phone_digits` "5125550142", `phone_dashed` "512-555-0142", `phone_parts` ("512", "555", "0142");
* a single street field holds address_line1 only; a street number + street name pair is
  `street_parts` ("1402", "South Congress Ave");
* selects and radios get the value of the option that means the profile's value (state code
  or name, country, category wording);
* a text longer than a field's limit is cut by `fit_text`: the longest prefix within the
  limit that ends at a word boundary, trailing spaces and , ; : - stripped;
* a terms checkbox is ticked (its value attribute is posted, "on" without one), a newsletter
  checkbox is left (not posted), a honeypot is posted empty.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dirbolt_core.models import BusinessProfile

US_STATES: list[tuple[str, str]] = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("FL", "Florida"), ("GA", "Georgia"),
    ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"),
    ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"),
    ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"),
    ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"), ("NC", "North Carolina"),
    ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"),
    ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"), ("DC", "District of Columbia"),
]
_STATE_BY_CODE = dict(US_STATES)
_STATE_BY_NAME = {name.lower(): code for code, name in US_STATES}


def state_options(*, by: str = "code", label: str = "name", placeholder: str = "Select a state") -> str:
    """<option>s of the US states.

    by: the option value: "code" (TX), "name" (Texas) or "index" (an opaque number, 1-based
    position in US_STATES). label: the option text: "name", "code" or "code-name" ("TX - Texas").
    """
    rows = [f"<option value=''>{placeholder}</option>"]
    for i, (code, name) in enumerate(US_STATES, start=1):
        value = {"code": code, "name": name, "index": str(i)}[by]
        text = {"name": name, "code": code, "code-name": f"{code} - {name}"}[label]
        rows.append(f"<option value='{value}'>{text}</option>")
    return "".join(rows)


def options(pairs: list[tuple[str, str]], placeholder: str | None = "Choose one") -> str:
    rows = [f"<option value=''>{placeholder}</option>"] if placeholder is not None else []
    rows += [f"<option value='{v}'>{html.escape(t)}</option>" for v, t in pairs]
    return "".join(rows)


def optgroups(groups: list[tuple[str, list[tuple[str, str]]]], placeholder: str = "Choose a category") -> str:
    rows = [f"<option value=''>{placeholder}</option>"]
    for label, pairs in groups:
        rows.append(f"<optgroup label='{html.escape(label)}'>{options(pairs, None)}</optgroup>")
    return "".join(rows)


def radios(name: str, pairs: list[tuple[str, str]], *, checked: str | None = None, required: bool = False,
           wrap: str = "label") -> str:
    """A radio group, each choice wrapped in its own label."""
    req = " required" if required else ""
    return "".join(
        f"<{wrap}><input type='radio' name='{name}' value='{v}'{' checked' if v == checked else ''}{req}> "
        f"{html.escape(t)}</{wrap}>"
        for v, t in pairs
    )


CATEGORIES = [
    ("restaurants", "Restaurants & Food"),
    ("bakery", "Bakeries & Desserts"),
    ("retail", "Retail & Shopping"),
    ("health", "Health & Medical"),
    ("home", "Home Services"),
    ("legal", "Legal & Financial"),
    ("auto", "Automotive"),
    ("tech", "Computers & Technology"),
    ("other", "Other"),
]

# CATEGORIES' option values by canonical category (see canonical_category).
CATEGORY_VALUES = {"restaurant": "restaurants", "cafe": "restaurants", "bakery": "bakery", "retail": "retail",
                   "health": "health", "home": "home", "legal": "legal", "auto": "auto", "tech": "tech",
                   "other": "other"}

# Canonical categories and the words that mean them (the profile says "Bakery", a site says
# "Bakeries & Desserts", "Bäckereien", "Piekarnie"...).
_CATEGORY_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("bakery", ("bakery", "bakeries", "baker", "pastry", "patisserie", "cake", "dessert")),
    ("cafe", ("cafe", "café", "coffee")),
    ("restaurant", ("restaurant", "dining", "diner", "food", "eatery")),
    ("retail", ("retail", "shop", "store", "boutique")),
    ("health", ("health", "medical", "dentist", "doctor", "clinic")),
    ("home", ("plumb", "contractor", "home", "cleaning", "roofing")),
    ("legal", ("law", "legal", "attorney", "accountant", "finance")),
    ("auto", ("auto", "car", "mechanic", "garage")),
    ("tech", ("software", "computer", "technology", "web design")),
]


def canonical_category(text: str | None) -> str:
    """'Bakery' -> 'bakery'; unknown wording -> 'other'."""
    low = (text or "").lower()
    for slug, words in _CATEGORY_WORDS:
        if any(w in low for w in words):
            return slug
    return "other"


def category_value(profile: BusinessProfile, table: dict[str, str]) -> str:
    """A site's option value for the profile's category: table maps canonical slug -> value, 'other' last."""
    slug = canonical_category(profile.category)
    return table.get(slug) or table.get("other", "")


# Country names as sites in several languages write them; key: ISO 3166 alpha-2.
COUNTRIES: dict[str, dict[str, str]] = {
    "US": {"en": "United States", "de": "Vereinigte Staaten", "fr": "États-Unis", "es": "Estados Unidos",
           "pl": "Stany Zjednoczone", "alpha3": "USA", "numeric": "840"},
    "CA": {"en": "Canada", "de": "Kanada", "fr": "Canada", "es": "Canadá", "pl": "Kanada", "alpha3": "CAN",
           "numeric": "124"},
    "MX": {"en": "Mexico", "de": "Mexiko", "fr": "Mexique", "es": "México", "pl": "Meksyk", "alpha3": "MEX",
           "numeric": "484"},
    "GB": {"en": "United Kingdom", "de": "Vereinigtes Königreich", "fr": "Royaume-Uni", "es": "Reino Unido",
           "pl": "Wielka Brytania", "alpha3": "GBR", "numeric": "826"},
    "DE": {"en": "Germany", "de": "Deutschland", "fr": "Allemagne", "es": "Alemania", "pl": "Niemcy",
           "alpha3": "DEU", "numeric": "276"},
    "AT": {"en": "Austria", "de": "Österreich", "fr": "Autriche", "es": "Austria", "pl": "Austria",
           "alpha3": "AUT", "numeric": "040"},
    "FR": {"en": "France", "de": "Frankreich", "fr": "France", "es": "Francia", "pl": "Francja", "alpha3": "FRA",
           "numeric": "250"},
    "ES": {"en": "Spain", "de": "Spanien", "fr": "Espagne", "es": "España", "pl": "Hiszpania", "alpha3": "ESP",
           "numeric": "724"},
    "PL": {"en": "Poland", "de": "Polen", "fr": "Pologne", "es": "Polonia", "pl": "Polska", "alpha3": "POL",
           "numeric": "616"},
}


def country_options(lang: str, *, value: str = "code", placeholder: str = "—", only: list[str] | None = None) -> str:
    """<option>s of COUNTRIES named in `lang`; value: code (US), lower (us), alpha3 (USA) or numeric (840)."""
    rows = [f"<option value=''>{placeholder}</option>"]
    for code in only or list(COUNTRIES):
        names = COUNTRIES[code]
        v = {"code": code, "lower": code.lower(), "alpha3": names["alpha3"], "numeric": names["numeric"]}[value]
        rows.append(f"<option value='{v}'>{html.escape(names[lang])}</option>")
    return "".join(rows)


def country_value(profile: BusinessProfile, value: str = "code") -> str:
    code = (profile.country or "US").strip().upper()
    if code not in COUNTRIES:
        for c, names in COUNTRIES.items():
            if code.lower() in (n.lower() for n in names.values()):
                code = c
                break
    names = COUNTRIES.get(code)
    if names is None:
        return ""
    return {"code": code, "lower": code.lower(), "alpha3": names["alpha3"], "numeric": names["numeric"]}[value]


# ---- profile values, formatted the way a site wants them
def val(profile: BusinessProfile, key: str) -> str:
    """The profile's text for a canonical key ('' when it has none)."""
    return profile.value_for(key) or ""


def phone_digits(profile: BusinessProfile) -> str:
    digits = re.sub(r"\D", "", profile.phone or "")
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def phone_parts(profile: BusinessProfile) -> tuple[str, str, str]:
    d = phone_digits(profile)
    return d[:3], d[3:6], d[6:]


def phone_dashed(profile: BusinessProfile) -> str:
    return "-".join(phone_parts(profile))


def state_code(profile: BusinessProfile) -> str:
    s = (profile.state or "").strip()
    return s.upper() if s.upper() in _STATE_BY_CODE else _STATE_BY_NAME.get(s.lower(), s)


def state_name(profile: BusinessProfile) -> str:
    return _STATE_BY_CODE.get(state_code(profile), profile.state or "")


def state_index(profile: BusinessProfile) -> str:
    codes = [c for c, _ in US_STATES]
    code = state_code(profile)
    return str(codes.index(code) + 1) if code in codes else ""


def street_parts(profile: BusinessProfile) -> tuple[str, str]:
    """'1402 South Congress Ave' -> ('1402', 'South Congress Ave'); no leading number -> ('', line)."""
    line = (profile.address_line1 or "").strip()
    m = re.match(r"^(\d+[A-Za-z]?)\s+(.*)$", line)
    return (m.group(1), m.group(2)) if m else ("", line)


def fit_text(text: str, limit: int) -> str:
    """The longest prefix within `limit` that ends at a word boundary, trailing ' ,;:-' stripped.

    Written here on purpose rather than imported from the brain: the sandbox is the oracle
    the runner is tested against, and an oracle that shares the code under test cannot catch
    its bugs.
    """
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not text[limit].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if space > 0:
            cut = cut[:space]
    return cut.rstrip(" \t\n,;:-")


def description(profile: BusinessProfile, limit: int | None = None) -> str:
    text = profile.description or ""
    return fit_text(text, limit) if limit else text


# ---- widgets
def recaptcha_widget(sitekey: str, *, theme: str = "light") -> str:
    """A reCAPTCHA-like checkbox widget: ticking it only opens an image challenge a person must solve."""
    return f"""
<div class="g-recaptcha" data-sitekey="{sitekey}" data-theme="{theme}">
  <div class="rc-anchor" role="presentation">
    <span class="rc-box" role="checkbox" aria-checked="false" tabindex="0" id="rc-anchor">&#9744;</span>
    <span class="rc-label">I'm not a robot</span><span class="rc-brand">reCAPTCHA</span>
  </div>
  <div class="rc-challenge" hidden>
    <p>Select all images with <strong>traffic lights</strong></p>
    <div class="rc-grid">{''.join('<img alt="" width="40" height="40">' for _ in range(9))}</div>
  </div>
  <textarea name="g-recaptcha-response" id="g-recaptcha-response" style="display:none"></textarea>
</div>
<script>
document.getElementById('rc-anchor').addEventListener('click', () => {{
  document.querySelector('.rc-challenge').hidden = false;
}});
</script>"""


def hcaptcha_widget(sitekey: str) -> str:
    return f"""
<div class="h-captcha" data-sitekey="{sitekey}">
  <iframe title="hCaptcha security challenge" srcdoc="<p style='font:13px sans-serif'>&#9744; I am human
   &mdash; select every picture of a bus to continue</p>" width="300" height="80"></iframe>
  <textarea name="h-captcha-response" style="display:none"></textarea>
</div>"""


# ---- server-side messages in the sites' languages (keys as base.EN_MESSAGES)
DE_MESSAGES = {
    "required": "{label} ist ein Pflichtfeld",
    "email": "{label}: bitte geben Sie eine gültige E-Mail-Adresse an",
    "url": "{label}: bitte eine vollständige Adresse mit http:// oder https:// angeben",
    "phone": "{label}: ungültige Telefonnummer",
    "max": "{label} darf höchstens {limit} Zeichen lang sein",
    "terms": "Bitte akzeptieren Sie die {label}",
}
FR_MESSAGES = {
    "required": "Le champ « {label} » est obligatoire",
    "email": "Le champ « {label} » doit contenir une adresse e-mail valide",
    "url": "Le champ « {label} » doit commencer par http:// ou https://",
    "phone": "Le numéro de téléphone « {label} » n'est pas valide",
    "max": "Le champ « {label} » ne doit pas dépasser {limit} caractères",
    "terms": "Vous devez accepter les {label}",
}
ES_MESSAGES = {
    "required": "El campo «{label}» es obligatorio",
    "email": "El campo «{label}» no es un correo electrónico válido",
    "url": "El campo «{label}» debe empezar por http:// o https://",
    "phone": "El campo «{label}» no es un teléfono válido",
    "max": "El campo «{label}» admite como máximo {limit} caracteres",
    "terms": "Debes aceptar {label}",
}
PL_MESSAGES = {
    "required": "Pole „{label}” jest wymagane",
    "email": "Pole „{label}” musi zawierać poprawny adres e-mail",
    "url": "Pole „{label}” musi zaczynać się od http:// lub https://",
    "phone": "Pole „{label}” musi zawierać poprawny numer telefonu",
    "max": "Pole „{label}” może mieć najwyżej {limit} znaków",
    "terms": "Musisz zaakceptować {label}",
}
