"""Form extraction from saved HTML (lxml) and from live pages (Playwright + the same parser).

On a live page a small script first tags every control with data-dirbolt-uid and
measures what only a browser knows (computed visibility, size, position); the page's
current DOM is then parsed by the same code as a saved file, so both paths agree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree

from dirbolt_core.brain.model import FieldOption, FormField, FormInfo

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

UID_ATTR = "data-dirbolt-uid"
_CONTROL_TAGS = ("input", "select", "textarea", "button")
_WS = re.compile(r"\s+")
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)"
    r"|(?:left|top)\s*:\s*-\d{3,}px|(?:width|height)\s*:\s*0(?:px)?\s*(?:;|$)"
    r"|clip\s*:\s*rect\(\s*0|text-indent\s*:\s*-\d{3,}",
    re.IGNORECASE,
)
_HIDING_CLASS = re.compile(
    r"(?:^|\s)(hidden|hide|d-none|invisible|sr-only|visually-hidden|screen-reader-text|hp|honeypot|"
    r"ohnohoney|hpot|trap)(?:\s|$)",
    re.IGNORECASE,
)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _text(node: Any) -> str:
    return _WS.sub(" ", node.text_content() if hasattr(node, "text_content") else str(node)).strip()


def _label_text(label: Any, control: Any) -> str:
    """A label's text without the text of controls nested in it (option lists...)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node is not label and isinstance(node.tag, str) and node.tag in ("select", "textarea", "button",
                                                                            "script", "style", "option"):
            if node.tail:
                parts.append(node.tail)
            return
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            walk(child)
        if node is not label and node.tail:
            parts.append(node.tail)

    walk(label)
    return _WS.sub(" ", " ".join(parts)).strip()


def _hidden_css_selectors(doc: Any) -> tuple[set[str], set[str]]:
    """Classes and ids that a <style> block hides with a simple rule (.hp{display:none})."""
    classes: set[str] = set()
    ids: set[str] = set()
    for style in doc.iter("style"):
        for selectors, body in _CSS_RULE.findall(style.text or ""):
            if not _HIDING_STYLE.search(body + ";"):
                continue
            for sel in selectors.split(","):
                last = sel.strip().split()[-1] if sel.strip() else ""
                classes.update(m.group(1) for m in re.finditer(r"\.([\w-]+)", last))
                ids.update(m.group(1) for m in re.finditer(r"#([\w-]+)", last))
    return classes, ids


def _static_hidden_reason(control: Any, css_classes: set[str], css_ids: set[str]) -> str | None:
    node = control
    while node is not None and isinstance(node.tag, str):
        if node.get("hidden") is not None:
            return "hidden attribute"
        if node.get("aria-hidden") == "true" and node is not control:
            return "aria-hidden container"
        style = node.get("style") or ""
        if style and _HIDING_STYLE.search(style + ";"):
            return "inline style"
        cls = node.get("class") or ""
        if cls and _HIDING_CLASS.search(cls):
            return f"class {cls.strip()}"
        if cls and css_classes.intersection(cls.split()):
            return "stylesheet class"
        if node.get("id") and node.get("id") in css_ids:
            return "stylesheet id"
        node = node.getparent()
    return None


def _nearby_text(control: Any) -> str:
    """Text just before the control: a previous sibling, or the previous table cell."""
    texts: list[str] = []
    prev = control.getprevious()
    if control.getparent() is not None and (control.getparent().text or "").strip() and prev is None:
        texts.append(control.getparent().text)
    while prev is not None and len(texts) < 2:
        if isinstance(prev.tag, str) and prev.tag not in _CONTROL_TAGS and prev.tag not in ("script", "style", "br"):
            t = _text(prev)
            if t:
                texts.append(t)
                break
        if prev.tail and prev.tail.strip():
            texts.append(prev.tail)
            break
        prev = prev.getprevious()
    if not texts:
        cell = control.getparent()
        while cell is not None and isinstance(cell.tag, str) and cell.tag not in ("td", "th", "div", "li", "p", "dd"):
            cell = cell.getparent()
        if cell is not None and cell.tag in ("td", "dd"):
            prev_cell = cell.getprevious()
            if prev_cell is not None:
                texts.append(_text(prev_cell))
    return _WS.sub(" ", " ".join(texts)).strip()[:200]


