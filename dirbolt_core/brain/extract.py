"""Form extraction from saved HTML (lxml) and from live pages (Playwright + the same parser).

On a live page a small script first tags every control with data-dirbolt-uid and
measures what only a browser knows (computed visibility, size, position, and which
element hides a hidden control); the page's current DOM is then parsed by the same
code as a saved file, so both paths agree.

What a control's label is, in order: <label for=id>, a wrapping <label>,
aria-labelledby, aria-label, and else the text just before it in document order
(table cells, divs and bare text alike). Checkboxes and radios also keep the text
right after them ("[x] I agree to the terms").

Visibility matters for honeypots: a control hidden on its own (its own style, or a
small wrapper around it) is a trap for bots; a control hidden with its whole form or
with a whole section (a closed login pop-up, a later wizard step) is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree

from dirbolt_core.brain.heuristics import first_rule
from dirbolt_core.brain.model import FieldOption, FormField, FormInfo

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

UID_ATTR = "data-dirbolt-uid"
HIDER_ATTR = "data-dirbolt-hider"
# Set by the live script on a control whose form owner (el.form) is a <form> it is not inside
# (a form opened inside a table is closed by the parser, its inputs still belong to it).
OWNER_ATTR = "data-dirbolt-form"
# Set by the live script on a clickable element (not a button) whose text says submit/create/...
CLICKABLE_ATTR = "data-dirbolt-clickable"
# Set by the live script on a shadow root's <slot> that shows its host's children (not its fallback).
SLOT_ATTR = "data-dirbolt-slot"
SHADOW_TAG = "dirbolt-shadow-root"  # a <template shadowrootmode> (declarative or serialized live)
_CONTROL_TAGS = ("input", "select", "textarea", "button")
_WIDGET_ROLES = ("combobox", "listbox", "checkbox", "switch", "textbox", "button")
# Every control and custom widget, in document order (an XPath union is ordered).
# The attributes that make a custom widget (cheaper to find than elements with a predicate).
_WIDGET_ATTRS_XPATH = etree.XPath(f"//@role | //@contenteditable | //@{CLICKABLE_ATTR}")
# Clickable elements that may be a formless form's submit when their text says so.
_CLICKABLE_XPATH = etree.XPath(
    "//a[@onclick or @href='#' or starts-with(@href, 'javascript') or not(@href)] | //*[@onclick]"
    " | //div[@tabindex] | //span[@tabindex]"
    " | //*[(self::a or self::div or self::span) and (contains(@class, 'btn') or contains(@class, 'utton'))]")
# What a submit-like control says: submit, send, create, add, register, continue... (the languages
# of the heuristics, cheaply). Shared with the live script (same syntax in Python and JavaScript).
SUBMIT_WORDS = (
    r"submit|send|save|create|add|register|sign ?up|continue|next|publish|post|apply|join|finish|"
    r"request|get listed|list (your|my)|claim|confirm|"
    r"absenden|senden|speichern|weiter|registrieren|eintragen|hinzufügen|erstellen|"
    r"envoyer|valider|enregistrer|continuer|inscri|ajouter|créer|suivant|"
    r"enviar|guardar|registrar|continuar|añadir|crear|siguiente|"
    r"invia|salva|registra|continua|aggiungi|crea|avanti|"
    r"verzenden|opslaan|registreren|doorgaan|toevoegen|aanmelden|volgende|"
    r"wyślij|zapisz|dodaj|utwórz|dalej|zarejestruj|"
    r"отправ|сохран|добав|созда|зарегистр|продолж|далее|"
    r"indsend|tilføj|opret|skicka|spara|gönder|kaydet|ekle|odeslat|uložit|küld|mentés"
)
_BUTTON_TEXT_PREFIX = r"^[\s>»→✓+*·•\-]*(?:"
_SUBMIT_TEXT = re.compile(_BUTTON_TEXT_PREFIX + SUBMIT_WORDS + ")", re.IGNORECASE)
_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "option", "optgroup", "select",
                             "textarea", "button"})
_WS = re.compile(r"\s+")
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:!important\s*)?(?:;|$)"
    r"|(?:left|top|right|margin-left|margin-top)\s*:\s*-\d{3,}(?:px|em|rem)?"
    r"|(?:width|height|max-height|max-width)\s*:\s*0(?:px)?\s*(?:!important\s*)?(?:;|$)"
    r"|clip\s*:\s*rect\(\s*0|text-indent\s*:\s*-\d{3,}",
    re.IGNORECASE,
)
_HIDING_CLASS = re.compile(
    r"(?:^|\s)(hidden|hide|d-none|invisible|sr-only|visually-hidden|screen-reader-text|none|display-none|"
    r"hp|honeypot|ohnohoney|hpot|trap|is-hidden|u-hidden|visuallyhidden)(?:\s|$)",
    re.IGNORECASE,
)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_TRAP = frozenset({"honeypot"})
_FILLABLE_TYPES = frozenset({"hidden", "submit", "button", "reset", "image", "file"})


def decode_html(html: str | bytes) -> str:
    """Text of a page: UTF-8 when it decodes, else the declared charset, else Windows-1252."""
    if isinstance(html, str):
        return _XML_DECL.sub("", html, count=1)
    try:
        text = html.decode("utf-8")
    except UnicodeDecodeError:
        m = _META_CHARSET.search(html[:4096])
        text = ""
        if m:
            try:
                text = html.decode(m.group(1).decode("ascii", "replace"), errors="replace")
            except LookupError:
                text = ""
        text = text or html.decode("cp1252", errors="replace")
    return _XML_DECL.sub("", text.lstrip("\ufeff"), count=1)


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _text(node: Any) -> str:
    """Visible-ish text of an element: without scripts, styles, options and nested controls."""
    parts: list[str] = []

    def walk(el: Any, root: bool = False) -> None:
        if not isinstance(el.tag, str) or (el.tag in _SKIP_TEXT_TAGS and not root):
            return
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(node, root=True)
    return _clean(" ".join(parts))


def _hidden_css_selectors(doc: Any) -> tuple[set[str], set[str], set[str]]:
    """Classes and ids that a <style> block hides with a simple rule (.hp{display:none}), and those
    of them hidden otherwise than by display:none (".c" / "#i": off-screen, transparent, zero size)."""
    classes: set[str] = set()
    ids: set[str] = set()
    out_of_view: set[str] = set()
    for style in doc.iter("style"):
        for selectors, body in _CSS_RULE.findall(style.text or ""):
            if not _HIDING_STYLE.search(body + ";"):
                continue
            removed = bool(_DISPLAY_NONE.search(body))
            for sel in selectors.split(","):
                sel = sel.strip()
                if not sel or ":" in sel.split()[-1]:  # :hover, :focus... do not hide at rest
                    continue
                last = sel.split()[-1]
                found_classes = [m.group(1) for m in re.finditer(r"\.([\w-]+)", last)]
                found_ids = [m.group(1) for m in re.finditer(r"#([\w-]+)", last)]
                classes.update(found_classes)
                ids.update(found_ids)
                if not removed:
                    out_of_view.update([f".{c}" for c in found_classes] + [f"#{i}" for i in found_ids])
    return classes, ids, out_of_view


# How a control is hidden, in `hidden_reason`: "display:none", "hidden attribute", "inline style",
# "stylesheet class/id" and classes like "hidden"/"d-none" take a box out of the page (what a
# script does to a field it shows later, and honeypots too); ", out of view" (off-screen,
# transparent, zero size, clipped) keeps it in the page where no one sees it: a honeypot's way.
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
OUT_OF_VIEW = ", out of view"


def _own_hidden_reason(node: Any, css_classes: set[str], css_ids: set[str],
                       out_of_view: set[str] | frozenset[str] = frozenset()) -> str | None:
    if node.get("hidden") is not None:
        return "hidden attribute"
    style = node.get("style") or ""
    if style and _HIDING_STYLE.search(style + ";"):
        return "inline style" if _DISPLAY_NONE.search(style) else "inline style" + OUT_OF_VIEW
    cls = node.get("class") or ""
    if cls and _HIDING_CLASS.search(cls):
        return f"class {cls.strip()[:40]}"
    if cls and css_classes.intersection(cls.split()):
        hidden_by = css_classes.intersection(cls.split())
        return "stylesheet class" + (OUT_OF_VIEW if all(f".{c}" in out_of_view for c in hidden_by) else "")
    if node.get("id") and node.get("id") in css_ids:
        return "stylesheet id" + (OUT_OF_VIEW if f"#{node.get('id')}" in out_of_view else "")
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None and value.strip() else None
    except ValueError:
        return None


def _css_escape(value: str) -> str:
    return re.sub(r'(["\\])', r"\\\1", value)


_DATA_NAME_ATTRS = ("data-field", "data-name", "data-field-name", "data-testid", "data-test-id", "data-test",
                    "data-qa", "data-cy", "data-key", "data-automation-id", "data-id")
_DATEPICKER = re.compile(r"date-?picker|datetimepicker|flatpickr|pikaday|hasDatepicker|datepick", re.IGNORECASE)
_NATIVE_DATE_TYPES = frozenset({"date", "month", "datetime-local", "week"})


def _role(el: Any) -> str:
    return (el.get("role") or "").strip().lower()


def _data_name(control: Any) -> str | None:
    for attr in _DATA_NAME_ATTRS:
        value = control.get(attr)
        if value and value.strip():
            return value.strip()[:80]
    return None


def _css_path(el: Any) -> str:
    """A structural selector for an element with no id, name or uid (saved pages only): tags with
    :nth-of-type up to the nearest ancestor with an id; across a shadow root, a descendant step."""
    if el.get("id"):
        return f'{el.tag}[id="{_css_escape(el.get("id"))}"]'
    parts: list[str] = []
    node = el
    while node is not None and isinstance(node.tag, str) and node.tag not in ("html", "body"):
        if node.tag == SHADOW_TAG:
            parts.append(" ")
            node = node.getparent()
            continue
        if node is not el and node.get("id"):
            parts.append(f'[id="{_css_escape(node.get("id"))}"]')
            break
        nth = 1 + sum(1 for sib in node.itersiblings(preceding=True) if sib.tag == node.tag)
        parts.append(f"{node.tag}:nth-of-type({nth})")
        node = node.getparent()
        if node is not None and node.tag == "body":
            parts.append("body")
    out = ""
    for part in reversed(parts):
        if part == " ":
            out += " "
        else:
            out += (part if not out or out.endswith(" ") else " > " + part)
    return out.strip() or el.tag


def _selector(control: Any) -> str:
    uid = control.get(UID_ATTR)
    if uid:
        return f'[{UID_ATTR}="{uid}"]'
    tag = control.tag
    if control.get("id"):
        return f'{tag}[id="{_css_escape(control.get("id"))}"]'
    if control.get("name"):
        sel = f'{tag}[name="{_css_escape(control.get("name"))}"]'
        if (control.get("type") or "").lower() in ("radio", "checkbox") and control.get("value") is not None:
            sel += f'[value="{_css_escape(control.get("value"))}"]'
        return sel
    for attr in (*_DATA_NAME_ATTRS, "aria-label", "placeholder"):
        if control.get(attr):
            return f'{tag}[{attr}="{_css_escape(control.get(attr))}"]'
    return _css_path(control)


def _widget(control: Any) -> str | None:
    """What custom control an element is (FormField.widget), None for a plain native control."""
    tag = control.tag
    role = _role(control)
    if tag in _CONTROL_TAGS:
        if tag == "button":  # component libraries' pickers and toggles: <button role=combobox|switch>
            if role in ("combobox", "listbox") or control.get("aria-haspopup") == "listbox":
                return "combobox"
            return "checkbox" if role in ("checkbox", "switch") else None
        if tag != "input":
            return None
        ctype = (control.get("type") or "text").strip().lower()
        if ctype in _NATIVE_DATE_TYPES:
            return "date"
        if role == "combobox":
            return "combobox"
        if ctype in ("text", "") and _DATEPICKER.search(" ".join(
                (control.get("class") or "", control.get("data-provide") or "", control.get("data-toggle") or ""))):
            return "date"
        return None
    if role in ("checkbox", "switch"):
        return "checkbox"
    if role in ("combobox", "listbox"):
        return role
    editable = control.get("contenteditable")
    if role == "textbox" or (editable is not None and editable.strip().lower() != "false"):
        return "contenteditable"
    return "button"


def _control_type(control: Any) -> str:
    tag = control.tag
    if tag in ("select", "textarea"):
        return tag
    if tag == "button" and (control.get("role") or control.get("aria-haspopup")):
        widget = _widget(control)
        if widget:
            return widget
    if tag in ("input", "button"):
        ctype = (control.get("type") or ("submit" if tag == "button" else "text")).strip().lower()
        return ctype or "text"
    widget = _widget(control)
    if widget == "contenteditable":
        return "text" if control.get("aria-multiline") == "false" else "textarea"
    if widget == "button":
        said = _text(control) or _clean(control.get("aria-label") or control.get("title"))  # an icon's name
        return "submit" if _SUBMIT_TEXT.search(said[:60]) else "button"
    return widget or "text"


def _is_fillable(control: Any) -> bool:
    if control.tag in ("select", "textarea"):
        return True
    if control.tag == "input":
        return _control_type(control) not in _FILLABLE_TYPES
    return _widget(control) not in (None, "button")


def _is_box(control: Any) -> bool:
    """A control whose label comes before it (not a checkbox or radio, whose label follows)."""
    return _is_fillable(control) and _control_type(control) not in ("checkbox", "radio")


def _is_opaque(el: Any) -> bool:
    """A control whose own text is its label or value, not the next field's label."""
    return el.tag == "button" or (el.tag not in _CONTROL_TAGS and _widget(el) != "checkbox")


