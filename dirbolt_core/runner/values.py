"""The value to type into a field, formatted the way the field expects it."""

from __future__ import annotations

import re

from dirbolt_core.brain.model import FieldMapping, FieldOption, FormField
from dirbolt_core.geo import country_names, state_names
from dirbolt_core.models import BusinessProfile
from dirbolt_core.vocabulary import PROFILE_KEYS

# Category words that mean the same listing category.
CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "bakery": ("bakery", "bakeries", "bake", "pastry", "dessert", "cake", "food", "restaurant", "cafe"),
    "cafe": ("cafe", "café", "coffee", "restaurant", "food"),
    "restaurant": ("restaurant", "dining", "food", "eat"),
    "plumber": ("plumb", "home", "contractor", "repair"),
    "lawyer": ("law", "legal", "attorney"),
    "dentist": ("dent", "health", "medical"),
}
_WORD = re.compile(r"[a-zà-ÿ0-9]+", re.IGNORECASE)


def digits_of(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    # North American numbers: drop a leading country code 1.
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def phone_part(phone: str, part: int, parts: int) -> str:
    d = digits_of(phone)
    if parts == 3 and len(d) == 10:
        return (d[:3], d[3:6], d[6:])[part]
    if parts == 2 and len(d) == 10:
        return (d[:3], d[3:])[part]
    if parts == 4 and len(d) == 10:
        return ("1", d[:3], d[3:6], d[6:])[part]
    return d if part == 0 else ""


def trim_text(text: str, limit: int) -> str:
    """Cut at a word boundary so a description never ends mid-word."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-")


def with_scheme(url: str) -> str:
    return url if re.match(r"^https?://", url, re.IGNORECASE) else f"https://{url}"


def text_value(mapping: FieldMapping, field: FormField, profile: BusinessProfile,
               max_lengths: dict[str, int] | None = None) -> str | None:
    """The text for an input or textarea; None leaves the field alone."""
    key = mapping.key
    if key == "email_confirm":
        return profile.email
    if key not in PROFILE_KEYS:
        return None
    value = profile.value_for(key)
    if value is None:
        return None
    if key == "phone" or key == "fax":
        if mapping.part is not None and mapping.parts:
            return phone_part(value, mapping.part, mapping.parts)
        if mapping.format == "phone:digits" or (field.maxlength and field.maxlength < len(value)):
            return digits_of(value)
    if key in ("website", "facebook_url", "twitter_url", "linkedin_url", "instagram_url", "logo"):
        value = with_scheme(value)
    if key == "state" and field.maxlength and field.maxlength <= 3:
        value = state_names(value)[0]
    limit = min(x for x in (field.maxlength, (max_lengths or {}).get(key), 100_000) if x)
    return trim_text(value, limit)


def _stem(word: str) -> str:
    w = word.lower()
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            return w[: -len(suffix)] + repl
    return w


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text)}


def choose_option(options: list[FieldOption], key: str, profile: BusinessProfile) -> FieldOption | None:
    """The option that means the profile's value, by code, name or category wording."""
    real = [o for o in options if o.value.strip() or o.text.strip()]
    real = [o for o in real if o.value.strip()]  # placeholders have an empty value
    if not real:
        return None
    value = profile.value_for(key) or ""
    if key == "state":
        wanted = [w.lower() for w in state_names(value)]
    elif key == "country":
        wanted = [w.lower() for w in country_names(value or "US")]
    else:
        wanted = [value.lower()]
    for o in real:
        if o.value.strip().lower() in wanted or o.text.strip().lower() in wanted:
            return o
    if key == "category" and value:
        target = _words(value)
        related = {_stem(s) for w in target for s in CATEGORY_SYNONYMS.get(w, ())}
        best, best_score = None, 0.0
        for o in real:
            words = _words(o.text) | _words(o.value)
            score = 2.0 * len(words & target) + 1.0 * len(words & related)
            if score > best_score:
                best, best_score = o, score
        if best is not None:
            return best
        for o in real:
            if o.text.strip().lower() in ("other", "others", "miscellaneous", "general", "sonstige", "autre"):
                return o
    return None