def _heading(form: Any) -> str:
    for tag in ("legend", "h1", "h2", "h3", "h4"):
        for h in form.iter(tag):
            return _text(h)[:120]
    prev = form.getprevious()
    while prev is not None:
        if isinstance(prev.tag, str) and prev.tag in ("h1", "h2", "h3", "h4", "p"):
            return _text(prev)[:120]
        prev = prev.getprevious()
    return ""


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None and value.strip() else None
    except ValueError:
        return None


def _css_escape(value: str) -> str:
    return re.sub(r'(["\\])', r"\\\1", value)


def _selector(control: Any) -> str:
    uid = control.get(UID_ATTR)
    if uid:
        return f'[{UID_ATTR}="{uid}"]'
    tag = control.tag
    if control.get("id"):
        return f'{tag}[id="{_css_escape(control.get("id"))}"]'
    if control.get("name"):
        sel = f'{tag}[name="{_css_escape(control.get("name"))}"]'
        if control.get("type") in ("radio", "checkbox") and control.get("value") is not None:
            sel += f'[value="{_css_escape(control.get("value"))}"]'
        return sel
    return tag


def _field(control: Any, labels_for: dict[str, list[Any]], doc: Any, css: tuple[set[str], set[str]],
           live: dict[str, dict] | None) -> FormField:
    tag = control.tag
    ctype = (control.get("type") or ("submit" if tag == "button" else "text")).lower()
    if tag in ("select", "textarea"):
        ctype = tag
    label_parts: list[str] = []
    cid = control.get("id")
    if cid and cid in labels_for:
        label_parts += [_label_text(lbl, control) for lbl in labels_for[cid]]
    parent = control.getparent()
    while parent is not None and isinstance(parent.tag, str):
        if parent.tag == "label":
            label_parts.append(_label_text(parent, control))
            break
        if parent.tag == "form":
            break
        parent = parent.getparent()
    aria_label = control.get("aria-label")
    labelledby = control.get("aria-labelledby")
    if labelledby:
        for ref in labelledby.split():
            found = doc.get_element_by_id(ref, None)
            if found is not None:
                label_parts.append(_text(found))
    label = next((p for p in label_parts if p), "") or (aria_label or "")
    if tag == "button" or ctype in ("submit", "button", "reset", "image"):
        label = label or _text(control) or (control.get("value") or "")
    options = []
    if tag == "select":
        options = [FieldOption(value=o.get("value") if o.get("value") is not None else _text(o),
                               text=_text(o), selected=o.get("selected") is not None)
                   for o in control.iter("option")]
    uid = control.get(UID_ATTR)
    visible, reason = True, None
    if live is not None and uid in live:
        visible, reason = live[uid]["visible"], live[uid].get("reason")
    elif ctype != "hidden":
        reason = _static_hidden_reason(control, *css)
        visible = reason is None
    if ctype == "hidden":
        visible, reason = False, "type=hidden"
    return FormField(
        tag=tag, type=ctype, name=control.get("name"), id=cid, label=label[:200],
        placeholder=control.get("placeholder"), autocomplete=control.get("autocomplete"),
        aria_label=aria_label, title=control.get("title"), nearby_text=_nearby_text(control),
        options=options, value=control.get("value"), required=control.get("required") is not None
        or control.get("aria-required") == "true", maxlength=_int(control.get("maxlength")),
        pattern=control.get("pattern"), visible=visible, hidden_reason=reason,
        tabindex=_int(control.get("tabindex")), selector=_selector(control),
    )


