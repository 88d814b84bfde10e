"""Heuristic field classification: autocomplete tokens, multilingual synonyms, input types.

Each rule is a regular expression over one normalised text source of a field (its
name/id tokens, label, placeholder, ...). Sources have weights: an autocomplete token
is near-certain, a label is strong, nearby text is weak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dirbolt_core.brain.model import FormField

# HTML autocomplete tokens (WHATWG) -> canonical key.
AUTOCOMPLETE = {
    "organization": "business_name",
    "url": "website",
    "email": "email",
    "tel": "phone",
    "tel-national": "phone",
    "street-address": "address_line1",
    "address-line1": "address_line1",
    "address-line2": "address_line2",
    "address-level2": "city",
    "address-level1": "state",
    "postal-code": "postal_code",
    "country": "country",
    "country-name": "country",
    "name": "contact_name",
    "given-name": "contact_first_name",
    "family-name": "contact_last_name",
    "organization-title": "contact_title",
    "username": "username",
    "new-password": "password",
    "current-password": "password",
}

# canonical key -> pattern. Order matters: earlier keys win ties (more specific first).
_P = {
    "honeypot": r"honey ?pot|\bhp\b|leave (this )?(field )?(blank|empty)|do not fill|don'?t fill|"
    r"ohnohoney|\btrap\b|bot ?check|if you are (a )?human|nicht ausfüllen|no rellenar|ne pas remplir",
    "captcha": r"captcha|recaptcha|security code|verification code|type the (characters|letters|code)|"
    r"characters you see|anti ?spam|spam ?check|kod z obrazka|código de seguridad|код с картинки|"
    r"prüfcode|sicherheitscode|what is \d+ ?[+x*-] ?\d+",
    "password_confirm": r"(confirm|repeat|retype|re-?enter|verify|again|wiederhol|bestätig|powt[oó]rz|"
    r"confirme|повтор|ripeti)\w* ?(your )?(the )?pass(word)?|pass(word)? ?(confirm|again|2|repeat)|"
    r"\bpass(word)?_?2\b|\bpwd ?2\b|\bcpass|password_confirmation|confirm_password|passconf",
    "password": r"pass ?word|passwd|\bpwd\b|\bpass\b|kennwort|passwort|hasło|haslo|contraseña|"
    r"mot de passe|senha|пароль|heslo|parola",
    "email_confirm": r"(confirm|repeat|retype|re-?enter|verify|again)\w* ?(your )?e-?mail|e-?mail ?(confirm|"
    r"again|2|repeat|verify)|\bemail_?2\b|confirm_email|email_confirmation",
    "username": r"user ?name|login ?name|\buser ?id\b|\blogin\b|benutzername|nazwa użytkownika|"
    r"usuario|identifiant|логин|\bnick(name)?\b|screen ?name",
    "terms_checkbox": r"\bterms\b|conditions|\bagree|\baccept|\btos\b|privacy policy|datenschutz|\bagb\b|"
    r"regulamin|akceptuj|acepto|j'accepte|conditions générales|согласен|condizioni|termini|súhlas",
    "newsletter_checkbox": r"newsletter|subscribe|mailing list|e-?mail updates|special offers|promotion|"
    r"send me|keep me (informed|updated)|news and|abonn|рассылк|iscriviti",
    "email": r"e-?mail|\bmail\b|correo|courriel|почта|adres e-mail|poczta",
    "website": r"web ?site|web ?address|web ?page|homepage|home page|\burl\b|\bsite\b|\bweb\b|"
    r"sitio web|site web|strona www|\bwww\b|webseite|internetseite|сайт|página web",
    "fax": r"\bfax\b|facsimile|telefax|факс",
    "phone": r"phone|\btel\b|telephone|\bmobile\b|\bcell\b|telefon|teléfono|téléphone|телефон|"
    r"\bnumer\b|contact number|\bmob\b|\bgsm\b",
    "facebook_url": r"facebook",
    "twitter_url": r"twitter|\bx\.com\b",
    "linkedin_url": r"linked ?in",
    "instagram_url": r"instagram",
    "postal_code": r"\bzip\b|zip ?code|post ?code|postal|\bpostcode\b|\bplz\b|postleitzahl|"
    r"kod pocztowy|código postal|code postal|индекс|\bcap\b|\bpsč\b",
    "city": r"\bcity\b|\btown\b|locality|\bort\b|\bstadt\b|miasto|miejscowość|ciudad|\bville\b|"
    r"город|città|\bmesto\b|suburb",
    "state": r"\bstate\b|province|\bregion\b|county|bundesland|województwo|provincia|estado|"
    r"область|\bkraj\b(?! ?:)|territory",
    "country": r"country|\bland\b|\bnation|kraj|país|pays|страна|paese|štát",
    "address_line2": r"address ?(line)? ?2|address2|addr2|apartment|suite|\bapt\b|\bunit\b|"
    r"street ?2|line ?2",
    "address_line1": r"address|street|\baddr\b|anschrift|straße|strasse|adres|ulica|dirección|"
    r"direccion|adresse|\brue\b|адрес|indirizzo|ulice|line ?1",
    "contact_first_name": r"first ?name|given ?name|fore ?name|\bfname\b|\bfirst\b|vorname|imię|imie|"
    r"nombre(?! de (la )?empresa)|prénom|prenom|имя|\bnome\b|meno",
    "contact_last_name": r"last ?name|sur ?name|family ?name|\blname\b|\blast\b|nachname|nazwisko|"
    r"apellido|\bnom\b|фамилия|cognome|priezvisko",
    "contact_title": r"job ?title|position|\brole\b|your title|designation",
    "business_name": r"business|company|organi[sz]ation|\borg\b|firm|firma|empresa|entreprise|"
    r"société|компания|организаци|azienda|listing ?name|brand|store name|shop name|venue|"
    r"\bbiz\b|nazwa firmy|unternehmen|practice name|\bcompany_?name\b",
    "contact_name": r"full ?name|your name|contact ?(person|name)?|\bname\b|\bnom\b|imię i nazwisko|"
    r"\bnombre\b|\bимя\b|owner|contact",
    "short_description": r"short desc|tag ?line|slogan|summary|headline|one[- ]liner|brief desc",
    "description": r"descri|about|tell us|details|information about|bio\b|overview|beschreibung|"
    r"opis|descripción|описание|profil|services offered|message",
    "category": r"categor|industry|business type|type of business|sector|branche|kategori|"
    r"categoría|catégorie|категори|rubri",
    "keywords": r"keyword|\btags?\b|schlagw|słowa kluczowe|palabras clave|mots[- ]clés",
    "hours": r"hours|opening|business hours|öffnungszeiten|godziny otwarcia|horario",
    "year_founded": r"year (founded|established)|founded|established|since|gründungsjahr",
    "logo": r"\blogo\b",
}
PATTERNS: dict[str, re.Pattern[str]] = {k: re.compile(v, re.IGNORECASE) for k, v in _P.items()}

# Weight of a match by where it was found.
SOURCE_WEIGHT = {
    "label": 0.92,
    "aria": 0.9,
    "name": 0.86,
    "placeholder": 0.84,
    "title": 0.8,
    "nearby": 0.65,
}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SEP = re.compile(r"[_\-\[\]\.:/]+")
_CHECK_KEYS = {"terms_checkbox", "newsletter_checkbox"}


def tokens_of(name: str | None) -> str:
    """'biz[contact_firstName]' -> 'biz contact first name'."""
    if not name:
        return ""
    return " ".join(_SEP.sub(" ", _CAMEL.sub(" ", name)).split()).lower()


@dataclass(frozen=True)
class Guess:
    key: str
    confidence: float
    source: str


def field_sources(field: FormField) -> dict[str, str]:
    names = " ".join(t for t in (tokens_of(field.name), tokens_of(field.id)) if t)
    return {
        "label": field.label or "",
        "aria": field.aria_label or "",
        "name": names,
        "placeholder": field.placeholder or "",
        "title": field.title or "",
        "nearby": field.nearby_text or "",
    }


def classify(field: FormField) -> Guess:
    """The single best canonical key for a field, with a confidence."""
    ftype = field.type
    if ftype in ("submit", "image") or (field.tag == "button" and ftype not in ("button", "reset")):
        return Guess("submit", 0.95, "type")
    if ftype in ("hidden", "reset", "button", "file"):
        return Guess("unknown", 0.9, "type")
    if not field.visible:
        # A control a person cannot see but a bot would fill.
        return Guess("honeypot", 0.95, f"hidden:{field.hidden_reason}")
    if field.autocomplete:
        for token in field.autocomplete.lower().split():
            if token in AUTOCOMPLETE:
                return Guess(AUTOCOMPLETE[token], 0.97, "autocomplete")
            if token == "off" and field.tabindex == -1:
                return Guess("honeypot", 0.8, "autocomplete-off+tabindex")
    sources = field_sources(field)
    best: Guess | None = None
    allowed = _allowed_keys(field)
    for source, text in sources.items():
        if not text:
            continue
        for key, pattern in PATTERNS.items():
            if key not in allowed:
                continue
            if pattern.search(text):
                conf = SOURCE_WEIGHT[source]
                if best is None or conf > best.confidence:
                    best = Guess(key, conf, source)
                break  # first (most specific) key for this source
    by_type = {"email": "email", "tel": "phone", "url": "website"}.get(ftype)
    if best is None and by_type:
        return Guess(by_type, 0.75, "type")
    if best is not None and by_type and best.key != by_type and best.source in ("nearby", "title"):
        return Guess(by_type, 0.75, "type")
    if best is not None and best.key == "honeypot" and field.tabindex == -1:
        return Guess("honeypot", 0.97, best.source + "+tabindex")
    return best or Guess("unknown", 0.5, "none")


def _allowed_keys(field: FormField) -> set[str]:
    if field.type == "checkbox":
        return {"terms_checkbox", "newsletter_checkbox", "honeypot", "captcha"}
    if field.type == "radio":
        return {"category", "country", "state", "newsletter_checkbox", "terms_checkbox"}
    if field.type == "password":
        return {"password", "password_confirm"}
    keys = set(PATTERNS) - _CHECK_KEYS
    if field.tag == "textarea":
        return {"description", "short_description", "hours", "keywords", "address_line1", "honeypot"}
    if field.tag == "select":
        keys &= {"state", "country", "category", "year_founded", "hours", "contact_title", "unknown"}
    return keys
