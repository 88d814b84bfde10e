"""The mapper: strategies in order (known selectors, learned mapping, heuristics, LLM).

`FormBrain.map_form` returns one FieldMapping per FormField, in the form's order, each
saying which strategy decided it:

1. known_selector: the catalog's CSS selectors for this directory;
2. learned: a mapping stored after a confirmed success on a form with the same
   signature (a changed signature is form drift: the stored mapping is invalidated);
3. heuristic: autocomplete tokens, multilingual synonyms, input types, then the form's
   structure (password then confirmation, name then surname, a phone in three boxes,
   "Address" then an unlabelled second line);
4. llm: fields still below the confidence threshold, when an LLM mapper is configured.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dirbolt_core.brain.heuristics import BARE_NAME, Guess, allowed_keys, classify, field_sources, first_rule
from dirbolt_core.brain.model import FieldMapping, FieldOption, FormField, FormInfo, FormMapping
from dirbolt_core.brain.protocols import LearnedStore, LLMFieldMapper
from dirbolt_core.brain.selectors import selector_matches
from dirbolt_core.vocabulary import CANONICAL_KEYS, PROFILE_KEYS

if TYPE_CHECKING:
    from dirbolt_core.brain.outcome import OutcomeAnalysis
    from dirbolt_core.models import BusinessProfile, Directory
    from dirbolt_core.settings import Settings

log = logging.getLogger(__name__)

_NOT_PROFILE = frozenset({"unknown", "submit", "honeypot", "captcha"})
_BUSINESS_CONTEXT = re.compile(r"business|company|listing|organi[sz]ation|firm|brand|store|shop|venue|"
                               r"unternehmen|entreprise|empresa|azienda|firma|компани|организац", re.IGNORECASE)
_PERSON_CONTEXT = re.compile(r"contact|person|owner|your (details|info)|about you|ansprech|personne|persona|"
                             r"kontakt|контакт", re.IGNORECASE)
_PHONE_PART_WORDS = re.compile(r"area|prefix|exchange|line|suffix|number|part|local|first|second|third|"
                               r"country|\b[0-3]\b|[a-z][0-3]$|^[0-3]$", re.IGNORECASE)
_COUNTRY_CODE_WORDS = re.compile(r"country ?code|international|intl|\bcc\b|\+\d|dial", re.IGNORECASE)
_STREET_NUMBER = re.compile(r"house ?(number|no)|street ?(number|no)|\bnumber\b|\bno\.?$|hausnummer|"
                            r"\bnr\.?\b|numéro|número|numero|номер дома|\bdom\b", re.IGNORECASE)
_STREET_NAME = re.compile(r"street ?name|\bstreet\b|straße|strasse|\brue\b|\bcalle\b|\bulica\b|улица",
                          re.IGNORECASE)
_STATE_CODE_HINT = re.compile(r"\b(code|abbr\w*|2[- ]letter|two[- ]letter)\b", re.IGNORECASE)


def _ref(field: FormField) -> dict[str, Any]:
    return {"name": field.name, "id": field.id, "selector": field.selector, "maxlength": field.maxlength}


def field_identity(field: FormField) -> str:
    """How a stored mapping finds its field again: tag, type, name, id (and value for radios)."""
    value = field.value if field.type in ("radio", "checkbox") else ""
    return f"{field.tag}|{field.type}|{field.name or ''}|{field.id or ''}|{value or ''}"


class FormBrain:
    """Maps forms to the profile vocabulary. Stateless but for an optional learned-mapping store.
    A `Brain` (protocols.py): in process, so never remote."""

    remote = False

    def __init__(self, learned_store: LearnedStore | None = None, llm_mapper: LLMFieldMapper | None = None,
                 llm_threshold: float = 0.6):
        self.learned_store = learned_store
        self.llm_mapper = llm_mapper
        self.llm_threshold = llm_threshold

    # ------------------------------------------------------------------ public
    def map_form(self, form: FormInfo, directory: Directory | None = None,
                 profile: BusinessProfile | None = None) -> FormMapping:
        """One FieldMapping per field of the form, in order.

        With a profile, selects and radio groups also get the option to choose
        (`FieldMapping.option`); without one, `values.value_for_field` chooses it later.
        """
        mappings = self._learned(form, directory)
        if mappings is None:
            mappings = heuristic_mappings(form)
            self._apply_known_selectors(form, directory, mappings)
            apply_selector_hints(form, directory, mappings)
            self._ask_llm(form, mappings)
        else:
            self._apply_known_selectors(form, directory, mappings)
            attach_choices(form.fields, mappings)
        finish_formats(form.fields, mappings)
        if profile is not None:
            from dirbolt_core.brain.values import choose_options

            choose_options(form.fields, mappings, profile)
        return FormMapping(form_index=form.index, signature=form.signature, fields=mappings,
                           is_listing_form=_looks_like_listing_form(form, mappings))

    @classmethod
    def from_settings(cls, settings: Settings | None = None, learned_store: LearnedStore | None = None) -> FormBrain:
        """The brain as configured: the CrewAI mapper only when DIRBOLT_LLM_MODEL and its key are set."""
        from dirbolt_core.brain.llm import CrewFieldMapper

        return cls(learned_store=learned_store, llm_mapper=CrewFieldMapper.from_settings(settings))

    def choose_form(self, forms: Sequence[FormInfo], directory: Directory | None = None) -> FormMapping | None:
        """The page's listing form: the one with the most profile fields a person can see."""
        return pick_listing_form(forms, [self.map_form(form, directory) for form in forms])

    def learn(self, directory: Directory | None, form: FormInfo, mapping: FormMapping,
              form_url: str | None = None) -> None:
        """Remember a mapping after a confirmed successful submission."""
        store = self.learned_store
        if store is None:
            return
        store.record_success(form, mapping, directory_id=directory.id if directory else None, form_url=form_url)

    def analyze(self, html: str, *, url: str | None = None, status_code: int | None = None,
                before_url: str | None = None, inline_messages: list[str] | None = None,
                retry_after: str | None = None) -> OutcomeAnalysis:
        """What the page after submit says, by the rules (the brain service adds its LLM analyser)."""
        from dirbolt_core.brain.outcome import classify_outcome

        return classify_outcome(html, url=url, status_code=status_code, before_url=before_url,
                                inline_messages=inline_messages, retry_after=retry_after)

    # -------------------------------------------------------------- strategies
    def _learned(self, form: FormInfo, directory: Directory | None) -> list[FieldMapping] | None:
        if self.learned_store is None:
            return None
        try:
            stored = self.learned_store.lookup(form.signature, directory.id if directory else None)
        except Exception as exc:  # the store is an optimisation: never fail a mapping on it
            log.warning("learned-mapping lookup failed: %s", exc)
            return None
        if not stored:
            return None
        by_identity = {entry.get("identity"): entry for entry in stored}
        out: list[FieldMapping] = []
        for i, field in enumerate(form.fields):
            entry = by_identity.get(field_identity(field))
            if entry is None and i < len(stored) and stored[i].get("identity") is None:
                entry = stored[i]
            if entry is None or entry.get("key") not in CANONICAL_KEYS:
                return None  # the stored mapping does not fit this form: map afresh
            out.append(FieldMapping(**_ref(field), key=entry["key"], part=entry.get("part"),
                                    parts=entry.get("parts"), format=entry.get("format"),
                                    confidence=0.98, strategy="learned"))
        return out

    @staticmethod
    def _apply_known_selectors(form: FormInfo, directory: Directory | None, mappings: list[FieldMapping]) -> None:
        if directory is None or not directory.selectors:
            return
        for key, selector in directory.selectors.items():
            if key not in CANONICAL_KEYS:
                continue
            for field, m in zip(form.fields, mappings, strict=True):
                if selector_matches(selector, field):
                    m.key, m.confidence, m.strategy = key, 0.99, "known_selector"
                    m.part = m.parts = None

    def _ask_llm(self, form: FormInfo, mappings: list[FieldMapping]) -> None:
        if self.llm_mapper is None:
            return
        doubtful = [i for i, (f, m) in enumerate(zip(form.fields, mappings, strict=True))
                    if f.is_fillable and (f.visible or f.hidden_scope != "control")
                    and m.key != "honeypot" and m.confidence < self.llm_threshold]
        if not doubtful:
            return
        try:
            answers = self.llm_mapper.map_fields(form, doubtful, mappings)
        except Exception as exc:  # the LLM is a helper: its failure leaves the heuristic answer
            log.warning("LLM field mapping failed: %s", exc)
            return
        for i, (key, confidence) in answers.items():
            if i in doubtful and key in CANONICAL_KEYS and key != "honeypot":
                m = mappings[i]
                m.key, m.confidence, m.strategy = key, max(0.0, min(confidence, 0.95)), "llm"
                m.part = m.parts = None