def extract_forms_from_html(html: str | bytes, *, live: dict[str, dict] | None = None,
                            frame_url: str | None = None) -> list[FormInfo]:
    """Every <form> of the document, in document order, with its controls."""
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        return []
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    labels_for: dict[str, list[Any]] = {}
    for lbl in doc.iter("label"):
        if lbl.get("for"):
            labels_for.setdefault(lbl.get("for"), []).append(lbl)
    css = _hidden_css_selectors(doc)
    forms: list[FormInfo] = []
    for index, form in enumerate(doc.iter("form")):
        fields = [
            _field(c, labels_for, doc, css, live)
            for c in form.iter(*_CONTROL_TAGS)
        ]
        # Controls outside the <form> that name it with form="id" belong to it too.
        if form.get("id"):
            fields += [_field(c, labels_for, doc, css, live)
                       for c in doc.iter(*_CONTROL_TAGS) if c.get("form") == form.get("id")]
        uid = form.get(UID_ATTR)
        forms.append(FormInfo(
            index=index, action=form.get("action"), method=(form.get("method") or "get").lower(),
            fields=fields, heading=_heading(form), frame_url=frame_url,
            selector=f'[{UID_ATTR}="{uid}"]' if uid else f"form >> nth={index}",
        ))
    return forms


_LIVE_SCRIPT = """
(attr) => {
  const out = {};
  let n = 0;
  const els = document.querySelectorAll('form, input, select, textarea, button');
  for (const el of els) {
    const uid = el.getAttribute(attr) || String(++n) + '-' + Math.random().toString(36).slice(2, 7);
    el.setAttribute(attr, uid);
    if (el.tagName === 'FORM') continue;
    let visible = true, reason = null;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'hidden') { visible = false; reason = 'type=hidden'; }
    else {
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      let node = el, hiddenAncestor = null;
      while (node && node !== document.body) {
        const s = getComputedStyle(node);
        if (s.display === 'none') { hiddenAncestor = 'display:none'; break; }
        if (parseFloat(s.opacity) === 0) { hiddenAncestor = 'opacity:0'; break; }
        node = node.parentElement;
      }
      if (hiddenAncestor) { visible = false; reason = hiddenAncestor; }
      else if (style.visibility === 'hidden') { visible = false; reason = 'visibility:hidden'; }
      else if ((type === 'checkbox' || type === 'radio')) {
        // Styled checkboxes are often zero-size with a visible label; judge by the label.
        const lbl = el.closest('label') || (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
        const lr = lbl ? lbl.getBoundingClientRect() : r;
        if (lr.width < 1 && lr.height < 1 && r.width < 1 && r.height < 1) { visible = false; reason = 'zero size'; }
      }
      else if (r.width < 2 || r.height < 2) { visible = false; reason = 'zero size'; }
      else if (r.right < 0 || r.bottom < 0 || r.left > Math.max(document.documentElement.scrollWidth, 4000)
               || r.top < -1000) { visible = false; reason = 'off-screen'; }
      else if (style.clip && style.clip.startsWith('rect(0')) { visible = false; reason = 'clipped'; }
    }
    out[uid] = {visible, reason};
  }
  return out;
}
"""


async def extract_forms_from_frame(frame: Frame) -> list[FormInfo]:
    live = await frame.evaluate(_LIVE_SCRIPT, UID_ATTR)
    html = await frame.content()
    return extract_forms_from_html(html, live=live, frame_url=frame.url if frame.parent_frame else None)


async def extract_forms_from_page(page: Page) -> list[tuple[Frame, FormInfo]]:
    """Forms of the main frame first, then of each iframe, each with the frame it lives in."""
    found: list[tuple[Frame, FormInfo]] = []
    for frame in page.frames:
        try:
            forms = await extract_forms_from_frame(frame)
        except Exception:  # a frame that navigates away mid-read has no forms to offer
            continue
        found += [(frame, f) for f in forms]
    return found
