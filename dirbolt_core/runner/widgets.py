"""Filling what is not a plain native control: ARIA comboboxes and listboxes, [role=checkbox] elements,
contenteditable regions and date inputs. Used only for fields the brain marked with a `widget`, so an
ordinary form keeps the one-pass fill.

A combobox is typed into (the profile's value, then shorter prefixes of its words while no option
shows), its [role=option]s are waited for, and the option that best means the profile's value
(the brain's own choice: category by meaning, state by code or name) is clicked.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING

from dirbolt_core.brain.model import FieldMapping, FieldOption, FormField
from dirbolt_core.brain.values import choose_option
from dirbolt_core.models import BusinessProfile
from dirbolt_core.runner.domjs import DEEP_QUERY_JS

if TYPE_CHECKING:
    from playwright.async_api import Frame, Locator

log = logging.getLogger(__name__)

# Widgets handled here; a native <input type=date> is filled in the one-pass fill (value converted).
CUSTOM_WIDGETS = frozenset({"combobox", "listbox", "checkbox", "contenteditable"})
_OPTIONS_WAIT_S = 2.0
_DATE_TYPES = frozenset({"date", "month", "datetime-local", "week"})
_YEAR = re.compile(r"^\d{4}$")

# The [role=option]s of a combobox: of its aria-controls/aria-owns listbox, else of any listbox around.
_OPTION_ELEMENTS_JS = """const optionElements = (el) => {
  const root = el.getRootNode();
  const byId = (id) => (root.getElementById ? root.getElementById(id) : null) || document.getElementById(id);
  const boxes = [];
  for (const src of [el, el.closest('[role=combobox]')]) {
    if (!src) continue;
    for (const attr of ['aria-controls', 'aria-owns']) {
      for (const id of (src.getAttribute(attr) || '').split(/\\s+/)) {
        const b = id && byId(id);
        if (b && !boxes.includes(b)) boxes.push(b);
      }
    }
  }
  if (el.getAttribute('role') === 'listbox' && !boxes.includes(el)) boxes.push(el);
  if (!boxes.length) boxes.push(...root.querySelectorAll('[role=listbox]'));
  return boxes.flatMap((box) => [...box.querySelectorAll('[role=option]')]);
};
const optionValue = (o) => o.getAttribute('data-value') || o.getAttribute('value') || o.textContent.trim();
"""

# The options a person sees: [value, text] of each visible, enabled option.
_OPTIONS_SCRIPT = """(el) => { """ + _OPTION_ELEMENTS_JS + """
  return optionElements(el).filter((o) => {
    const r = o.getBoundingClientRect(), st = getComputedStyle(o);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && o.getAttribute('aria-disabled') !== 'true';
  }).map((o) => [optionValue(o), o.textContent.trim()]).slice(0, 300);
}"""

# A person's press on an element that lists and pickers listen to (pointer and mouse events, then click).
_PRESS_JS = """const press = (o) => {
  for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup'])
    o.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true, composed: true}));
  o.click();
};
"""

_CLICK_OPTION_SCRIPT = """(el, [value, text]) => { """ + _OPTION_ELEMENTS_JS + _PRESS_JS + """
  for (const o of optionElements(el)) {
    if (optionValue(o) === value && o.textContent.trim() === text) {
      o.scrollIntoView({block: 'nearest'});
      press(o);
      return true;
    }
  }
  return false;
}"""


def date_value(value: str, field: FormField) -> str:
    """A year (year founded) as the date control wants it: 2012-01-01 for type=date, 2012-01 for month;
    a text date picker gets the format its placeholder shows (dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd)."""
    if not _YEAR.match(value):
        return value
    kind = field.type
    if kind == "date":
        return f"{value}-01-01"
    if kind == "month":
        return f"{value}-01"
    if kind == "datetime-local":
        return f"{value}-01-01T00:00"
    if kind == "week":
        return f"{value}-W01"
    hint = (field.placeholder or "").lower()
    if re.search(r"yyyy-mm-dd", hint):
        return f"{value}-01-01"
    if re.search(r"(dd|mm)[./-](dd|mm)[./-]yyyy", hint):
        return f"01{hint[2]}01{hint[2]}{value}"
    return value


def is_custom(field: FormField) -> bool:
    return getattr(field, "widget", None) in CUSTOM_WIDGETS


async def fill_widget(frame: Frame, field: FormField, mapping: FieldMapping, value: str,
                      profile: BusinessProfile) -> str | None:
    """Give `value` to a custom widget; returns what it now holds (the option's text for a combobox),
    None when it could not be filled."""
    locator = frame.locator(field.selector or "").first
    widget = getattr(field, "widget", None)
    try:
        if widget == "checkbox":
            if await locator.get_attribute("aria-checked") != "true":
                await locator.click()
            return value if await locator.get_attribute("aria-checked") == "true" else None
        if widget == "contenteditable":
            await locator.click()
            await locator.fill(value)
            return value
        if widget in ("combobox", "listbox"):
            return await _pick(frame, locator, field, mapping, value, profile)
    except Exception as exc:  # covered, detached, never showed options: the site's validation will say
        log.debug("widget %s (%s) not filled: %s", field.selector, widget, exc)
    return None


def _attempts(value: str) -> list[str]:
    """What to type: the value, then its first word, then that word's first letters (a site matching
    'Bakeries' does not match 'Bakery' but does match 'Bake')."""
    out = [value]
    first = value.split()[0] if value.split() else value
    for candidate in (first, first[:4], first[:3]):
        if candidate and candidate not in out and len(candidate) >= 3:
            out.append(candidate)
    return out


async def _pick(frame: Frame, locator: Locator, field: FormField, mapping: FieldMapping, value: str,
                profile: BusinessProfile) -> str | None:
    tag = await locator.evaluate("(el) => el.tagName.toLowerCase()")
    typeable = tag in ("input", "textarea") or await locator.evaluate("(el) => el.isContentEditable")
    tries = _attempts(value) if typeable else [""]
    for typed in tries:
        if typeable:
            await locator.click()
            await locator.fill("")
            await locator.press_sequentially(typed, delay=20)
        else:
            await locator.click()
        options = await _wait_options(locator)
        if not options and not typeable:
            await locator.press("ArrowDown")
            options = await _wait_options(locator)
        if not options:
            continue
        choices = [FieldOption(value=v, text=t) for v, t in options]
        chosen = choose_option(choices, mapping.key, profile) if mapping.key not in ("unknown",) else None
        if chosen is None:
            folded = value.casefold()
            chosen = next((c for c in choices if c.text.casefold() == folded), None)
        if chosen is None:
            continue
        if await locator.evaluate(_CLICK_OPTION_SCRIPT, [chosen.value, chosen.text]):
            await asyncio.sleep(0.1)
            if await locator.get_attribute("aria-expanded") == "true":
                await locator.press("Escape")  # a list that stays open would cover the next field
            return chosen.text
    return None


async def _wait_options(locator: Locator) -> list[list[str]]:
    """The options once the list has settled (the same twice in a row: a debounced filter has run)."""
    deadline = time.monotonic() + _OPTIONS_WAIT_S
    await asyncio.sleep(0.2)
    last: list[list[str]] | None = None
    while True:
        options = await locator.evaluate(_OPTIONS_SCRIPT)
        if options and options == last:
            return options
        if time.monotonic() > deadline:
            return options
        last = options
        await asyncio.sleep(0.25)


# A text box that takes no typing (read-only, no keyboard): a picker sets it.
_READ_ONLY_SCRIPT = """(el) => el.readOnly || el.getAttribute('inputmode') === 'none'
  || el.getAttribute('aria-readonly') === 'true'"""
# Elements showing exactly one of `wanted` (their text or aria-label): marked before the picker opens
# (`mark`), then the first shown one the picker added is clicked.
_PICKABLE_JS = DEEP_QUERY_JS + """
const says = (el, wanted) => wanted.some((w) => (el.textContent || '').trim() === w
  || el.getAttribute('aria-label') === w);
