"""The exact value to type, the option to select, the box to tick: profile -> field.

`value_for_field(mapping, field, profile)` is what the runner calls for every field:

* text boxes and textareas: the text to type (formatted: phone parts and declared phone
  formats, street number/name, URL scheme, state code, cut to maxlength at a word boundary);
* selects: the value of the option that means the profile's value (state code or name,
  country in any language or code, category by meaning: "Bakeries & Desserts" for "Bakery");
* radios: this radio's value when it is the one to choose, else None;
* checkboxes: the box's value ("on" without one) when it must be ticked (terms, a category
  box that means the profile's category), else None;
* None whenever the field must be left alone: honeypots, captchas, unknown fields, passwords,
  newsletter boxes, hidden inputs, or when the profile has no value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dirbolt_core.brain.model import FieldMapping, FieldOption, FormField
from dirbolt_core.brain.places import (
    calling_code,
    category_families,
    country_code,
    country_forms,
    fold,
    is_other_option,
    state_forms,
)
from dirbolt_core.models import BusinessProfile
from dirbolt_core.vocabulary import PROFILE_KEYS

_URL_KEYS = frozenset({"website", "facebook_url", "twitter_url", "linkedin_url", "instagram_url", "logo"})
_OPTION_KEYS = frozenset({"state", "country", "category", "year_founded", "city", "phone", "postal_code",
                          "contact_title", "hours"})
_NO_CUT = frozenset({"email", "email_confirm", "phone", "fax", *_URL_KEYS})
_PLACEHOLDER_OPTION = re.compile(r"^\W*(select|choose|please|pick|--|—|–|bitte|choisir|sélectionner|"
                                 r"seleccion|elija|wybierz|scegli|kies|vælg|válasszon|выберите|any\b|all\b)",
                                 re.IGNORECASE)
# A written phone sample: "555-555-5555", "(xxx) xxx-xxxx", "+1 ### ### ####", "123.456.7890".
_PHONE_SAMPLE = re.compile(r"\+?[\dxX#]{0,3}[\s.-]?\(?[\dxX#]{2,4}\)?[\s./-]?[\dxX#]{3,4}[\s./-]?[\dxX#]{3,5}")
_DIGITS_ONLY = re.compile(r"digits only|numbers only|only (digits|numbers)|without (spaces|dashes)|no (spaces|"
                          r"dashes)|nur ziffern|ohne leerzeichen|sans espaces|uniquement des chiffres|"
                          r"solo n[uú]meros|tylko cyfry|solo cifre|только цифры", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\s*(\d+[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)[\s,]+(.+)$")
_TRAILING_NUMBER = re.compile(r"^(.+?)[\s,]+(\d+[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)\s*$")


# ------------------------------------------------------------------ public API
def value_for_field(mapping: FieldMapping, field: FormField, profile: BusinessProfile) -> str | None:
    """The exact value for this field from the profile, or None to leave it alone."""
    key = mapping.key
    if field.type in ("hidden", "submit", "button", "reset", "image", "file") or (
            field.tag == "button" and field.widget is None):
        return None
    if not field.visible and field.hidden_scope == "control" and field.type not in ("checkbox", "radio") \
            and field.tag != "select":
        return None  # a box a person cannot see: a honeypot, or a field its script has not shown yet
    if field.type == "checkbox":
        return _checkbox_value(mapping, field, profile)
    if field.type == "radio":
        return _radio_value(mapping, field, profile)
    if key == "email_confirm":
        key = "email"
    elif key not in PROFILE_KEYS:
        return None
    if field.tag == "select" or _listed(field):
        if mapping.option is not None and any(o.value == mapping.option for o in field.options):
            return mapping.option
        option = choose_option(field.options, key, profile, part=mapping.part, fmt=mapping.format)
        return option.value if option is not None else None
    if field.type in _DATE_TYPES:
        return date_value(key, field.type, profile)
    return text_value(key, mapping, field, profile)


_DATE_TYPES = frozenset({"date", "month", "datetime-local", "week"})


def _listed(field: FormField) -> bool:
    """An ARIA combobox or listbox whose options are in the page: a choice, like a select's.
    (One whose list appears only once opened gets the profile's text: the runner types it and
    picks the best match.)"""
    return field.widget in ("combobox", "listbox") and bool(field.options)


def date_value(key: str, input_type: str, profile: BusinessProfile) -> str | None:
    """A native date input takes an ISO value: only the year founded fits (1 January of it)."""
    if key != "year_founded":
        return None
    match = re.search(r"\d{4}", str(profile.value_for(key) or ""))
    if not match:
        return None
    year = match.group(0)
    return {"date": f"{year}-01-01", "month": f"{year}-01", "week": f"{year}-W01",
            "datetime-local": f"{year}-01-01T00:00"}[input_type]


def choose_options(fields: Sequence[FormField], mappings: Sequence[FieldMapping], profile: BusinessProfile) -> None:
    """Set `mapping.option` for selects, radio groups and category checkbox groups."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (field, m) in enumerate(zip(fields, mappings, strict=True)):
        if (field.tag == "select" or _listed(field)) and m.key in _OPTION_KEYS:
            option = choose_option(field.options, m.key, profile, part=m.part, fmt=m.format)
            m.option = option.value if option is not None else None
        elif field.type in ("radio", "checkbox") and m.key in _OPTION_KEYS and field.name:
            groups.setdefault((field.type, field.name), []).append(i)
    for (_, _), members in groups.items():
        key = mappings[members[0]].key
        options = [FieldOption(value=fields[i].value or "on", text=fields[i].label or fields[i].text_after)
                   for i in members]
        option = choose_option(options, key, profile)
        for i in members:
            mappings[i].option = option.value if option is not None else None