# A catalog hint decides a field the heuristics were unsure of; it never overrides a confident
# heuristic or a honeypot, and it must name one field whose type can hold the key.
HINT_CONFIDENCE = 0.85
_HINT_OVERRULED_AT = 0.9


def apply_selector_hints(form: FormInfo, directory: Directory | None, mappings: list[FieldMapping]) -> None:
    """Candidate selectors from an imported catalog (the legacy list's formMapping), checked against
    the live form: used only where they name exactly one fillable field of a fitting type."""
    if directory is None or not getattr(directory, "selector_hints", None):
        return
    for key, selectors in directory.selector_hints.items():
        if key not in CANONICAL_KEYS or key in _NOT_PROFILE:
            continue
        matches = {i for i, field in enumerate(form.fields) if field.is_fillable
                   and (field.visible or field.hidden_scope == "section")
                   and any(selector_matches(sel, field) for sel in selectors)}
        if len(matches) != 1:
            continue  # stale (no field) or ambiguous (several): the heuristics stand
        i = matches.pop()
        field, m = form.fields[i], mappings[i]
        if key not in allowed_keys(field) or m.key == "honeypot" or m.strategy == "known_selector":
            continue
        if m.key == key:
            m.confidence = max(m.confidence, _HINT_OVERRULED_AT)
            continue
        if m.key not in ("unknown", key) and m.confidence >= _HINT_OVERRULED_AT:
            continue  # the form itself says otherwise, clearly
        held = any(j != i and other.key == key and other.confidence >= _HINT_OVERRULED_AT
                   for j, other in enumerate(mappings))
        if held:
            continue
        m.key, m.confidence, m.strategy = key, HINT_CONFIDENCE, "catalog_hint"
        m.part = m.parts = None


