"""A hook after extraction: <button> elements that are ARIA widgets, not buttons.

Component libraries render a category picker as `<button role="combobox">` (or `aria-haspopup=
"listbox"`) and a terms toggle as `<button role="switch">`. Extraction reads every <button> as a
button; here the live page says which ones are widgets, and the field is given what extraction
gives the same widget on a <div>: a combobox (opened and picked) or a checkbox (clicked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dirbolt_core.brain.model import FormField, FormInfo
from dirbolt_core.runner.domjs import DEEP_QUERY_JS

if TYPE_CHECKING:
    from playwright.async_api import Frame

_ROLES_SCRIPT = """(sels) => { """ + DEEP_QUERY_JS + """ return sels.map((sel) => {
  const el = deepQuery(sel);
  if (!el) return null;
  const role = (el.getAttribute('role') || '').toLowerCase();
  if (role === 'combobox' || role === 'listbox' || el.getAttribute('aria-haspopup') === 'listbox') return 'combobox';
  if (role === 'switch' || role === 'checkbox') return 'checkbox';
  return null;
}); }"""


def _widget_field(field: FormField, widget: str) -> FormField:
    kind = "combobox" if widget == "combobox" else "checkbox"
    return field.model_copy(update={"tag": "div", "type": kind, "widget": widget})


async def widget_buttons(found: list[tuple[Frame, FormInfo]]) -> list[tuple[Frame, FormInfo]]:
    """The forms with their ARIA-widget buttons turned into widget fields (in place of the button)."""
    out: list[tuple[Frame, FormInfo]] = []
    for frame, form in found:
        candidates = [i for i, f in enumerate(form.fields)
                      if f.tag == "button" and f.type == "button" and f.selector and f.widget is None]
        if not candidates:
            out.append((frame, form))
            continue
        try:
            roles = await frame.evaluate(_ROLES_SCRIPT, [form.fields[i].selector for i in candidates])
        except Exception:  # the frame navigated: the next read sees it again
            out.append((frame, form))
            continue
        fields = list(form.fields)
        for i, widget in zip(candidates, roles, strict=True):
            if widget:
                fields[i] = _widget_field(fields[i], widget)
        out.append((frame, form.model_copy(update={"fields": fields})))
    return out
