"""Scoring the brain: against a labelled corpus (Formasaurus format) and against sandbox sites.

Used by benchmarks/form_brain.py and by the tests; nothing here ships data, it reads the
corpus it is pointed at.

Corpus format (see the corpus README): index.json maps each page to its forms' field
annotations `{name attribute: code}`. Only the codes of CODE_KEYS (the README's table) are
scored for accuracy; any other code is right when the mapper says `unknown` or a control
key (not a profile key). `XX` (not annotated) is left out of every figure.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dirbolt_core.brain.extract import extract_forms_from_doc, extract_forms_from_html, parse_document
from dirbolt_core.brain.model import FieldMapping, FormField, FormInfo, FormMapping
from dirbolt_core.brain.values import fit_text, value_for_field
from dirbolt_core.models import BusinessProfile
from dirbolt_core.vocabulary import PROFILE_KEYS

# The corpus README's table: code -> canonical key.
CODE_KEYS: dict[str, str] = {
    "no": "business_name", "ws": "website", "e1": "email", "e2": "email_confirm", "ph": "phone",
    "P0": "phone", "P1": "phone", "P2": "phone", "P3": "phone", "fa": "fax",
    "Ad": "address_line1", "Sa": "address_line1", "A1": "address_line1", "A2": "address_line2",
    "Ci": "city", "St": "state", "Zi": "postal_code", "Co": "country", "am": "description",
    "nf": "contact_name", "n1": "contact_first_name", "n3": "contact_last_name",
    "us": "username", "p1": "password", "p2": "password_confirm", "hp": "honeypot", "ca": "captcha",
    "tC": "terms_checkbox", "eC": "newsletter_checkbox", "Bs": "submit",
}
NOT_ANNOTATED = "XX"
# Street number / street name are not in the table; a mapping that splits address_line1 into
# them (part 0/1 of 2) is what a directory form needs, so it is not counted as a false fill.
STREET_PART_CODES = frozenset({"S#", "Sn"})

Mapper = Callable[[FormInfo], FormMapping]


@dataclass
class CorpusScore:
    pages: int = 0
    forms: int = 0
    scored: int = 0  # fields with a code of the table
    correct: int = 0
    other: int = 0  # annotated fields with another code (not XX)
    other_correct: int = 0
    honeypots: int = 0
    honeypot_fills: int = 0
    labelled: int = 0  # annotated fields (not XX) of the pages' forms
    found_elsewhere: int = 0  # ... returned, but in another field group than their <form>'s
    not_returned: int = 0  # ... the brain never returned (in no group of the page)
    not_returned_outside_form: int = 0  # ... of which the parse put outside every <form>
    per_key: dict[str, Counter] = field(default_factory=dict)  # key -> tp/fp/fn
    form_ms: list[float] = field(default_factory=list)  # CPU time of extraction + mapping, per form
    wall_ms: list[float] = field(default_factory=list)
    errors: list[tuple[str, int, str, str, str]] = field(default_factory=list)  # page, form, name, want, got

    @property
    def accuracy(self) -> float:
        return self.correct / self.scored if self.scored else 0.0

    @property
    def recall(self) -> float:
        """Share of the annotated fields the brain returned (in any field group of their page)."""
        return 1 - self.not_returned / self.labelled if self.labelled else 0.0

    @property
    def all_fields_accuracy(self) -> float:
        total = self.scored + self.other
        return (self.correct + self.other_correct) / total if total else 0.0

    def precision_recall(self, key: str) -> tuple[float, float, int]:
        c = self.per_key.get(key, Counter())
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        return p, r, c["tp"] + c["fn"]

    def ms_per_form(self, *, wall: bool = False) -> tuple[float, float]:
        """(mean, p95) milliseconds per form: CPU time of this process (others' load excluded), or wall."""
        ordered = sorted(self.wall_ms if wall else self.form_ms)
        if not ordered:
            return 0.0, 0.0
        return statistics.fmean(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def load_index(corpus_dir: Path) -> dict[str, Any]:
    return json.loads((corpus_dir / "index.json").read_text())


# The corpus is split once and for all by a hash of each page's id: the validation part is the
# one no heuristic is tuned on (its errors are not read while developing), the development part
# is where errors are studied. Changing the salt or the share would be a new split.
_SPLIT_SALT = "dirbolt-form-brain-split-1"
VALIDATION_SHARE = 3  # one page in three


def split_of(page: str) -> str:
    """"validation" or "development", fixed by the page id (e.g. "html/example.com-0.html")."""
    digest = hashlib.sha256(f"{_SPLIT_SALT}:{page}".encode()).hexdigest()
    return "validation" if int(digest[:8], 16) % VALIDATION_SHARE == 0 else "development"


# Variants of a page that test how extraction copes with the markup of modern sites, with the
# page's own labels: "formless" (every <form> becomes a <div>: a React-style page), "shadow"
# (each form's content moves into an open declarative shadow root of a custom element, with no
# <form> left: a web component).
VARIANTS = ("plain", "formless", "shadow")


def page_variant(html: bytes, variant: str) -> Any | None:
    doc = parse_document(html)
    if doc is None or variant == "plain":
        return doc
    from lxml import etree

    for form in list(doc.iter("form")):
        form.tag = "div"
        for attr in ("action", "method", "name"):
            form.attrib.pop(attr, None)
        if variant == "shadow":
            host = etree.Element("x-listing-form")
            template = etree.SubElement(host, "template", shadowrootmode="open")
            form.addprevious(host)
            template.append(form)
    return doc


def score_corpus(corpus_dir: Path, mapper: Mapper, profile: BusinessProfile, *,
                 pages: Iterable[str] | None = None, variant: str = "plain") -> CorpusScore:
    index = load_index(corpus_dir)
    score = CorpusScore()
    for page in pages or sorted(index):
        info = index[page]
        html = (corpus_dir / page).read_bytes()
        started, cpu_started = time.perf_counter(), time.process_time()
        if variant == "plain":
            forms = extract_forms_from_html(html)
        else:
            doc = page_variant(html, variant)
            forms = extract_forms_from_doc(doc) if doc is not None else []
        mappings = [mapper(f) for f in forms]
        cpu = (time.process_time() - cpu_started) * 1000
        wall = (time.perf_counter() - started) * 1000
        score.pages += 1
        score.forms += len(forms)
        if forms:  # a page's parse is shared by its forms
            score.form_ms += [cpu / len(forms)] * len(forms)
            score.wall_ms += [wall / len(forms)] * len(forms)
        groups = [_by_name(f, m) for f, m in zip(forms, mappings, strict=True)]
        for fi, labelled in enumerate(info["visible_html_fields"]):
            wanted = [(n, c) for n, c in labelled.items() if c != NOT_ANNOTATED]
            if not wanted:
                continue
            score.labelled += len(wanted)
            names = {n for n, _ in wanted}
            # The form's own group: the same position for <form>s read as such; else the group
            # holding most of the form's annotated fields.
            home = groups[fi] if variant == "plain" and fi < len(groups) else \
                max(groups, key=lambda g: len(names & g.keys()), default={})
            for name, code in wanted:
                found = home.get(name)
                if found is None:
                    found = next((g[name] for g in groups if name in g), None)
                    if found is None:
                        score.not_returned += 1
                        score.not_returned_outside_form += _outside_form(html, name)
                        continue
                    score.found_elsewhere += 1
                _score_field(score, page, fi, name, code, found[0], found[1], profile)
    return score


def _by_name(form: FormInfo, mapping: FormMapping) -> dict[str, tuple[FormField, FieldMapping]]:
    """name -> its field. The corpus annotates visible fields (`visible_html_fields`): where a
    type=hidden input shares a name with a control a person sees, the annotation is the latter's."""
    out: dict[str, tuple[FormField, FieldMapping]] = {}
    for f, m in zip(form.fields, mapping.fields, strict=True):
        if f.name is not None and (f.name not in out or (out[f.name][0].type == "hidden" and f.type != "hidden")):
            out[f.name] = (f, m)
    return out


def _outside_form(html: bytes, name: str) -> bool:
    doc = parse_document(html)
    if doc is None:
        return False
    return any(not any(a.tag == "form" for a in el.iterancestors())
               for el in doc.iter("input", "select", "textarea", "button") if el.get("name") == name)


# ------------------------------------------------------------------ token audit
def rule_tokens() -> list[tuple[str, str]]:
    """Every top-level alternative of every heuristic rule: (key, regex token)."""
    from dirbolt_core.brain.heuristics import _RULES

    return [(key, tok) for key, pattern in _RULES for tok in _alternatives(pattern)]


def _alternatives(pattern: str) -> list[str]:
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return [t for t in out if t]


def token_audit(corpus_dir: Path) -> dict[tuple[str, str], list[str]]:
    """(key, token) -> the corpus pages where the token matches some text of some field
    (label, name, placeholder, nearby text...). A token matching exactly one page is suspect:
    it may exist to match that page."""
    from dirbolt_core.brain.heuristics import field_sources

    texts_of: dict[str, set[str]] = {}
    for page in sorted(load_index(corpus_dir)):
        texts: set[str] = set()
        for form in extract_forms_from_html((corpus_dir / page).read_bytes()):
            for f in form.fields:
                texts.update(t[:300] for t in field_sources(f).values() if t)
        texts_of[page] = texts
    audit: dict[tuple[str, str], list[str]] = {}
    for key, tok in rule_tokens():
        rx = re.compile(tok, re.IGNORECASE)
        audit[(key, tok)] = [page for page, texts in texts_of.items() if any(rx.search(t) for t in texts)]
    return audit


def _score_field(score: CorpusScore, page: str, fi: int, name: str, code: str, f: FormField, m: FieldMapping,
                 profile: BusinessProfile) -> None:
    want = CODE_KEYS.get(code)
    got = m.key
    if want is not None:
        score.scored += 1
        ok = got == want
        score.correct += ok
        if not ok:
            score.errors.append((page, fi, name, want, got))
        counts = score.per_key.setdefault(want, Counter())
        counts["tp" if ok else "fn"] += 1
        if not ok and got in CODE_KEYS.values():
            score.per_key.setdefault(got, Counter())["fp"] += 1
        if code == "hp":
            score.honeypots += 1
            # Judged as if the box were in view: the value helper gives hidden boxes nothing
            # anyway, what is measured is whether the brain itself knows the trap.
            shown = f.model_copy(update={"visible": True, "hidden_scope": None, "hidden_reason": None})
            score.honeypot_fills += value_for_field(m, shown, profile) is not None
        return
    score.other += 1
    ok = got not in PROFILE_KEYS or (code in STREET_PART_CODES and got == "address_line1")
    score.other_correct += ok
    if not ok:
        score.per_key.setdefault(got, Counter())["fp"] += 1
        score.errors.append((page, fi, name, f"({code})", got))


# ------------------------------------------------------------------ baseline
_NAIVE = [  # substring of the name attribute -> key: what a quick script would do
    ("confirm", "password_confirm"), ("password", "password"), ("pass", "password"), ("email", "email"),
    ("mail", "email"), ("user", "username"), ("login", "username"), ("phone", "phone"), ("tel", "phone"),
    ("fax", "fax"), ("zip", "postal_code"), ("postal", "postal_code"), ("city", "city"), ("state", "state"),
    ("country", "country"), ("address2", "address_line2"), ("address", "address_line1"),
    ("first", "contact_first_name"), ("last", "contact_last_name"), ("company", "business_name"),
    ("business", "business_name"), ("url", "website"), ("website", "website"), ("name", "contact_name"),
    ("captcha", "captcha"), ("terms", "terms_checkbox"), ("agree", "terms_checkbox"),
    ("newsletter", "newsletter_checkbox"), ("submit", "submit"), ("description", "description"),
]


def naive_name_mapper(form: FormInfo) -> FormMapping:
    """The baseline: the first keyword found in the name attribute decides; nothing else is read."""
    fields = []
    for f in form.fields:
        name = (f.name or "").lower()
        key = "submit" if f.type == "submit" else next((k for word, k in _NAIVE if word in name), "unknown")
        fields.append(FieldMapping(name=f.name, id=f.id, key=key, confidence=0.5, strategy="heuristic"))
    return FormMapping(form_index=form.index, signature=form.signature, fields=fields)


# ------------------------------------------------------------------ sandbox
@dataclass
class SiteCheck:
    site: str
    filled: dict[str, str]
    wrong: list[tuple[str, str, str, Any]]  # name, key, our value, expected
    missing: list[str]
    honeypot_fills: list[str]
    form_found: bool = True


def fill_plan(form: FormInfo, mapping: FormMapping, profile: BusinessProfile) -> dict[str, tuple[str, str]]:
    """What a runner would post from this form: name -> (key, value), for controls a person can reach.

    A nameless field of a scripted form is keyed by its data-* name (the app posts it under that)."""
    plan: dict[str, tuple[str, str]] = {}
    for f, m in zip(form.fields, mapping.fields, strict=True):
        key = f.name or f.data_name
        if not key or not (f.visible or (f.type in ("checkbox", "radio") and f.hidden_reason == "zero size")):
            continue
        value = value_for_field(m, f, profile)
        if value is not None:
            plan[key] = (m.key, value)
    return plan


def check_site(site_id: str, plan: dict[str, tuple[str, str]], expected: dict[str, Any] | None, *,
               honeypots: Sequence[str] = (), server_limits: dict[str, tuple[str, int]] | None = None,
               internal: Sequence[str] = ()) -> SiteCheck:
    """Compare a fill plan with the site's expected record; a value cut only by a limit the site's
    error message states (not the page) counts as right: the runner learns it on the retry. The
    site's internal fields (a combobox's own text, view state) are not part of the record."""
    wrong: list[tuple[str, str, str, Any]] = []
    for name, (key, value) in plan.items():
        if expected is None or name in internal:
            continue  # a captcha or login wall: nothing reaches the record, nothing to compare
        want = expected.get(name)
        if want is not None and str(want) == value:
            continue
        limit = (server_limits or {}).get(name)
        if want is not None and limit and str(want) == fit_text(value, limit[1]):
            continue
        wrong.append((name, key, value[:60], want))
    missing = [k for k, v in (expected or {}).items() if v not in (None, "") and k not in plan]
    return SiteCheck(site=site_id, filled={k: v for k, (_, v) in plan.items()}, wrong=wrong, missing=missing,
                     honeypot_fills=[h for h in honeypots if h in plan])


async def read_listing_form(page: Any, url: str, map_form: Mapper, *, settle_s: float = 3.0
                            ) -> tuple[FormInfo, FormMapping, bool] | None:
    """Open a page, wait for a form (scripts, iframes), and return the listing form mapped.

    The bool says whether the form lives in an iframe. None when the page shows no form.
    """
    import asyncio

    from dirbolt_core.brain.extract import extract_forms_from_page
    from dirbolt_core.brain.mapper import pick_listing_form

    await page.goto(url, wait_until="load")
    deadline = time.monotonic() + settle_s
    while True:
        found = [(frame, form) for frame, form in await extract_forms_from_page(page) if form.fields]
        if found or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    if not found:
        return None
    forms = [form for _, form in found]
    mappings = [map_form(form) for form in forms]
    chosen = pick_listing_form(forms, mappings)
    if chosen is None:
        return None
    i = next(i for i, m in enumerate(mappings) if m is chosen)
    return forms[i], chosen, found[i][0].parent_frame is not None