def pick_listing_form(forms: Sequence[FormInfo], mappings: Sequence[FormMapping]) -> FormMapping | None:
    """Of mapped forms, the listing form: a listing-like form with the most profile fields in view."""
    best: tuple[tuple[int, int], FormMapping] | None = None
    for form, mapping in zip(forms, mappings, strict=True):
        keys = {m.key for m, f in zip(mapping.fields, form.fields, strict=True)
                if m.key in PROFILE_KEYS and (f.visible or f.hidden_scope == "section")}
        score = (int(mapping.is_listing_form), len(keys))
        if best is None or score > best[0]:
            best = (score, mapping)
    return best[1] if best else None


# ---------------------------------------------------------------- heuristics
def heuristic_mappings(form: FormInfo) -> list[FieldMapping]:
    guesses = [classify(f) for f in form.fields]
    fields = form.fields
    _resolve_names(form, fields, guesses)
    _passwords_and_confirmations(fields, guesses)
    _scripted_submit(fields, guesses)
    mappings = [FieldMapping(**_ref(f), key=g.key, confidence=round(g.confidence, 3), strategy="heuristic")
                for f, g in zip(fields, guesses, strict=True)]
    unify_groups(fields, mappings)
    _split_phone(fields, mappings)
    _address_parts(fields, mappings)
    return mappings


