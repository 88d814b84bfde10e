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
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree

from dirbolt_core.brain.model import FieldOption, FormField, FormInfo

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

UID_ATTR = "data-dirbolt-uid"
HIDER_ATTR = "data-dirbolt-hider"
_CONTROL_TAGS = ("input", "select", "textarea", "button")
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


def _hidden_css_selectors(doc: Any) -> tuple[set[str], set[str]]:
    """Classes and ids that a <style> block hides with a simple rule (.hp{display:none})."""
    classes: set[str] = set()
    ids: set[str] = set()
    for style in doc.iter("style"):
        for selectors, body in _CSS_RULE.findall(style.text or ""):
            if not _HIDING_STYLE.search(body + ";"):
                continue
            for sel in selectors.split(","):
                sel = sel.strip()
                if not sel or ":" in sel.split()[-1]:  # :hover, :focus... do not hide at rest
                    continue
                last = sel.split()[-1]
                classes.update(m.group(1) for m in re.finditer(r"\.([\w-]+)", last))
                ids.update(m.group(1) for m in re.finditer(r"#([\w-]+)", last))
    return classes, ids


def _own_hidden_reason(node: Any, css_classes: set[str], css_ids: set[str]) -> str | None:
    if node.get("hidden") is not None:
        return "hidden attribute"
    style = node.get("style") or ""
    if style and _HIDING_STYLE.search(style + ";"):
        return "inline style"
    cls = node.get("class") or ""
    if cls and _HIDING_CLASS.search(cls):
        return f"class {cls.strip()[:40]}"
    if cls and css_classes.intersection(cls.split()):
        return "stylesheet class"
    if node.get("id") and node.get("id") in css_ids:
        return "stylesheet id"
    return None


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
        if (control.get("type") or "").lower() in ("radio", "checkbox") and control.get("value") is not None:
            sel += f'[value="{_css_escape(control.get("value"))}"]'
        return sel
    return tag


def _control_type(control: Any) -> str:
    tag = control.tag
    if tag in ("select", "textarea"):
        return tag
    ctype = (control.get("type") or ("submit" if tag == "button" else "text")).strip().lower()
    return ctype or "text"


def _is_fillable(control: Any) -> bool:
    return control.tag in ("select", "textarea") or (
        control.tag == "input" and _control_type(control) not in _FILLABLE_TYPES)


def _is_box(control: Any) -> bool:
    """A control whose label comes before it (not a checkbox or radio, whose label follows)."""
    return _is_fillable(control) and _control_type(control) not in ("checkbox", "radio")


@dataclass
class _Stream:
    """A form's text and controls in document order: the text before and after each control."""

    before: dict[int, str] = field(default_factory=dict)
    after: dict[int, str] = field(default_factory=dict)


