"""The mapper: strategies in order (known selectors, learned mapping, heuristics, LLM)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from dirbolt_core.brain.heuristics import classify
from dirbolt_core.brain.model import FieldMapping, FormField, FormInfo, FormMapping
from dirbolt_core.models import Directory

_PHONE_PART_HINT = re.compile(r"area|prefix|exchange|line|suffix|part|\d$", re.IGNORECASE)


def _ref(field: FormField) -> dict:
    return {"name": field.name, "id": field.id, "selector": field.selector, "maxlength": field.maxlength}


class FormBrain:
    """Maps forms to the profile vocabulary. Stateless but for an optional learned-mapping store."""

    def __init__(self, learned_store: object | None = None, llm_mapper: object | None = None,
                 llm_threshold: float = 0.6):
        self.learned_store = learned_store
        self.llm_mapper = llm_mapper
        self.llm_threshold = llm_threshold

    def map_form(self, form: FormInfo, directory: Directory | None = None) -> FormMapping:
        known = self._known_selector_fields(form, directory)
        mappings: list[FieldMapping] = []
        for field in form.fields:
            if field.selector in known or (field.id and f"#{field.id}" in known):
                key = known.get(field.selector) or known.get(f"#{field.id}")
                assert key is not None
                mappings.append(FieldMapping(**_ref(field), key=key, confidence=0.99, strategy="known_selector"))
                continue
            guess = classify(field)
            mappings.append(FieldMapping(**_ref(field), key=guess.key, confidence=guess.confidence,
                                         strategy="heuristic"))
        self._split_fields(form.fields, mappings)
        self._choose_options(form.fields, mappings)
        return FormMapping(form_index=form.index, signature=form.signature, fields=mappings,
                           is_listing_form=_looks_like_listing_form(mappings))

    def choose_form(self, forms: Sequence[FormInfo], directory: Directory | None = None) -> FormMapping | None:
        """The page's listing form: the one with the most profile fields mapped."""
        best: tuple[int, FormMapping] | None = None
        for form in forms:
            mapping = self.map_form(form, directory)
            score = sum(1 for f in mapping.fields if f.key not in ("unknown", "submit", "honeypot"))
            if best is None or score > best[0]:
                best = (score, mapping)
        return best[1] if best else None

    @staticmethod
    def _known_selector_fields(form: FormInfo, directory: Directory | None) -> dict[str, str]:
        if directory is None or not directory.selectors:
            return {}
        return {selector: key for key, selector in directory.selectors.items()}

    @staticmethod
    def _split_fields(fields: Sequence[FormField], mappings: list[FieldMapping]) -> None:
        """Consecutive phone fields become parts of one phone (area, prefix, line)."""
        i = 0
        while i < len(mappings):
            if mappings[i].key == "phone":
                run = [i]
                j = i + 1
                while j < len(mappings) and mappings[j].key == "phone" and j - run[-1] == 1:
                    run.append(j)
                    j += 1
                if len(run) > 1:
                    for part, idx in enumerate(run):
                        mappings[idx].part = part
                        mappings[idx].parts = len(run)
                        mappings[idx].format = "phone:part"
                i = j
            else:
                i += 1
        for field, m in zip(fields, mappings, strict=True):
            if m.key == "phone" and m.part is None and field.maxlength and field.maxlength < 10:
                m.format = "phone:digits"
            if m.key == "website":
                m.format = "url:with-scheme"

    @staticmethod
    def _choose_options(fields: Sequence[FormField], mappings: list[FieldMapping]) -> None:
        for field, m in zip(fields, mappings, strict=True):
            if field.tag == "select" and m.key == "state":
                m.format = "state:select"
            elif field.tag == "select" and m.key in ("country", "category"):
                m.format = f"{m.key}:select"


def _looks_like_listing_form(mappings: Sequence[FieldMapping]) -> bool:
    keys = {m.key for m in mappings}
    return "business_name" in keys or len(keys & {"email", "phone", "website", "address_line1"}) >= 2