def _set(guesses: list[Guess], i: int, key: str, confidence: float | None = None, why: str = "structure") -> None:
    g = guesses[i]
    guesses[i] = Guess(key, g.confidence if confidence is None else confidence, f"{g.source}+{why}")


def _resolve_names(form: FormInfo, fields: Sequence[FormField], guesses: list[Guess]) -> None:
    """A bare "Name" is a first name beside a surname, a last name after a first name, else a full name."""
    keys = [g.key for g in guesses]
    for i, g in enumerate(guesses):
        if g.key != BARE_NAME:
            continue
        field = fields[i]
        neighbours = [keys[j] for j in (i - 2, i - 1, i + 1, i + 2) if 0 <= j < len(keys)]
        context = " ".join((field.section, field.label, field.nearby_text))
        if "contact_last_name" in neighbours and "contact_first_name" not in neighbours:
            _set(guesses, i, "contact_first_name", 0.8, "name beside surname")
        elif "contact_first_name" in neighbours and "contact_last_name" not in neighbours:
            _set(guesses, i, "contact_last_name", 0.8, "name after first name")
        elif field.section and _BUSINESS_CONTEXT.search(field.section):
            _set(guesses, i, "business_name", 0.82, "name in a business section")
        elif field.section and _PERSON_CONTEXT.search(context):
            _set(guesses, i, "contact_name", 0.82, "name in a contact section")
        elif ("business_name" not in keys and _BUSINESS_CONTEXT.search(form.heading or "")
              and _first_text_field(fields, guesses, i)):
            _set(guesses, i, "business_name", 0.7, "first name field of a listing form")
        else:
            _set(guesses, i, "contact_name", min(g.confidence, 0.85), "bare name")


def _scripted_submit(fields: Sequence[FormField], guesses: list[Guess]) -> None:
    """A form with no submit control is sent by a script from its plain buttons
    (`<input type=button onclick=...>`): those are its submit."""
    if any(g.key == "submit" for g in guesses):
        return
    for i, f in enumerate(fields):
        if f.type == "button" and f.widget is None and f.visible and guesses[i].key == "unknown":
            _set(guesses, i, "submit", 0.6, "only buttons of the form")


def _first_text_field(fields: Sequence[FormField], guesses: list[Guess], index: int) -> bool:
    for j, f in enumerate(fields):
        if f.is_fillable and f.visible and guesses[j].key not in _NOT_PROFILE:
            return j == index
    return False


def _passwords_and_confirmations(fields: Sequence[FormField], guesses: list[Guess]) -> None:
    """Two password boxes are a password and its confirmation; the same for two e-mail boxes."""
    pw = [i for i, f in enumerate(fields) if f.type == "password" and guesses[i].key in ("password",
                                                                                        "password_confirm")]
    if len(pw) == 2:
        first, second = pw
        if guesses[first].key == "password_confirm" and guesses[second].key == "password":
            first, second = second, first
        _set(guesses, first, "password", max(guesses[first].confidence, 0.9))
        _set(guesses, second, "password_confirm", max(guesses[second].confidence, 0.9))
    elif len(pw) == 1 and guesses[pw[0]].key == "password_confirm":
        _set(guesses, pw[0], "password", 0.8, "only password box")
    emails = [i for i, g in enumerate(guesses) if g.key in ("email", "email_confirm")]
    if len(emails) == 1 and guesses[emails[0]].key == "email_confirm":
        _set(guesses, emails[0], "email", 0.8, "only e-mail box")
    elif len(emails) == 2 and all(guesses[i].key == "email" for i in emails):
        a, b = emails
        between = [k for k in range(a + 1, b) if fields[k].is_fillable and fields[k].visible]
        if len(between) <= 1:
            _set(guesses, b, "email_confirm", 0.8, "second e-mail box")


_GROUP_KEYS = frozenset({"category", "country", "state", "year_founded", "city"})


