"""Does a catalog CSS selector name this extracted field? (No DOM needed.)

The field is rebuilt as a lone element with its attributes and the selector's last
compound part is tested against it with cssselect: `#id`, `input[name="x"]`,
`select.state`, `[data-field=phone]` all work; combinators (`form #x`) are judged by
their last part, which is what names the control.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cssselect import GenericTranslator, SelectorError
from lxml import etree

from dirbolt_core.brain.model import FormField

_COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+(?![^\[]*\])")


@lru_cache(maxsize=512)
def _xpath(selector: str) -> etree.XPath | None:
    parts = [p for p in _COMBINATOR.split(selector.strip()) if p]
    if not parts:
        return None
    try:
        return etree.XPath(GenericTranslator().css_to_xpath(parts[-1], prefix="self::"))
    except (SelectorError, etree.XPathSyntaxError):
        return None


def selector_matches(selector: str, field: FormField) -> bool:
    if not selector or not field.tag:
        return False
    if field.selector and selector.strip() == field.selector:
        return True
    xpath = _xpath(selector)
    if xpath is None:
        return False
    el = etree.Element(field.tag)
    for attr, value in (("id", field.id), ("name", field.name), ("type", field.type if field.tag == "input" else None),
                        ("class", field.css_class), ("placeholder", field.placeholder), ("value", field.value),
                        ("autocomplete", field.autocomplete), ("aria-label", field.aria_label)):
        if value is not None:
            el.set(attr, value)
    try:
        return bool(xpath(el))
    except etree.XPathEvalError:
        return False