const pickable = (wanted) => [document, ...shadowRoots()].flatMap((root) => [...root.querySelectorAll('*')])
  .filter((el) => !['OPTION', 'SCRIPT', 'STYLE', 'INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) && says(el, wanted)
  && ![...el.children].some((c) => says(c, wanted)));
"""
_MARK_PICKABLE_SCRIPT = """(wanted) => { """ + _PICKABLE_JS + """
  for (const el of pickable(wanted)) el.setAttribute('data-dirbolt-before', '1');
}"""
_PICK_SCRIPT = """(wanted) => { """ + _PICKABLE_JS + _PRESS_JS + """
  for (const w of wanted) for (const el of pickable([w])) {
    if (el.hasAttribute('data-dirbolt-before')) continue;
    const r = el.getBoundingClientRect(), st = getComputedStyle(el);
    if (r.width < 1 || r.height < 1 || st.visibility === 'hidden') continue;
    press(el);
    return true;
  }
  return false;
}"""


async def pick_shown_value(frame: Frame, field: FormField, value: str) -> bool:
    """A read-only date or year box whose script keeps what its picker was clicked to (the box's own
    text is only shown): open the picker and click the cell that says the value (else its year).
    Nothing is done to a box that takes typing."""
    locator = frame.locator(field.selector or "").first
    wanted = [value, *[y for y in re.findall(r"\b\d{4}\b", value) if y != value][:1]]
    try:
        if not await locator.evaluate(_READ_ONLY_SCRIPT):
            return False
        await frame.evaluate(_MARK_PICKABLE_SCRIPT, wanted)
        await locator.click(timeout=2000)
        await asyncio.sleep(0.3)
        if await frame.evaluate(_PICK_SCRIPT, wanted):
            await asyncio.sleep(0.1)
            return True
        await locator.press("Escape")
    except Exception as exc:  # covered or gone: the site's validation will say if it mattered
        log.debug("picker of %s not used: %s", field.selector, exc)
    return False