def unify_groups(fields: Sequence[FormField], mappings: list[FieldMapping]) -> None:
    """A radio group (or a group of same-named checkboxes) means one thing: the best-read member's.

    Groups with a meaning get their choices, so a radio's value can be chosen on its own.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(fields):
        if f.type in ("radio", "checkbox") and f.name:
            groups.setdefault((f.type, f.name), []).append(i)
    for (ftype, _), members in groups.items():
        if ftype == "checkbox" and len(members) < 2:
            continue
        first = fields[members[0]]
        candidates = [(mappings[i].confidence, mappings[i].key) for i in members
                      if mappings[i].key in _GROUP_KEYS]
        group_key = first_rule(" ".join((first.nearby_text, first.section)), allowed_keys(first) & _GROUP_KEYS)
        if group_key:
            candidates.append((0.8, group_key))
        if not candidates:
            if ftype == "radio":  # a consent radio pair keeps its meaning; any other is left as the page has it
                consent = max(((mappings[i].confidence, mappings[i].key) for i in members
                               if mappings[i].key in ("newsletter_checkbox", "terms_checkbox")), default=None)
                for i in members:
                    mappings[i].key = consent[1] if consent else "unknown"
            continue
        confidence, key = max(candidates)
        for i in members:
            m = mappings[i]
            m.confidence = max(confidence, m.confidence if m.key == key else 0)
            m.key = key
    attach_choices(fields, mappings)


def attach_choices(fields: Sequence[FormField], mappings: list[FieldMapping]) -> None:
    """Give radio and checkbox groups with a meaning their choices (learned mappings lack them)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(fields):
        if f.type in ("radio", "checkbox") and f.name and mappings[i].key in _GROUP_KEYS:
            groups.setdefault((f.type, f.name), []).append(i)
    for members in groups.values():
        choices = [FieldOption(value=fields[i].value if fields[i].value is not None else "on",
                               text=fields[i].label or fields[i].text_after) for i in members]
        for i in members:
            mappings[i].choices = choices


def _split_phone(fields: Sequence[FormField], mappings: list[FieldMapping]) -> None:
    """Consecutive phone boxes (small, or named area/prefix/line) are parts of one number."""
    i = 0
    while i < len(mappings):
        if mappings[i].key != "phone" or fields[i].type in ("radio", "checkbox"):
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < len(mappings):
            if fields[j].type in ("hidden",) or (not fields[j].is_fillable and fields[j].tag != "select"):
                j += 1
                continue
            if mappings[j].key == "phone" or (mappings[j].key == "unknown" and mappings[j].confidence < 0.6
                                              and fields[j].tag == "input" and _short_box(fields[j])):
                run.append(j)
                j += 1
                continue
            break
        if len(run) > 1 and _is_split(run, fields):
            for part, idx in enumerate(run):
                m = mappings[idx]
                m.key, m.part, m.parts = "phone", part, len(run)
                m.format = "phone:part"
            first = fields[run[0]]
            if first.tag == "select" or _COUNTRY_CODE_WORDS.search(" ".join(field_sources(first).values())):
                mappings[run[0]].format = "phone:country-code"
                for idx in run[1:]:
                    mappings[idx].format = "phone:national-part"
        elif len(run) > 1:
            # Two phone numbers (phone and mobile): each takes the whole number.
            pass
        i = run[-1] + 1


def _short_box(field: FormField) -> bool:
    return field.tag == "select" or (field.maxlength is not None and field.maxlength <= 4) or (
        field.size is not None and field.size <= 4)


def _is_split(run: list[int], fields: Sequence[FormField]) -> bool:
    shorts = sum(1 for i in run if _short_box(fields[i]))
    if shorts >= len(run) - 1:
        return True
    texts = [" ".join((fields[i].name or "", fields[i].id or "", fields[i].label, fields[i].aria_label or ""))
             for i in run]
    return all(_PHONE_PART_WORDS.search(t) for t in texts[1:]) and len({fields[i].name for i in run}) == len(run)