@dataclass
class _Stream:
    """A form's text and controls in document order: the text before and after each control."""

    before: dict[int, str] = field(default_factory=dict)
    after: dict[int, str] = field(default_factory=dict)
    image: dict[int, str] = field(default_factory=dict)  # the last <img> between a control and the one before


_BLOCK_TAGS = frozenset({"br", "p", "div", "tr", "li", "td", "th", "dt", "dd", "label", "fieldset", "table",
                         "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "legend"})


def _text_stream(form: Any, controls: list[Any], css: tuple[set[str], set[str], set[str]] | None = None) -> _Stream:
    wanted = {id(c) for c in controls}
    stream = _Stream()
    pending: list[str] = []  # text since the last control
    last_ctrl: list[int | None] = [None]
    # The words right after a checkbox or radio ("[o] City") are its own, not the next box's label.
    owned = [False]
    last_image: list[str] = [""]

    def add_text(text: str | None) -> None:
        if not text or not text.strip():
            return
        if not owned[0]:
            pending.append(text)
        if last_ctrl[0] is not None:
            cur = stream.after.get(last_ctrl[0], "")
            if len(cur) < 120:
                stream.after[last_ctrl[0]] = (cur + " " + text).strip()

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comments, processing instructions
            return
        if id(el) in wanted:
            stream.before[id(el)] = _clean(" ".join(pending))[-240:]
            pending.clear()
            if last_image[0]:
                stream.image[id(el)] = last_image[0]
                last_image[0] = ""
            last_ctrl[0] = id(el)
            owned[0] = (tag == "input" and (el.get("type") or "").lower() in ("checkbox", "radio")) or (
                tag not in _CONTROL_TAGS and _widget(el) == "checkbox")
            if _is_opaque(el):  # a button's own text is its label, not the next field's
                return
        if tag == "img":
            last_image[0] = _clean(" ".join(filter(None, (el.get("src"), el.get("alt")))))[:300]
        if tag in _SKIP_TEXT_TAGS or tag == "legend":  # a legend is the section's title, kept apart
            if tag == "legend" and pending:
                pending.append(" | ")
            return
        if css is not None and _own_hidden_reason(el, *css) and next(el.iter(*_CONTROL_TAGS), None) is None:
            return  # hidden error messages and hints are not labels
        if tag in _BLOCK_TAGS:
            if pending:
                pending.append(" | ")
            if last_ctrl[0] is not None and stream.after.get(last_ctrl[0]):
                stream.after[last_ctrl[0]] += " | "
            if tag != "label":
                owned[0] = False
        add_text(el.text)
        for child in el:
            walk(child)
            add_text(child.tail)

    walk(form)
    return stream


def _chunks(text: str) -> list[str]:
    return [_clean(c) for c in text.split("|") if c.strip(" *:\xa0")]


def _nearby_texts(controls: list[Any], stream: _Stream) -> dict[int, str]:
    """The text nearest each control; a row of labels above a row of boxes is shared out in order."""
    out: dict[int, str] = {}
    befores = [_chunks(stream.before.get(id(c), "")) for c in controls]
    i = 0
    while i < len(controls):
        chunks = befores[i]
        # Boxes right after this one with no text of their own (a "labels row, boxes row" layout).
        j = i + 1
        while j < len(controls) and not befores[j] and _is_box(controls[j]) and _is_box(controls[i]) \
                and not _names_itself(controls[j]):
            j += 1
        run = j - i
        if run > 1 and len(chunks) >= run and all(len(c) <= 60 for c in chunks[-run:]):
            for k, chunk in enumerate(chunks[-run:]):
                out[id(controls[i + k])] = chunk[-120:]
            i = j
            continue
        if chunks:
            last = chunks[-1]
            if len(last) < 3 and len(chunks) > 1:
                last = chunks[-2] + " " + last
            out[id(controls[i])] = last[-120:]
        i += 1
    return out


def _names_itself(control: Any) -> bool:
    """A box that says what it is (placeholder, aria-label): not one of a row waiting for labels."""
    return bool(control.get("placeholder") or control.get("aria-label") or control.get("aria-labelledby"))


def _first_chunk(text: str) -> str:
    chunks = _chunks(text)
    return chunks[0][:120] if chunks else ""


def _ancestor_hints(control: Any, form: Any) -> str:
    """Class and id tokens of the control and its wrappers (up to the form): 'honeypot-textfield'..."""
    hints: list[str] = []
    node = control
    depth = 0
    while node is not None and node is not form and depth < 4:
        for attr in ("class", "id"):
            if node.get(attr) and node is not control:
                hints.append(node.get(attr))
        node = node.getparent()
        depth += 1
    return _clean(" ".join(hints))[:200]


def _sibling_label(control: Any) -> str:
    """A floating label: a <label> naming no control (no `for`, nothing inside) beside the only
    control of its wrapper, after the box as often as before it."""
    parent = control.getparent()
    if parent is None or not isinstance(parent.tag, str):
        return ""
    found = [sib for sib in (control.getprevious(), control.getnext())
             if sib is not None and sib.tag == "label" and not sib.get("for")
             and not any(isinstance(d.tag, str) and d.tag in _CONTROL_TAGS for d in sib.iter())]
    if len(found) != 1 or sum(1 for c in parent if isinstance(c.tag, str) and c.tag in _CONTROL_TAGS) != 1:
        return ""
    return _text(found[0])


def _section(control: Any, form: Any) -> str:
    """The caption of the group a control is in: a fieldset's legend, a role=group's label."""
    node = control.getparent()
    while node is not None and node is not form and isinstance(node.tag, str):
        if node.tag == "fieldset":
            for legend in node.iter("legend"):
                return _text(legend)[:80]
        if _role(node) in ("group", "radiogroup"):
            refs = [r for r in (node.get("aria-labelledby") or "").split() if r]
            names = [_text(ref) for ref in (node.getroottree().getroot().get_element_by_id(r, None) for r in refs)
                     if ref is not None]
            caption = " ".join(n for n in names if n) or _clean(node.get("aria-label"))
            if caption:
                return caption[:80]
        node = node.getparent()
    return ""


class _FormContext:
    """Per-document facts every control of every form reads."""

    def __init__(self, doc: Any, live: dict[str, dict] | None, shadow: bool = False):
        self.doc = doc
        self.live = live
        # With shadow roots, ids are looked up within the element's own root (each web component
        # may have its own id="x" and <label for="x">).
        self.shadow = shadow
        self.labels_for: dict[tuple[Any, str], list[Any]] = {}
        for lbl in doc.iter("label"):
            if lbl.get("for"):
                self.labels_for.setdefault((self.scope(lbl), lbl.get("for")), []).append(lbl)
        self.css = _hidden_css_selectors(doc)
        # An <input> inside an ARIA 1.1 combobox wrapper: the input is the field, the wrapper's
        # listbox its options.
        self.combo_wrapper: dict[Any, Any] = {}
        # Keyed by the element itself: an lxml proxy's id() is reused once it is collected.
        self._hidden_cache: dict[Any, tuple[Any, str] | None] = {}

    def scope(self, el: Any) -> Any:
        """The shadow root (SHADOW_TAG element) an element lives in; None for the document."""
        if not self.shadow:
            return None
        return next((a for a in el.iterancestors() if a.tag == SHADOW_TAG), None)

    def by_id(self, ref: str, near: Any) -> Any:
        scope = self.scope(near)
        if scope is None:
            return self.doc.get_element_by_id(ref, None)
        return next(iter(scope.xpath(".//*[@id=$ref]", ref=ref)), None)

    def labels(self, control: Any) -> list[Any]:
        cid = control.get("id")
        return self.labels_for.get((self.scope(control), cid), []) if cid else []

    def widget(self, control: Any) -> str | None:
        return "combobox" if control in self.combo_wrapper else _widget(control)

    def aria_options(self, control: Any, widget: str | None) -> list[FieldOption]:
        """Options of a combobox's listbox (aria-controls / aria-owns), of a listbox, or a <datalist>."""
        owner = self.combo_wrapper.get(control, control)
        boxes: list[Any] = []
        if widget == "listbox":
            boxes.append(control)
        for source in (owner, control):
            for attr in ("aria-controls", "aria-owns", "list"):
                for ref in (source.get(attr) or "").split():
                    found = self.by_id(ref, source)
                    if found is not None and found not in boxes:
                        boxes.append(found)
        options: list[FieldOption] = []
        for box in boxes:
            if box.tag == "datalist":
                for o in box.iter("option"):
                    value = o.get("value") if o.get("value") is not None else _text(o)
                    options.append(FieldOption(value=value, text=_clean(o.get("label") or o.text_content() or value)))
                continue
            for o in box.xpath(".//*[@role='option']"):
                text = _text(o)
                options.append(FieldOption(value=o.get("data-value") or o.get("value") or text, text=text,
                                           selected=o.get("aria-selected") == "true"))
        return options[:500]

    def static_hider(self, control: Any) -> tuple[Any, str] | None:
        """The nearest element (the control or an ancestor) that hides the control, and why."""
        chain: list[Any] = []
        node = control
        result: tuple[Any, str] | None = None
        while node is not None and isinstance(node.tag, str):
            if node in self._hidden_cache:
                result = self._hidden_cache[node]
                break
            chain.append(node)
            reason = _own_hidden_reason(node, *self.css)
            if node is not control and node.get("aria-hidden") == "true" and reason is None:
                reason = "aria-hidden container"
            if reason:
                result = (node, reason)
                break
            node = node.getparent()
        for n in chain:
            # Cache only ancestors' answers: a control's own hiding does not hide its siblings.
            if n is not control:
                self._hidden_cache[n] = result if result is None or result[0] is not control else None
        return result


def _visibility(control: Any, form: Any, fillable: list[Any], ctx: _FormContext,
                hider_counts: dict[Any, int]) -> tuple[bool, str | None, str | None]:
    """(visible, reason, scope) where scope is control | section | form."""
    ctype = _control_type(control)
    if ctype == "hidden":
        return False, "type=hidden", "control"
    uid = control.get(UID_ATTR)
    if ctx.live is not None and uid in ctx.live:
        info = ctx.live[uid]
        if info.get("visible", True):
            return True, None, None
        if info.get("hider_contains_form"):
            return False, info.get("reason"), "form"
        hider = info.get("hider") or uid
        return False, info.get("reason"), _scope(hider_counts.get(hider, 1), len(fillable))
    found = ctx.static_hider(control)
    if found is None:
        return True, None, None
    node, reason = found
    if node is form or _contains(node, form):
        return False, reason, "form"
    return False, reason, _scope(hider_counts.get(node, 1), len(fillable))


def _scope(hidden_together: int, fillable_in_form: int) -> str:
    """A hider around one control (of a form with others) hides a trap; around several, a section."""
    if hidden_together <= 1 and fillable_in_form > 1:
        return "control"
    return "section"


def _contains(ancestor: Any, node: Any) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _hider_counts(fillable: list[Any], form: Any, ctx: _FormContext) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for c in fillable:
        if ctx.live is not None and c.get(UID_ATTR) in ctx.live:
            info = ctx.live[c.get(UID_ATTR)]
            if not info.get("visible", True):
                hider = info.get("hider") or c.get(UID_ATTR)
                counts[hider] = counts.get(hider, 0) + 1
            continue
        found = ctx.static_hider(c)
        if found is not None:
            counts[found[0]] = counts.get(found[0], 0) + 1
    return counts


def _field(control: Any, form: Any, ctx: _FormContext, stream: _Stream, nearby: dict[int, str],
           fillable: list[Any], hider_counts: dict[Any, int]) -> FormField:
    tag = control.tag
    ctype = _control_type(control)
    label_parts: list[str] = []
    cid = control.get("id")
    label_parts += [_text(lbl) for lbl in ctx.labels(control)]
    parent = control.getparent()
    while parent is not None and isinstance(parent.tag, str) and parent is not form:
        if parent.tag == "label":
            label_parts.append(_text(parent))
            break
        parent = parent.getparent()
    if not any(label_parts):
        label_parts.append(_sibling_label(control))
    # An ARIA 1.1 combobox names its wrapper, not the input inside.
    named = control if control not in ctx.combo_wrapper or control.get("aria-labelledby") or \
        control.get("aria-label") else ctx.combo_wrapper[control]
    labelledby = named.get("aria-labelledby")
    if labelledby:
        for ref in labelledby.split():
            found = ctx.by_id(ref, control)
            if found is not None:
                label_parts.append(_text(found))
    aria_label = named.get("aria-label")
    label = next((p for p in label_parts if p), "") or _clean(aria_label)
    widget = ctx.widget(control)
    if (tag == "button" and widget is None) or widget == "button" or ctype in ("submit", "button", "reset", "image"):
        label = label or _text(control) or _clean(control.get("value")) or _clean(control.get("alt"))
    placeholder = control.get("placeholder") or control.get("data-placeholder") or control.get("aria-placeholder")
    options: list[FieldOption] = []
    if tag == "select":
        options = [FieldOption(value=o.get("value") if o.get("value") is not None else _text(o),
                               text=_clean(o.text_content()), selected=o.get("selected") is not None)
                   for o in control.iter("option")]
    elif widget in ("combobox", "listbox") or (tag == "input" and control.get("list")):
        options = ctx.aria_options(control, widget)
        if widget == "combobox" and tag != "input" and not placeholder:
            shown = _text(control)  # what the closed box shows: "Choose a category"
            placeholder = shown[:80] if shown and len(shown) <= 80 else None
    visible, reason, scope = _visibility(control, form, fillable, ctx, hider_counts)
    return FormField(
        tag=tag, type=ctype, name=control.get("name"), id=cid, label=label[:200],
        placeholder=placeholder, widget=widget, data_name=_data_name(control),
        autocomplete=control.get("autocomplete"), input_mode=control.get("inputmode"), aria_label=aria_label,
        title=control.get("title"),
        nearby_text=nearby.get(id(control), ""), image_before=stream.image.get(id(control), ""),
        text_after=_first_chunk(stream.after.get(id(control), "")),
        section=_section(control, form), css_class=control.get("class"), hints=_ancestor_hints(control, form),
        options=options, value=control.get("value"),
        required=control.get("required") is not None or control.get("aria-required") == "true",
        maxlength=_int(control.get("maxlength")), size=_int(control.get("size")), pattern=control.get("pattern"),
        visible=visible, hidden_reason=reason, hidden_scope=scope, tabindex=_int(control.get("tabindex")),
        selector=_selector(control),
    )


def _heading(form: Any) -> str:
    for tag in ("legend", "h1", "h2", "h3", "h4"):
        for h in form.iter(tag):
            return _text(h)[:120]
    node = form
    for _ in range(3):
        prev = node.getprevious()
        while prev is not None:
            if isinstance(prev.tag, str) and prev.tag in ("h1", "h2", "h3", "h4", "p", "legend"):
                return _text(prev)[:120]
            prev = prev.getprevious()
        node = node.getparent()
        if node is None:
            break
    return ""


def parse_document(html: str | bytes) -> Any | None:
    text = decode_html(html)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def extract_forms_from_html(html: str | bytes, *, live: dict[str, dict] | None = None,
                            frame_url: str | None = None) -> list[FormInfo]:
    """Every <form> of the document, in document order, with its controls."""
    doc = parse_document(html)
    if doc is None:
        return []
    return extract_forms_from_doc(doc, live=live, frame_url=frame_url)


def extract_forms_from_doc(doc: Any, *, live: dict[str, dict] | None = None,
                           frame_url: str | None = None) -> list[FormInfo]:
    """The page's <form> elements in document order, then its formless field groups."""
    has_templates = _mark_shadow_roots(doc)
    if has_templates and live is not None:
        _flatten_slots(doc)
    ctx = _FormContext(doc, live, shadow=has_templates and next(doc.iter(SHADOW_TAG), None) is not None)
    controls = _collect_controls(doc, ctx, has_templates)
    forms: list[FormInfo] = []
    form_els = list(doc.iter("form"))
    if has_templates:
        form_els = [f for f in form_els if not _in_inert_template(f)]
    owned: set[Any] = set()
    if form_els:
        form_set = set(form_els)
        ancestors_of: dict[Any, list[Any]] = {}
        for c in controls:
            chain = [a for a in c.iterancestors() if a in form_set]
            if chain:
                ancestors_of[c] = chain
        by_id = {f.get("id"): f for f in form_els if f.get("id")}
        by_uid = {f.get(UID_ATTR): f for f in form_els if f.get(UID_ATTR)}
        claimed: dict[Any, list[Any]] = {}
        for c in controls:
            owner = by_id.get(c.get("form")) if c.get("form") else None
            if owner is None and c.get(OWNER_ATTR):
                owner = by_uid.get(c.get(OWNER_ATTR))
            if owner is not None:
                claimed.setdefault(owner, []).append(c)
        inside_of: dict[Any, list[Any]] = {}
        for c in controls:
            for form in ancestors_of.get(c, ()):
                inside_of.setdefault(form, []).append(c)
        for index, form in enumerate(form_els):
            inside = inside_of.get(form, [])
            # Controls outside the <form> that name it (form="id", or the browser's form owner).
            extra = [c for c in claimed.get(form, ()) if form not in ancestors_of.get(c, ())]
            owned.update(inside)
            owned.update(extra)
            uid = form.get(UID_ATTR)
            forms.append(_form_info(form, inside + extra, ctx, index=index, frame_url=frame_url,
                                    text_root=_common_ancestor([form, *extra]) if extra else None,
                                    selector=f'[{UID_ATTR}="{uid}"]' if uid else f"form >> nth={index}",
                                    action=form.get("action"), method=(form.get("method") or "get").lower(),
                                    name=form.get("name") or form.get("id")))
    orphans = [c for c in controls if c not in owned]
    if any(_is_field(c) for c in orphans):
        for container, members in _formless_groups(orphans, owned):
            uid = container.get(UID_ATTR)
            forms.append(_form_info(container, members, ctx, index=len(forms), frame_url=frame_url,
                                    selector=f'[{UID_ATTR}="{uid}"]' if uid else _css_path(container),
                                    action=None, method="post", name=container.get("id") or container.get("name"),
                                    formless=True))
    return forms


def _form_info(container: Any, controls: list[Any], ctx: _FormContext, *, index: int, frame_url: str | None,
               selector: str, action: str | None, method: str, name: str | None,
               formless: bool = False, text_root: Any = None) -> FormInfo:
    # Controls outside the <form> (form="id", or a form the parser closed inside a table) take
    # their labels from the text around them too.
    stream = _text_stream(container if text_root is None else text_root, controls, ctx.css)
    fillable = [c for c in controls if _is_fillable(c)]
    counts = _hider_counts(fillable, container, ctx)
    nearby = _nearby_texts(controls, stream)
    fields = [_field(c, container, ctx, stream, nearby, fillable, counts) for c in controls]
    for f, nxt in pairwise(fields):
        # The words after a box in view that are the caption of a hidden box right after it (a
        # honeypot's "Leave blank" row) are that box's, not this one's hint. (Between two boxes in
        # view they stay with both: which one a hint belongs to is not known, and a trap is
        # better left empty twice than filled once.)
        if f.text_after and f.visible and not nxt.visible and f.type not in ("checkbox", "radio") \
                and nxt.nearby_text.startswith(f.text_after) and first_rule(f.text_after, _TRAP):
            f.text_after = ""
    return FormInfo(index=index, action=action, method=method, fields=fields, heading=_heading(container),
                    frame_url=frame_url, selector=selector, name=name, formless=formless)


def _mark_shadow_roots(doc: Any) -> bool:
    """Declarative shadow roots (<template shadowrootmode=open>) become SHADOW_TAG elements, read
    like any other markup; other templates stay inert. True when the document has templates."""
    found = False
    for t in doc.iter("template"):
        found = True
        if t.get("shadowrootmode") is not None or t.get("shadowroot") is not None:
            t.tag = SHADOW_TAG
    return found


def _flatten_slots(doc: Any) -> None:
    """Read a web component as a person sees it: the host's children its shadow root shows through a
    <slot> (a label's text, a button's caption, a slotted control) move to where the slot is."""
    for root in list(doc.iter(SHADOW_TAG)):
        host = root.getparent()
        if host is None:
            continue
        for slot in list(root.iter("slot")):
            if slot.get(SLOT_ATTR) is None:
                continue
            name = slot.get("name")
            light = [c for c in host if c is not root and isinstance(c.tag, str)]
            moved = [c for c in light if (c.get("slot") or None) == (name or None)]
            for child in list(slot):
                slot.remove(child)
            slot.text = None
            if not name:  # the default slot shows the host's own text too
                slot.text = root.tail
                root.tail = None
            for child in moved:
                slot.append(child)


def _in_inert_template(el: Any) -> bool:
    return any(a.tag == "template" for a in el.iterancestors())


def _collect_controls(doc: Any, ctx: _FormContext, has_templates: bool) -> list[Any]:
    """Native controls and custom widgets in document order (a widget's inner parts folded into it;
    an ARIA 1.1 combobox wrapper into its input; a combobox's listbox into the combobox)."""
    raw = _controls_in_order(doc)
    if has_templates:
        raw = [c for c in raw if not _in_inert_template(c)]
    controlled: set[str] = set()
    for c in raw:
        if _role(c) == "combobox":
            for attr in ("aria-controls", "aria-owns"):
                controlled.update((c.get(attr) or "").split())
    controls: list[Any] = []
    widgets: set[Any] = set()  # accepted non-native widgets: what is inside them is theirs
    for c in raw:
        if c.tag in _CONTROL_TAGS:
            wrapper = next((a for a in c.iterancestors() if a in widgets), None) if widgets else None
            if wrapper is not None:
                if c.tag == "input" and _widget(wrapper) == "combobox":
                    ctx.combo_wrapper[c] = wrapper
                    controls.remove(wrapper)
                    widgets.discard(wrapper)
                elif _widget(wrapper) == "button":
                    continue
                else:
                    controls.remove(wrapper)
                    widgets.discard(wrapper)
            controls.append(c)
            continue
        if widgets and any(a in widgets for a in c.iterancestors()):
            continue
        widget = _widget(c)
        if widget == "listbox" and c.get("id") in controlled:
            continue  # a combobox's list: its options belong to the combobox
        if widget == "button" and not (c.get("role") or c.get(CLICKABLE_ATTR)):
            continue
        widgets.add(c)
        controls.append(c)
    return controls


def _controls_in_order(doc: Any) -> list[Any]:
    """Native controls, and elements with a widget role, contenteditable or the clickable mark,
    in document order."""
    natives = list(doc.iter(*_CONTROL_TAGS))
    extra: list[Any] = []
    seen: set[Any] = set()
    for attr in _WIDGET_ATTRS_XPATH(doc):
        el = attr.getparent()
        if el is None or el.tag in _CONTROL_TAGS or el in seen:
            continue
        value = str(attr).strip().lower()
        if (attr.attrname == "role" and value not in _WIDGET_ROLES) or (
                attr.attrname == "contenteditable" and value == "false"):
            continue
        seen.add(el)
        extra.append(el)
    if not extra:
        return natives
    wanted = set(natives) | seen
    return [el for el in doc.iter() if el in wanted]


def _formless_groups(orphans: list[Any], owned: set[Any]) -> list[tuple[Any, list[Any]]]:
    """Controls outside every <form>, grouped by container: each submit-like control's container is
    its nearest ancestor holding a fillable control; a field belongs to the innermost such
    container; a container with one field inside another's joins the outer group. Fields with no
    submit-like control around them make one group under their common ancestor."""
    fill = [c for c in orphans if _is_field(c)]
    holders: dict[Any, int] = {}
    for c in fill:
        for a in c.iterancestors():
            holders[a] = holders.get(a, 0) + 1
    orphan_set = set(orphans)
    extra = [x for x in _extra_clickables(orphans[0], owned) if x not in orphan_set]
    submits = [c for c in orphans if _submit_like(c)] + extra
    containers: set[Any] = set()
    for sub in submits:
        for a in sub.iterancestors():
            if holders.get(a):
                containers.add(a)
                break
    for c in fill:  # an explicit form role is a container of its own
        for a in c.iterancestors():
            if _role(a) in ("form", "search"):
                containers.add(a)
                break
    members_of: dict[Any, list[Any]] = {}
    leftovers: list[Any] = []
    everything = _document_order(orphans + extra) if extra else orphans
    for c in everything:
        home = next((a for a in c.iterancestors() if a in containers), None)
        if home is None:
            if _is_field(c):
                leftovers.append(c)
            continue
        members_of.setdefault(home, []).append(c)
    # Small inner groups (a row with its own "Add" button) join the group around them.
    for container in sorted(members_of, key=lambda el: -sum(1 for _ in el.iterancestors())):
        members = members_of[container]
        if sum(1 for m in members if _is_field(m)) > 1:
            continue
        outer = next((a for a in container.iterancestors() if a in members_of), None)
        if outer is not None:
            members_of[outer] += members_of.pop(container)
    if leftovers:
        common = _common_ancestor(leftovers)
        if common is leftovers[0] and common.getparent() is not None:
            common = common.getparent()
        loose = [c for c in everything if c not in leftovers and not _is_field(c)
                 and common in set(c.iterancestors()) and not any(c in m for m in members_of.values())]
        members_of.setdefault(common, []).extend(leftovers + loose)
    order = {id(c): i for i, c in enumerate(everything)}
    groups = [(container, sorted(members, key=lambda m: order.get(id(m), 0)))
              for container, members in members_of.items()]
    groups = [(c, m) for c, m in groups if any(_is_field(x) for x in m)]
    groups.sort(key=lambda g: order.get(id(g[1][0]), 0))
    return groups


def _is_field(control: Any) -> bool:
    """Something a person gives: a fillable control, or a file to upload."""
    return _is_fillable(control) or (control.tag == "input" and _control_type(control) == "file")


def _submit_like(el: Any) -> bool:
    """A control that closes a group: a submit input, any <button> but a reset (scripted pages
    make every button type=button), a custom button whose text says submit/create/..."""
    ctype = _control_type(el)
    if el.tag == "input":
        return ctype in ("submit", "image")
    if el.tag == "button":
        return ctype != "reset" and _widget(el) is None
    return _widget(el) == "button" and ctype == "submit"


def _extra_clickables(any_el: Any, owned: set[Any]) -> list[Any]:
    """Links, divs and spans a script makes clickable, whose short text says submit/create/..."""
    root = any_el.getroottree().getroot()
    found: list[Any] = []
    for el in _CLICKABLE_XPATH(root):
        if el.get("role") or el.get(CLICKABLE_ATTR) or el in owned:
            continue  # already a control
        text = el.text_content()
        if not text or len(text) > 200:
            continue
        text = _clean(text)
        if len(text) > 40 or not _SUBMIT_TEXT.search(text):
            continue
        if next(el.iter(*_CONTROL_TAGS), None) is not None:
            continue
        if any(a.tag == "form" for a in el.iterancestors()):
            continue
        if found and any(a is found[-1] for a in el.iterancestors()):
            continue  # <a class=btn><span class=btn-label>Submit</span></a>: the outer one
        found.append(el)
    return found


def _common_ancestor(els: list[Any]) -> Any:
    chain = [els[0], *els[0].iterancestors()]
    rest = [set(e.iterancestors()) | {e} for e in els[1:]]
    for a in chain:
        if all(a in r for r in rest):
            return a
    return chain[-1]


def _document_order(els: list[Any]) -> list[Any]:
    if not els:
        return []
    wanted = set(els)
    root = els[0].getroottree().getroot()
    return [el for el in root.iter() if el in wanted]


_LIVE_SCRIPT = """
([attr, hiderAttr, ownerAttr, clickAttr, submitWords, slotAttr]) => {
  const out = {};
  let n = 0;
  const uidOf = (el) => {
    let uid = el.getAttribute(attr);
    if (!uid) { uid = String(++n) + '-' + Math.random().toString(36).slice(2, 7); el.setAttribute(attr, uid); }
    return uid;
  };
  // Up the tree, out of a shadow root to its host.
  const up = (node) => node.parentElement || (node.parentNode && node.parentNode.host) || null;
  const offscreen = (r) => r.right <= 0 || r.bottom <= 0
    || r.left >= Math.max(document.documentElement.scrollWidth, 4000) || r.top < -1000;
  const labelOf = (el) => el.closest('label')
    || (el.id && el.getRootNode().querySelector('label[for="' + CSS.escape(el.id) + '"]'));
  // The document and every open shadow root in it (web components, nested ones too).
  const roots = [document];
  const shadowRoots = [];
  for (let i = 0; i < roots.length; i++) {
    for (const el of roots[i].querySelectorAll('*')) {
      if (el.shadowRoot) { roots.push(el.shadowRoot); shadowRoots.push(el.shadowRoot); }
    }
  }
  // Clickable elements (not buttons) whose short text says submit/create/add/continue...
  const submitRx = new RegExp('^[\\\\s>»→✓+*·•\\\\-]*(?:' + submitWords + ')', 'i');
  const native = 'input, select, textarea, button';
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const text = t.nodeValue.trim();
      if (!text || text.length > 40 || !submitRx.test(text)) continue;
      let el = t.parentElement;
      for (let depth = 0; el && depth < 4; depth++, el = el.parentElement) {
        if (el.matches(native) || el.closest(native)) { el = null; break; }
        const tag = el.tagName;
        if (tag === 'A' && el.getAttribute('href') && !/^(#|javascript:)/i.test(el.getAttribute('href'))) {
          el = null; break;  // a link to another page is navigation, not a submit
        }
        if (el.getAttribute('role') === 'button' || el.hasAttribute('onclick') || el.hasAttribute('tabindex')
            || tag === 'A' || getComputedStyle(el).cursor === 'pointer') break;
      }
      if (el && (el.textContent || '').trim().length <= 40 && !el.querySelector(native)) {
        el.setAttribute(clickAttr, '1');
      }
    }
  }
  const selector = 'form, input, select, textarea, button, [role=combobox], [role=listbox], [role=checkbox], '
    + '[role=switch], [role=textbox], [role=button], [contenteditable]:not([contenteditable=false]), '
    + '[' + clickAttr + ']';
  for (const root of roots) {
  for (const el of root.querySelectorAll(selector)) {
    const uid = uidOf(el);
    if (el.tagName === 'FORM') continue;
    if (el.form && !el.form.contains(el)) el.setAttribute(ownerAttr, uidOf(el.form));
    let visible = true, reason = null, hider = null;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'hidden') { visible = false; reason = 'type=hidden'; hider = el; }
    else {
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      const top = document.documentElement;
      for (let node = el; node && node !== document.body && node !== top; node = up(node)) {
        const s = getComputedStyle(node);
        if (s.display === 'none') { reason = 'display:none'; hider = node; break; }
        if (parseFloat(s.opacity) === 0) { reason = 'opacity:0'; hider = node; break; }
        if (node !== el && (s.overflow === 'hidden' || s.overflowX === 'hidden' || s.overflowY === 'hidden')) {
          const nr = node.getBoundingClientRect();
          if (nr.width < 2 || nr.height < 2) { reason = 'clipped by a zero-size box'; hider = node; break; }
        }
      }
      if (!hider && style.visibility === 'hidden') {
        reason = 'visibility:hidden'; hider = el;
        for (let p = up(el); p && p !== document.body; p = up(p)) {
          if (getComputedStyle(p).visibility === 'hidden') hider = p; else break;
        }
      }
      const box = type === 'checkbox' || type === 'radio';
      if (box && hider === el && reason === 'opacity:0') {
        // A styled box: the input itself is transparent or tucked away and its label is what shows.
        const lbl = labelOf(el);
        const lr = lbl ? lbl.getBoundingClientRect() : null;
        if (lr && lr.width >= 2 && lr.height >= 2 && !offscreen(lr)) { hider = null; reason = null; }
      }
      if (!hider) {
        if (box) {
          // Styled checkboxes are often zero-size with a visible label; judge by the label.
          const lbl = labelOf(el);
          const lr = lbl ? lbl.getBoundingClientRect() : r;
          if (lr.width < 1 && lr.height < 1 && r.width < 1 && r.height < 1) { reason = 'zero size'; hider = el; }
        } else if (r.width < 2 || r.height < 2) { reason = 'zero size'; hider = el; }
        else if (offscreen(r)) {
          reason = 'off-screen'; hider = el;
          for (let p = up(el); p && p !== document.body; p = up(p)) {
            if (offscreen(p.getBoundingClientRect())) hider = p; else break;
          }
        }
        else if (style.clip && style.clip.startsWith('rect(0')) { reason = 'clipped'; hider = el; }
      }
      visible = !hider;
    }
    let hiderId = null, containsForm = false;
    if (hider) {
      hiderId = hider.getAttribute(hiderAttr);
      if (!hiderId) { hiderId = 'h' + (++n); hider.setAttribute(hiderAttr, hiderId); }
      containsForm = !!(el.form && (hider === el.form || hider.contains(el.form)));
    }
    out[uid] = {visible, reason, hider: hiderId, hider_contains_form: containsForm};
  }
  }
  // The HTML is read in this same turn of the page's event loop: read in a second round trip, a
  // script rendering meanwhile would give controls that carry no marks (visibility unknown).
  // Open shadow roots are not in the page's HTML: serialize them as declarative shadow roots. A slot
  // showing its host's children is marked, so the parser reads those children where they show.
  let html;
  for (const root of shadowRoots) {
    for (const slot of root.querySelectorAll('slot')) {
      const shows = slot.assignedNodes().some((c) => c.nodeType === 1 || (c.nodeValue || '').trim());
      if (shows) slot.setAttribute(slotAttr, '1'); else slot.removeAttribute(slotAttr);
    }
  }
  if (shadowRoots.length && document.documentElement.getHTML) {
    html = '<!DOCTYPE html><html>' + document.documentElement.getHTML({shadowRoots}) + '</html>';
  } else {
    html = '<!DOCTYPE html>' + document.documentElement.outerHTML;
  }
  return {info: out, html, loading: document.readyState === 'loading'};
}
"""


@dataclass(frozen=True)
class FrameRead:
    """What a live read saw of a frame besides its forms."""

    html: str  # the document as read (the forms were parsed from it)
    loading: bool  # the document was still being parsed: forms may yet be incomplete


async def extract_forms_from_frame(frame: Frame, reads: dict[Frame, FrameRead] | None = None) -> list[FormInfo]:
    """The frame's forms, read live; `reads` (when given) keeps what the read saw of the frame."""
    found = await frame.evaluate(_LIVE_SCRIPT, [UID_ATTR, HIDER_ATTR, OWNER_ATTR, CLICKABLE_ATTR, SUBMIT_WORDS,
                                                SLOT_ATTR])
    live = found["info"]
    if reads is not None:
        reads[frame] = FrameRead(found["html"], bool(found.get("loading")))
    return extract_forms_from_html(found["html"], live=live, frame_url=frame.url if frame.parent_frame else None)


async def extract_forms_from_page(page: Page, reads: dict[Frame, FrameRead] | None = None
                                  ) -> list[tuple[Frame, FormInfo]]:
    """Forms of the main frame first, then of each iframe, each with the frame it lives in;
    `reads` (when given) gets what each frame's read saw."""
    found: list[tuple[Frame, FormInfo]] = []
    for frame in page.frames:
        try:
            forms = await extract_forms_from_frame(frame, reads)
        except Exception:  # a frame that navigates away mid-read has no forms to offer
            continue
        found += [(frame, f) for f in forms]
    return found
