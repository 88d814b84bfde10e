"""Outcome analysis: what did the directory say after we pressed submit?

Rules over the final page's visible text, its URL change and HTTP status, each with
a confidence and the evidence that decided it. Unknown pages are `failed` with a low
confidence rather than a guessed success.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree
from pydantic import BaseModel, Field

from dirbolt_core.vocabulary import SubmissionStatus

_WS = re.compile(r"\s+")


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


CAPTCHA = _rx(r"captcha", r"g-recaptcha", r"h-captcha", r"cf-turnstile", r"are you a robot",
              r"i'?m not a robot", r"type the characters", r"security check")
LOGIN_WALL = _rx(r"(please |you must )?(log ?in|sign ?in) (to|before) (continue|submit|add|list|proceed)",
                 r"members only", r"login required", r"create an account to", r"sign in to your account",
                 r"bitte melden sie sich an", r"connectez-vous", r"inicia sesión")
DUPLICATE = _rx(r"already (been )?(listed|exists|registered|in our directory|submitted)",
                r"duplicate (listing|entry|submission)", r"listing for this business exists",
                r"bereits eingetragen", r"déjà (inscrit|référencé)", r"ya existe")
PENDING = _rx(r"pending (review|approval|moderation)",
              r"(under|awaiting|waiting for) (review|approval|moderation)",
              r"will be reviewed", r"once (it is )?(approved|reviewed)", r"(review|moderation|approval) queue",
              r"(waiting|queued) for (a |an |the )?(moderator|editor|reviewer|review|approval|moderation)",
              r"will (go|be) (live|published|online|visible|listed) (after|once|when|within)",
              r"(sent|send|submitted|forwarded|passed) (\w+ ){0,2}(for|to) (approval|review|moderation)",
              r"review(ed)? by our (editors|team|moderators)",
              r"wird geprüft", r"en attente de (validation|modération)", r"pendiente de revisión",
              r"oczekuje na (akceptację|moderację)")
# The directory mailed a link that must be opened before the listing exists.
VERIFY = _rx(r"(we('ve| have)?|has been|was|have been) (just )?(sent|e-?mailed|mailed)( you)? (an? |the )?"
             r"(e-?mail|message|link|confirmation)",
             r"check your (e-?mail|inbox|mailbox)", r"(confirmation|verification|activation) (e-?mail|link|message)"
             r" (is |has been |was )?(sent|on its way)",
             r"the (e-?mail|message|link) we('ve| have)? (just )?(sent|e-?mailed|mailed)( you| to you)?\b",
             r"(activation|confirmation|verification) link (in|to) your (inbox|e-?mail|mailbox)",
             r"(look|watch|keep an eye) (out )?for (a|an|our|the) (confirmation|verification|activation) "
             r"(e-?mail|link|message)",
             r"(click|follow|open) the (confirmation |verification |activation )?link (in|we)",
             r"(confirm|verify) your (e-?mail|address|listing|submission) (address )?(by|via|using|to)",
             r"bestätigungs-?(e-?mail|link)", r"e-?mail de (confirmation|vérification)",
             r"correo (electrónico )?de (confirmación|verificación)", r"link aktywacyjny",
             r"e-?mail di conferma")
LIVE = _rx(r"(is|now) (live|published|online)", r"went (live|online)", r"(you'?re|you are|is|are) (now )?listed\b",
           r"now (appears|shows|visible) (in|on)", r"(listing|page|profile|business) is (now )?(visible|searchable)",
           r"\bpublished!", r"listing (has been )?(published|approved|created)",
           r"view your listing", r"jetzt online", r"est en ligne")
SUCCESS = _rx(r"thank(s| you)", r"success(fully)?",
              r"(has been|was) (submitted|received|sent|added|created|registered|saved|listed)",
              r"(submission|registration|sign-?up) (received|complete|successful)",
              r"we('ve| have)? (just )?received", r"vielen dank", r"danke",
              r"merci", r"gracias", r"dziękujemy", r"grazie", r"obrigad", r"спасибо", r"confirmation")
VALIDATION = _rx(r"is required", r"required field", r"(is |are )?(not )?(a )?(valid|invalid)",
                 r"must (be|contain|accept|include|not)", r"please (correct|fix|enter|provide|fill|select)",
                 r"too long", r"at most \d+ characters", r"cannot be (empty|blank)", r"pflichtfeld",
                 r"obligatoire", r"obligatorio", r"wymagane", r"fehler", r"error")
REFUSAL = _rx(r"\bsorry\b", r"we (only|do not|don'?t) (accept|list)", r"cannot (accept|list)",
              r"not (accepted|eligible)", r"(was|has been) (rejected|refused|declined)", r"refused",
              r"not allowed", r"outside (our|the) (area|region)")
ERROR_CONTAINERS = ("[role=alert]", ".error", ".errors", ".alert-danger", ".invalid-feedback", ".errorlist",
                    ".notice-error", ".form-error", ".field-error", ".message.error")


class OutcomeAnalysis(BaseModel):
    status: SubmissionStatus
    confidence: float
    reason: str | None = None
    listing_url: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    validation_errors: list[str] = Field(default_factory=list)
    transient: bool = False
    retry_after_s: float | None = None


def visible_text(html: str) -> str:
    try:
        doc = lxml.html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError):
        return ""
    for bad in doc.xpath("//head|//script|//style|//noscript|//template"):
        bad.drop_tree()
    # Block elements end in a space so "Thank you" and the next line do not run together.
    for block in doc.xpath("//p|//div|//h1|//h2|//h3|//h4|//li|//br|//td|//section|//article|//header|//main"):
        block.tail = " " + (block.tail or "")
    return _WS.sub(" ", doc.text_content()).strip()


def error_messages(html: str) -> list[str]:
    """Text of the page's error containers (role=alert, .error, ...)."""
    try:
        doc = lxml.html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for sel in ERROR_CONTAINERS:
        try:
            nodes = doc.cssselect(sel)
        except Exception:  # cssselect missing or a selector it cannot parse
            nodes = []
        for node in nodes:
            items = [_WS.sub(" ", li.text_content()).strip() for li in node.iter("li")]
            text = _WS.sub(" ", node.text_content()).strip()
            for msg in items or [text]:
                if msg and msg not in found:
                    found.append(msg)
    return found