def _address_parts(fields: Sequence[FormField], mappings: list[FieldMapping]) -> None:
    """A second address box is line 2; a number box and a street box split the street address."""
    addr = [i for i, m in enumerate(mappings) if m.key == "address_line1"]
    if len(addr) == 2:
        a, b = addr
        fa, fb = fields[a], fields[b]
        # The name attributes tell the two apart best (a shared label "Street/No." names both).
        texts = [field_sources(f)["name"] or " ".join(field_sources(f).values()) for f in (fa, fb)]
        number_first, number_second = (_STREET_NUMBER.search(t) for t in texts)
        if bool(number_first) == bool(number_second):
            texts = [" ".join(field_sources(f).values()) for f in (fa, fb)]
            number_first, number_second = (_STREET_NUMBER.search(t) for t in texts)
        if number_first and not number_second and _STREET_NAME.search(texts[1]):
            mappings[a].part, mappings[a].parts, mappings[a].format = 0, 2, "street:number"
            mappings[b].part, mappings[b].parts, mappings[b].format = 1, 2, "street:name"
        elif number_second and not number_first and (_STREET_NAME.search(texts[0]) or b == _next_fillable(fields, a)):
            mappings[a].part, mappings[a].parts, mappings[a].format = 1, 2, "street:name"
            mappings[b].part, mappings[b].parts, mappings[b].format = 0, 2, "street:number"
        elif b == _next_fillable(fields, a):
            mappings[b].key = "address_line2"
    for i, m in enumerate(mappings):
        if m.key == "address_line1":
            nxt = _next_fillable(fields, i)
            if nxt is not None and mappings[nxt].key == "unknown" and mappings[nxt].confidence < 0.6 \
                    and fields[nxt].tag == "input" and fields[nxt].type == "text" and fields[nxt].visible \
                    and not fields[nxt].label and not fields[nxt].placeholder:
                mappings[nxt].key, mappings[nxt].confidence = "address_line2", 0.7


def _next_fillable(fields: Sequence[FormField], i: int) -> int | None:
    for j in range(i + 1, len(fields)):
        if fields[j].is_fillable:
            return j
    return None


def finish_formats(fields: Sequence[FormField], mappings: list[FieldMapping]) -> None:
    """How each value is written: phone digits, URL scheme, state code or name, selects."""
    for field, m in zip(fields, mappings, strict=True):
        if m.key in ("phone", "fax") and m.part is None:
            if (field.maxlength and field.maxlength < 14) or field.type == "number":
                m.format = "phone:digits"
            elif m.format is None:
                m.format = "phone:as-is"
        elif m.key in ("website", "facebook_url", "twitter_url", "linkedin_url", "instagram_url"):
            m.format = "url:with-scheme"
        elif m.key == "state":
            if field.tag == "select" or field.type == "radio":
                m.format = "state:option"
            elif (field.maxlength and field.maxlength <= 3) or _STATE_CODE_HINT.search(field.label or ""):
                m.format = "state:code"
            else:
                m.format = "state:as-is"
        elif m.key == "country":
            if field.tag == "select" or field.type == "radio":
                m.format = "country:option"
            elif field.maxlength and field.maxlength <= 3:
                m.format = "country:code"
            else:
                m.format = "country:name"
        elif m.key == "category" and (field.tag == "select" or field.type in ("radio", "checkbox")):
            m.format = "category:option"
        elif m.key in ("terms_checkbox",):
            m.format = "check"


def _looks_like_listing_form(form: FormInfo, mappings: Sequence[FieldMapping]) -> bool:
    keys = {m.key for m, f in zip(mappings, form.fields, strict=True)
            if f.visible or f.hidden_scope == "section"}
    if "password" in keys and not keys & {"business_name", "website", "address_line1", "description"}:
        return False  # a login or sign-up form
    return "business_name" in keys or len(keys & {"email", "phone", "website", "address_line1"}) >= 2