def choose_option(options: Sequence[FieldOption], key: str, profile: BusinessProfile, *,
                  part: int | None = None, fmt: str | None = None) -> FieldOption | None:
    """The option that means the profile's value for `key`; None when none does."""
    real = [o for o in options if _is_real_option(o)]
    if not real:
        return None
    if key == "category":
        return _best_category(real, profile)
    wanted = _wanted_forms(key, profile, part=part, fmt=fmt)
    if not wanted:
        return None
    folded = [fold(w) for w in wanted if w]
    best: tuple[int, FieldOption] | None = None
    for o in real:
        score = _option_score(o, folded)
        if score and (best is None or score > best[0]):
            best = (score, o)
    return best[1] if best else None


# ------------------------------------------------------------------ text
def text_value(key: str, mapping: FieldMapping, field: FormField, profile: BusinessProfile) -> str | None:
    if key in ("phone", "fax"):
        return phone_value(getattr(profile, key) or "", mapping, field, profile.country)
    if key == "address_line1" and mapping.parts == 2 and mapping.part is not None:
        number, street = street_parts(profile.address_line1 or "")
        return (number, street)[mapping.part] or None
    value = profile.value_for(key)
    if value is None or value == "":
        return None
    if key in _URL_KEYS:
        return with_scheme(value)
    if key == "state":
        forms = state_forms(value, profile.country)
        if mapping.format == "state:code" or (field.maxlength is not None and field.maxlength <= 3):
            value = forms[0] if forms else value
        elif mapping.format == "state:name" and len(forms) > 1:
            value = forms[1]
    elif key == "country" and field.maxlength is not None and field.maxlength <= 3:
        code = country_code(value)
        if code:
            value = code if field.maxlength == 2 else country_forms(code)[1]
    if key == "postal_code" and field.maxlength and len(value) > field.maxlength:
        value = re.sub(r"\s", "", value)
    limit = min((n for n in (field.maxlength, mapping.maxlength) if n), default=None)
    if limit and key not in _NO_CUT:
        value = fit_text(value, limit)
    return value or None


def fit_text(text: str, limit: int) -> str:
    """The longest prefix within `limit` that ends at a word boundary, trailing ' ,;:-' stripped."""
    if limit <= 0 or len(text) <= limit:
        return text
    cut = text[:limit]
    if not text[limit].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if space > 0:
            cut = cut[:space]
    return cut.rstrip(" \t\n,;:-")


def with_scheme(url: str) -> str:
    url = url.strip()
    return url if re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE) else f"https://{url}"


def street_parts(line: str) -> tuple[str, str]:
    """'1402 South Congress Ave' -> ('1402', 'South Congress Ave'); 'Hauptstraße 5' -> ('5', 'Hauptstraße')."""
    line = line.strip()
    m = _LEADING_NUMBER.match(line)
    if m:
        return m.group(1), m.group(2).strip()
    m = _TRAILING_NUMBER.match(line)
    if m:
        return m.group(2), m.group(1).strip()
    return "", line


