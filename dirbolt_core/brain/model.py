"""What the brain reads (forms, fields) and what it decides (mappings). The runner's contract."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field

Strategy = Literal["known_selector", "learned", "heuristic", "catalog_hint", "llm", "default"]


# Widgets a value is given to (see FormField.widget); "button" is clicked, not filled.
FILLABLE_WIDGETS = frozenset({"combobox", "listbox", "checkbox", "contenteditable", "date"})


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha())[:40]


class FieldOption(BaseModel):
    value: str
    text: str = ""
    selected: bool = False


class FormField(BaseModel):
    """One control of a form, as extracted from a live page or a saved file."""

    tag: str  # input | select | textarea | button
    type: str = "text"  # the input type (text, email, tel, checkbox, radio, hidden, submit, ...)
    name: str | None = None
    id: str | None = None
    label: str = ""  # the best human label found (for=, wrapping, aria-*, nearby text)
    placeholder: str | None = None
    autocomplete: str | None = None
    input_mode: str | None = None  # the inputmode attribute (tel, email, url, numeric...): the keyboard asked for
    aria_label: str | None = None
    title: str | None = None
    nearby_text: str = ""  # the text just before the control in document order
    image_before: str = ""  # src and alt of the last image between the previous control and this one
    text_after: str = ""  # the text just after: a checkbox's "I agree to ...", a hint "leave this empty"
    section: str = ""  # the legend of the enclosing fieldset
    css_class: str | None = None
    hints: str = ""  # class/id tokens of the wrappers around the control ("honeypot-textfield")
    options: list[FieldOption] = Field(default_factory=list)
    value: str | None = None  # the value attribute (checkbox/radio/button)
    required: bool = False
    maxlength: int | None = None
    size: int | None = None
    pattern: str | None = None
    visible: bool = True
    hidden_reason: str | None = None  # why it is not visible (css, off-screen, zero size, ...)
    # What is hidden with it: "control" (hidden on its own: a honeypot's way), "section" (a hidden
    # group: a later wizard step), "form" (the whole form is hidden: a closed pop-up).
    hidden_scope: str | None = None
    tabindex: int | None = None
    # How to reach it on a live page: a CSS selector unique within its frame (Playwright's CSS,
    # which pierces open shadow roots: fields of web components have one too).
    selector: str | None = None
    # A custom or special control the runner acts on in its own way (None: a plain native control).
    #   "combobox": role=combobox (a text box with a suggestion list, or an element that opens a
    #       listbox): type or open it, wait for [role=option], click the best match; `options`
    #       holds the list's options when they are already in the page (value = data-value or the
    #       option's text, text = its text). An <input list=...> with a <datalist> is one too.
    #   "listbox": a standalone role=listbox: click the option (`options` as above).
    #   "checkbox": a role=checkbox / role=switch element (not an <input>): type is "checkbox";
    #       click it to tick (aria-checked; Playwright's check() works on it).
    #   "contenteditable": an editable region (a rich-text description): type is "textarea";
    #       click and type (Playwright's fill() works on it).
    #   "date": <input type=date|month|datetime-local> or a text box with a date picker: fill the
    #       input (ISO date for type=date) or pick.
    #   "button": a clickable element that is not a <button>/<input> (role=button, a link or a div
    #       whose text says submit/send/create/add/register/continue...): type is "submit" when its
    #       text says so (else "button"); click it.
    widget: str | None = None
    # A data-* attribute naming the field (data-field, data-name, data-testid, data-qa...): React
    # apps' fields often have no name; this is one more voter for what the field means.
    data_name: str | None = None

    @property
    def is_fillable(self) -> bool:
        if self.widget in FILLABLE_WIDGETS:
            return True
        return self.tag in ("input", "select", "textarea") and self.type not in (
            "hidden", "submit", "button", "reset", "image", "file",
        )


class FormInfo(BaseModel):
    # Position among the page's forms: its <form> elements in document order first, then its
    # formless field groups (controls outside any <form>, grouped by container), so a page's
    # <form> indexes do not move when formless groups are found.
    index: int
    action: str | None = None
    method: str = "get"
    fields: list[FormField] = Field(default_factory=list)
    heading: str = ""  # nearby heading/legend text (helps tell a listing form from a search box)
    frame_url: str | None = None  # set when the form lives in an iframe
    selector: str | None = None  # CSS selector of the <form> element, when live
    name: str | None = None  # the form's name or id attribute
    # True for a field group without a <form>: its container (selector) holds the fields and a
    # submit-like control (a button, [role=button], a clickable "Submit"/"Create"/"Continue").
    formless: bool = False

    @property
    def signature(self) -> str:
        """Stable across visits, changes when the form's controls change (form drift).

        Built from each control's tag, type, name and label letters (digits dropped, so a
        captcha's "3 + 4" question does not count); hidden inputs (tokens, timestamps) and
        unnamed buttons are left out. Renaming, adding, removing or relabelling a field drifts.
        """
        parts = [f"{f.tag}:{f.type}:{f.name or ''}:{_letters(f.label)}" for f in self.fields
                 if f.type != "hidden" and (f.tag != "button" or f.name) and f.widget != "button"]
        material = "|".join(sorted(parts))
        return hashlib.sha256(material.encode()).hexdigest()[:16]


class FieldMapping(BaseModel):
    """The brain's decision for one field."""

    name: str | None = None
    id: str | None = None
    selector: str | None = None
    key: str  # a canonical key (profile or control key) of DESIGN.md
    part: int | None = None  # for split fields: 0-based part index (first/last, phone area/prefix/line)
    parts: int | None = None  # how many parts the value is split into
    confidence: float = 0.0
    strategy: Strategy = "heuristic"
    # How to format the value: e.g. "phone:digits", "phone:(ddd) ddd-dddd", "state:code",
    # "state:name", "url:with-scheme"; None keeps the profile text.
    format: str | None = None
    option: str | None = None  # for select/radio: the option value to choose
    # For a radio or checkbox group with a meaning (category, country...): the group's
    # choices (value, label), so the value helper can pick one without the rest of the form.
    choices: list[FieldOption] | None = None
    maxlength: int | None = None


class FormMapping(BaseModel):
    form_index: int
    signature: str
    fields: list[FieldMapping]
    # Overall: does this form look like a listing submission form at all?
    is_listing_form: bool = True

    def for_key(self, key: str) -> list[FieldMapping]:
        return [f for f in self.fields if f.key == key]