_BLOCK_TAGS = frozenset({"br", "p", "div", "tr", "li", "td", "th", "dt", "dd", "label", "fieldset", "table",
                         "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "legend"})


def _text_stream(form: Any, controls: list[Any], css: tuple[set[str], set[str]] | None = None) -> _Stream:
    wanted = {id(c) for c in controls}
    stream = _Stream()
    pending: list[str] = []  # text since the last control
    last_ctrl: list[int | None] = [None]
    # The words right after a checkbox or radio ("[o] City") are its own, not the next box's label.
    owned = [False]

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
            last_ctrl[0] = id(el)
            owned[0] = tag == "input" and (el.get("type") or "").lower() in ("checkbox", "radio")
            if tag == "button":  # a button's own text is its label, not the next field's
                return
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
        while j < len(controls) and not befores[j] and _is_box(controls[j]) and _is_box(controls[i]):
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


def _section(control: Any, form: Any) -> str:
    node = control.getparent()
    while node is not None and node is not form:
        if node.tag == "fieldset":
            for legend in node.iter("legend"):
                return _text(legend)[:80]
        node = node.getparent()
    return ""


class _FormContext:
    """Per-document facts every control of every form reads."""

    def __init__(self, doc: Any, live: dict[str, dict] | None):
        self.doc = doc
        self.live = live
        self.labels_for: dict[str, list[Any]] = {}
        for lbl in doc.iter("label"):
            if lbl.get("for"):
                self.labels_for.setdefault(lbl.get("for"), []).append(lbl)
        self.css = _hidden_css_selectors(doc)
        # Keyed by the element itself: an lxml proxy's id() is reused once it is collected.
        self._hidden_cache: dict[Any, tuple[Any, str] | None] = {}

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
    if cid and cid in ctx.labels_for:
        label_parts += [_text(lbl) for lbl in ctx.labels_for[cid]]
    parent = control.getparent()
    while parent is not None and isinstance(parent.tag, str) and parent is not form:
        if parent.tag == "label":
            label_parts.append(_text(parent))
            break
        parent = parent.getparent()
    labelledby = control.get("aria-labelledby")
    if labelledby:
        for ref in labelledby.split():
            found = ctx.doc.get_element_by_id(ref, None)
            if found is not None:
                label_parts.append(_text(found))
    aria_label = control.get("aria-label")
    label = next((p for p in label_parts if p), "") or _clean(aria_label)
    if tag == "button" or ctype in ("submit", "button", "reset", "image"):
        label = label or _text(control) or _clean(control.get("value")) or _clean(control.get("alt"))
    options: list[FieldOption] = []
    if tag == "select":
        options = [FieldOption(value=o.get("value") if o.get("value") is not None else _text(o),
                               text=_clean(o.text_content()), selected=o.get("selected") is not None)
                   for o in control.iter("option")]
    visible, reason, scope = _visibility(control, form, fillable, ctx, hider_counts)
    return FormField(
        tag=tag, type=ctype, name=control.get("name"), id=cid, label=label[:200],
        placeholder=control.get("placeholder") or control.get("data-placeholder"),
        autocomplete=control.get("autocomplete"), aria_label=aria_label, title=control.get("title"),
        nearby_text=nearby.get(id(control), ""), text_after=_first_chunk(stream.after.get(id(control), "")),
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
    ctx = _FormContext(doc, live)
    forms: list[FormInfo] = []
    for index, form in enumerate(doc.iter("form")):
        controls = list(form.iter(*_CONTROL_TAGS))
        # Controls outside the <form> that name it with form="id" belong to it too.
        if form.get("id"):
            inside = {id(c) for c in controls}
            controls += [c for c in doc.iter(*_CONTROL_TAGS) if c.get("form") == form.get("id")
                         and id(c) not in inside]
        stream = _text_stream(form, controls, ctx.css)
        fillable = [c for c in controls if _is_fillable(c)]
        counts = _hider_counts(fillable, form, ctx)
        nearby = _nearby_texts(controls, stream)
        fields = [_field(c, form, ctx, stream, nearby, fillable, counts) for c in controls]
        uid = form.get(UID_ATTR)
        forms.append(FormInfo(
            index=index, action=form.get("action"), method=(form.get("method") or "get").lower(),
            fields=fields, heading=_heading(form), frame_url=frame_url,
            selector=f'[{UID_ATTR}="{uid}"]' if uid else f"form >> nth={index}",
            name=form.get("name") or form.get("id"),
        ))
    return forms


_LIVE_SCRIPT = """
([attr, hiderAttr]) => {
  const out = {};
  let n = 0;
  const uidOf = (el) => {
    let uid = el.getAttribute(attr);
    if (!uid) { uid = String(++n) + '-' + Math.random().toString(36).slice(2, 7); el.setAttribute(attr, uid); }
    return uid;
  };
  const offscreen = (r) => r.right <= 0 || r.bottom <= 0
    || r.left >= Math.max(document.documentElement.scrollWidth, 4000) || r.top < -1000;
  const els = document.querySelectorAll('form, input, select, textarea, button');
  for (const el of els) {
    const uid = uidOf(el);
    if (el.tagName === 'FORM') continue;
    let visible = true, reason = null, hider = null;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'hidden') { visible = false; reason = 'type=hidden'; hider = el; }
    else {
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      const top = document.documentElement;
      for (let node = el; node && node !== document.body && node !== top; node = node.parentElement) {
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
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          if (getComputedStyle(p).visibility === 'hidden') hider = p; else break;
        }
      }
      const box = type === 'checkbox' || type === 'radio';
      if (box && hider === el && reason === 'opacity:0') {
        // A styled box: the input itself is transparent or tucked away and its label is what shows.
        const lbl = el.closest('label')
          || (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
        const lr = lbl ? lbl.getBoundingClientRect() : null;
        if (lr && lr.width >= 2 && lr.height >= 2 && !offscreen(lr)) { hider = null; reason = null; }
      }
      if (!hider) {
        if (box) {
          // Styled checkboxes are often zero-size with a visible label; judge by the label.
          const lbl = el.closest('label')
            || (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
          const lr = lbl ? lbl.getBoundingClientRect() : r;
          if (lr.width < 1 && lr.height < 1 && r.width < 1 && r.height < 1) { reason = 'zero size'; hider = el; }
        } else if (r.width < 2 || r.height < 2) { reason = 'zero size'; hider = el; }
        else if (offscreen(r)) {
          reason = 'off-screen'; hider = el;
          for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
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
  return out;
}
"""


async def extract_forms_from_frame(frame: Frame) -> list[FormInfo]:
    live = await frame.evaluate(_LIVE_SCRIPT, [UID_ATTR, HIDER_ATTR])
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