# ------------------------------------------------------------------ phone
def national_digits(phone: str, country: str | None = None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    cc = calling_code(country)
    if phone.strip().startswith("+") and digits.startswith(cc):
        return digits[len(cc):]
    if cc == "1" and len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    return digits


def phone_parts(digits: str, parts: int) -> list[str]:
    """Split national digits into `parts` boxes the way forms do: 3-3-4, 3-7, or even pieces."""
    if parts == 3 and len(digits) == 10:
        return [digits[:3], digits[3:6], digits[6:]]
    if parts == 2 and len(digits) == 10:
        return [digits[:3], digits[3:]]
    if parts <= 1:
        return [digits]
    size = -(-len(digits) // parts)
    return [digits[i * size:(i + 1) * size] for i in range(parts)]


def phone_value(phone: str, mapping: FieldMapping, field: FormField, country: str | None) -> str | None:
    if not phone:
        return None
    digits = national_digits(phone, country)
    cc = calling_code(country)
    if mapping.parts and mapping.part is not None:
        if mapping.format == "phone:country-code" and mapping.part == 0:
            return f"+{cc}" if (field.maxlength or 4) >= len(cc) + 1 and "+" in (field.placeholder or "+") else cc
        offset = 1 if mapping.format in ("phone:country-code", "phone:national-part") else 0
        if mapping.parts - offset == 1:  # a country-code box, then the whole national number
            whole = FieldMapping(key=mapping.key, format=None)
            national = phone.strip()
            if national.startswith("+"):
                national = national[1 + len(cc):].strip() if digits != re.sub(r"\D", "", phone) else national
            return phone_value(national, whole, field, country)
        pieces = phone_parts(digits, mapping.parts - offset)
        index = mapping.part - offset
        return pieces[index] if 0 <= index < len(pieces) else None
    for hint in (field.placeholder, field.title, field.label, field.nearby_text):
        if hint and _DIGITS_ONLY.search(hint):
            return digits
    if field.pattern:
        for candidate in _phone_candidates(phone, digits, cc):
            try:
                if re.fullmatch(field.pattern, candidate):
                    return candidate
            except re.error:
                break
    for hint in (field.placeholder, field.title, field.label):
        shaped = _shape_like(hint or "", digits, cc)
        if shaped:
            return shaped
    if mapping.format == "phone:digits" or field.type == "number" or (
            field.maxlength is not None and field.maxlength < len(phone.strip())):
        return digits if not field.maxlength or len(digits) <= field.maxlength else digits[-field.maxlength:]
    return phone.strip()


def _phone_candidates(phone: str, d: str, cc: str) -> list[str]:
    out = [phone.strip(), d]
    if len(d) == 10:
        out += [f"{d[:3]}-{d[3:6]}-{d[6:]}", f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}.{d[3:6]}.{d[6:]}",
                f"{d[:3]} {d[3:6]} {d[6:]}", f"({d[:3]}){d[3:6]}-{d[6:]}", f"+{cc} {d[:3]}-{d[3:6]}-{d[6:]}",
                f"+{cc}{d}", f"+{cc} {d[:3]} {d[3:6]} {d[6:]}", f"{cc}{d}"]
    else:
        out += [f"+{cc}{d}", f"+{cc} {d}"]
    return out


def _shape_like(hint: str, digits: str, cc: str) -> str | None:
    """Write the digits in the shape of a sample the form shows ("(555) 555-5555", "xxx-xxx-xxxx")."""
    m = _PHONE_SAMPLE.search(hint)
    if not m:
        return None
    sample = m.group(0).strip()
    slots = sum(1 for ch in sample if ch.isdigit() or ch in "xX#")
    if sum(1 for ch in sample if ch.isdigit()) == 0 and not re.search(r"[xX#]{3}", sample):
        return None
    feed = digits
    if sample.startswith("+"):
        feed = cc + digits
    if slots != len(feed):
        return None
    out, it = [], iter(feed)
    for ch in sample:
        out.append(next(it) if (ch.isdigit() or ch in "xX#") else ch)
    return "".join(out)


# ------------------------------------------------------------------ options
def _is_real_option(o: FieldOption) -> bool:
    value = o.value.strip()
    if not value:
        return False  # "Choose one" placeholders post nothing
    placeholder_text = bool(_PLACEHOLDER_OPTION.match(o.text or ""))
    return not (placeholder_text and (value.lower() in ("0", "-1", "none", "null", "select", "-") or
                                      value == (o.text or "").strip()))


def _wanted_forms(key: str, profile: BusinessProfile, *, part: int | None, fmt: str | None) -> list[str]:
    if key == "state":
        return state_forms(profile.state, profile.country)
    if key == "country":
        return country_forms(profile.country or "US")
    if key == "phone":  # a country-code select before the number
        cc = calling_code(profile.country)
        code = country_code(profile.country or "US") or ""
        return [f"+{cc}", cc, f"00{cc}", code, *country_forms(profile.country or "US")[3:4]]
    value = profile.value_for(key)
    return [value] if value else []


def _option_score(o: FieldOption, wanted: list[str]) -> int:
    value, text = fold(o.value), fold(o.text)
    if value in wanted or text in wanted:
        return 100
    tokens = set(text.split()) | set(value.split())
    for w in wanted:
        if len(w) >= 2 and (w in tokens or any(t.startswith(w + " ") or t.endswith(" " + w) for t in (text,))):
            return 80  # "TX - Texas", "Texas (TX)", "+1 United States"
    for w in wanted:
        if len(w) >= 4 and (w in text):
            return 50
    return 0


def _best_category(options: Sequence[FieldOption], profile: BusinessProfile) -> FieldOption | None:
    """The option whose words mean the profile's category; 'Other' when nothing does."""
    wanted_text = profile.category or ""
    if not wanted_text.strip():
        return None
    wanted = fold(wanted_text)
    want_stems = {_stem(w) for w in wanted.split()}
    fams, parents = category_families(wanted_text)
    kw_fams: set[str] = set()
    for kw in profile.keywords:
        kw_fams |= category_families(kw)[0]
    best: tuple[float, FieldOption] | None = None
    other: FieldOption | None = None
    for o in options:
        text = fold(o.text) or fold(o.value)
        if is_other_option(o.text or o.value):
            other = other or o
            continue
        if text == wanted or fold(o.value) == wanted:
            score = 10.0
        else:
            words = {_stem(w) for w in text.split()} | {_stem(w) for w in fold(o.value).split()}
            o_fams, o_parents = category_families(f"{o.text} {o.value}")
            score = 0.0
            if want_stems & words:
                score = max(score, 6.0)
            if fams & o_fams:
                score = max(score, 5.0 - 0.1 * len(o_fams - fams))
            if kw_fams & o_fams:
                score = max(score, 3.0)
            if parents & o_parents or parents & o_fams:
                score = max(score, 2.0 - 0.1 * len(o_fams))
        if score > 0 and (best is None or score > best[0]):
            best = (score, o)
    if best is not None:
        return best[1]
    return other


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word


# ------------------------------------------------------------------ boxes
def _checkbox_value(mapping: FieldMapping, field: FormField, profile: BusinessProfile) -> str | None:
    if not (field.visible or field.hidden_scope == "section" or field.hidden_reason == "zero size"):
        return None
    tick = field.value if field.value is not None and field.value != "" else "on"
    if mapping.key == "terms_checkbox":
        return tick
    if mapping.key in _OPTION_KEYS:
        if mapping.option is not None:
            return tick if tick == mapping.option else None
        if mapping.choices:
            chosen = choose_option(mapping.choices, mapping.key, profile)
            return tick if chosen is not None and chosen.value == tick else None
        option = choose_option([FieldOption(value=tick, text=field.label or field.text_after)], mapping.key, profile)
        return tick if option is not None and mapping.key != "category" else None
    return None


def _radio_value(mapping: FieldMapping, field: FormField, profile: BusinessProfile) -> str | None:
    if mapping.key not in _OPTION_KEYS or field.value is None:
        return None
    if mapping.option is not None:
        return field.value if field.value == mapping.option else None
    if mapping.choices:
        option = choose_option(mapping.choices, mapping.key, profile)
        return field.value if option is not None and option.value == field.value else None
    option = choose_option([FieldOption(value=field.value, text=field.label or field.text_after)], mapping.key,
                           profile)
    if option is None or mapping.key == "category":  # alone, a radio cannot tell it is the best of its group
        return None
    return field.value