_LISTING_LINK_TEXT = _rx(r"view (your |the )?(listing|profile|page|entry|business)", r"see (your )?(listing|profile)",
                        r"your (listing|profile|entry|page)\b", r"eintrag ansehen", r"voir (votre )?(fiche|annonce)",
                        r"ver (su |tu )?(ficha|anuncio|listado)", r"zobacz (wpis|wizyt)")
_NOT_LISTING_HREF = re.compile(r"^(#|javascript:|mailto:|tel:)|/(submit|login|signin|sign-in|register|add)\b",
                               re.IGNORECASE)


def find_listing_url(html: str, base_url: str | None, near: str | None = None) -> str | None:
    """The live listing's URL: a link that says it is the listing, or the link the success message
    itself carries ("Your listing has been published: <a>https://…/l/123</a>")."""
    try:
        doc = lxml.html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError):
        return None
    for bad in doc.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    if base_url:
        doc.make_links_absolute(base_url, resolve_base_href=True)
    page = (base_url or "").split("#")[0]

    def usable(a: Any) -> str | None:
        href = (a.get("href") or "").strip()
        if not href or _NOT_LISTING_HREF.search(href) or href.split("#")[0] == page:
            return None
        return href

    for a in doc.iter("a"):
        href = usable(a)
        if not href:
            continue
        text = _WS.sub(" ", a.text_content() or "").strip()
        ident = (a.get("id") or "") + " " + (a.get("class") or "") + " " + (a.get("rel") or "")
        if "listing" in href.lower() or "listing" in ident.lower() or _LISTING_LINK_TEXT.search(text):
            return href
    if near:
        # The smallest element that says the listing is live, and the links in it (or around it).
        needle = near.lower()
        holders = [el for el in doc.iter() if isinstance(el.tag, str) and el.tag not in ("html", "body")
                   and needle in _WS.sub(" ", el.text_content() or "").lower()]
        if holders:
            holder = min(holders, key=lambda el: len(el.text_content() or ""))
            for scope in (holder, holder.getparent()):
                if scope is None:
                    continue
                links = [h for h in (usable(a) for a in scope.iter("a")) if h]
                if len(links) == 1:
                    return links[0]
    return None


def classify_outcome(
    html: str,
    *,
    url: str | None = None,
    status_code: int | None = None,
    before_url: str | None = None,
    inline_messages: list[str] | None = None,
    retry_after: str | None = None,
) -> OutcomeAnalysis:
    """Classify the page a directory answered with after the final submit."""
    evidence: dict[str, Any] = {"url": url, "status_code": status_code, "url_changed": bool(
        url and before_url and url.split("#")[0] != before_url.split("#")[0])}
    if status_code == 429:
        wait = _parse_retry_after(retry_after)
        return OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.95, reason="429 Too Many Requests",
                               transient=True, retry_after_s=wait, evidence=evidence)
    if status_code is not None and status_code >= 500:
        return OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.95,
                               reason=f"HTTP {status_code} from the directory", transient=True, evidence=evidence)
    inline_messages = [_WS.sub(" ", m).strip() for m in inline_messages or []]
    inline = " ".join(inline_messages)
    text = (inline + " " + visible_text(html)).strip()
    # The page's error containers item by item, then inline messages that say more than they do.
    # A container that says the listing went through (a success toast with role=alert) is no error.
    errors = [e for e in error_messages(html) if not _good_news(e)]
    errors += [m for m in inline_messages if (VALIDATION.search(m) or REFUSAL.search(m))
               and not any(e in m for e in errors)]
    evidence["text_excerpt"] = text[:300]

    def hit(pattern: re.Pattern[str], where: str) -> str | None:
        m = pattern.search(where)
        return m.group(0) if m else None

    if m := hit(DUPLICATE, text):
        return OutcomeAnalysis(status=SubmissionStatus.SKIPPED, confidence=0.9, reason="duplicate listing: " +
                               _sentence(text, m), evidence={**evidence, "matched": m})
    if errors:
        joined = "; ".join(errors)[:500]
        refusal = hit(REFUSAL, joined)
        if refusal and not hit(VALIDATION, joined):
            return OutcomeAnalysis(status=SubmissionStatus.REJECTED, confidence=0.85, reason=joined,
                                   validation_errors=[], evidence={**evidence, "matched": refusal})
        return OutcomeAnalysis(status=SubmissionStatus.REJECTED, confidence=0.8, reason=joined,
                               validation_errors=errors, evidence={**evidence, "errors": errors})
    if m := hit(VERIFY, text):
        # Sent, but nothing exists until the mailed link is opened: never `submitted`.
        return OutcomeAnalysis(status=SubmissionStatus.PENDING_VERIFICATION, confidence=0.85,
                               reason="confirmation e-mail: " + _sentence(text, m),
                               evidence={**evidence, "matched": m})
    if m := hit(LIVE, text):
        listing = find_listing_url(html, url, near=m)
        return OutcomeAnalysis(status=SubmissionStatus.APPROVED if listing else SubmissionStatus.SUBMITTED,
                               confidence=0.9, reason=_sentence(text, m), listing_url=listing,
                               evidence={**evidence, "matched": m})
    if m := hit(PENDING, text):
        return OutcomeAnalysis(status=SubmissionStatus.SUBMITTED, confidence=0.9, reason=_sentence(text, m),
                               evidence={**evidence, "matched": m})
    if m := hit(SUCCESS, text):
        return OutcomeAnalysis(status=SubmissionStatus.SUBMITTED, confidence=0.85 if evidence["url_changed"]
                               or inline else 0.7, reason=_sentence(text, m), evidence={**evidence, "matched": m})
    if m := hit(REFUSAL, text):
        return OutcomeAnalysis(status=SubmissionStatus.REJECTED, confidence=0.6, reason=_sentence(text, m),
                               evidence={**evidence, "matched": m})
    if m := hit(LOGIN_WALL, text):
        return OutcomeAnalysis(status=SubmissionStatus.NEEDS_MANUAL, confidence=0.7,
                               reason="login wall after submit", evidence={**evidence, "matched": m})
    return OutcomeAnalysis(status=SubmissionStatus.FAILED, confidence=0.2,
                           reason="unrecognised page after submit", evidence=evidence)


def _good_news(message: str) -> bool:
    return bool((SUCCESS.search(message) or PENDING.search(message) or LIVE.search(message)
                 or VERIFY.search(message)) and not VALIDATION.search(message) and not REFUSAL.search(message)
                and not DUPLICATE.search(message))


def _sentence(text: str, match: str) -> str:
    i = text.lower().find(match.lower())
    if i < 0:
        return match
    start = max(text.rfind(".", 0, i), text.rfind("!", 0, i), -1) + 1
    end_candidates = [p for p in (text.find(".", i), text.find("!", i)) if p >= 0]
    end = min(end_candidates) + 1 if end_candidates else min(len(text), i + 160)
    return text[start:end].strip()[:300]


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
