"""Name, address and phone of a live listing against the profile, normalised the way people read them.

Case, punctuation and spacing never count; phones compare by their last 10 digits; street words
compare by their USPS abbreviation ("South Congress Avenue" = "S Congress Ave"); "&" is "and".
A listing that shows no value for a field is not a difference (directories often hide some).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

from dirbolt_core.models import BusinessProfile

_ABBREVIATIONS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "court": "ct", "place": "pl", "square": "sq", "highway": "hwy", "parkway": "pkwy", "terrace": "ter",
    "circle": "cir", "suite": "ste", "apartment": "apt", "building": "bldg", "floor": "fl",
    "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
    "southeast": "se", "southwest": "sw",
}
_PUNCT = re.compile(r"[^\w\s]")


def normalise_name(value: str) -> str:
    text = value.casefold().replace("&", " and ")
    return " ".join(_PUNCT.sub(" ", text).split())


def normalise_address(value: str) -> str:
    words = _PUNCT.sub(" ", value.casefold()).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def normalise_phone(value: str) -> str:
    return re.sub(r"\D", "", value)[-10:]


@dataclass
class ListedNap:
    name: str = ""
    address: str = ""
    city: str = ""
    postal_code: str = ""
    phone: str = ""


def _text(node: Any) -> str:
    return " ".join((node.text_content() or "").split())


def read_nap(page_html: str) -> ListedNap:
    """The listing's name, street address, city, postal code and phone: schema.org JSON-LD or microdata,
    else the page's <h1>, <address> and tel: link."""
    try:
        doc = lxml.html.document_fromstring(page_html or "<html></html>")
    except (etree.ParserError, ValueError):
        return ListedNap()
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and item.get("name"):
                address = item.get("address") if isinstance(item.get("address"), dict) else {}
                return ListedNap(name=str(item.get("name", "")), address=str(address.get("streetAddress", "")),
                                 city=str(address.get("addressLocality", "")),
                                 postal_code=str(address.get("postalCode", "")),
                                 phone=str(item.get("telephone", "")))

    def prop(name: str) -> str:
        found = doc.xpath(f"//*[@itemprop='{name}']")
        return _text(found[0]) if found else ""

    nap = ListedNap(name=prop("name"), address=prop("streetAddress"), city=prop("addressLocality"),
                    postal_code=prop("postalCode"), phone=prop("telephone"))
    if not nap.name:
        heading = doc.xpath("//h1")
        nap.name = _text(heading[0]) if heading else ""
    if not nap.address:
        address = doc.xpath("//address")
        nap.address = _text(address[0]) if address else ""
    if not nap.phone:
        tel = doc.xpath("//a[starts-with(@href, 'tel:')]")
        nap.phone = tel[0].get("href", "")[4:] if tel else ""
    return nap


def nap_differences(listed: ListedNap, profile: BusinessProfile) -> dict[str, dict[str, str]]:
    """{field: {"listed": ..., "profile": ...}} for each of name, address, phone that differs."""
    pairs = (("name", listed.name, profile.business_name or "", normalise_name),
             ("address", listed.address, profile.address_line1 or "", normalise_address),
             ("city", listed.city, profile.city or "", normalise_name),
             ("postal_code", listed.postal_code, profile.postal_code or "", normalise_name),
             ("phone", listed.phone, profile.phone or "", normalise_phone))
    return {name: {"listed": shown, "profile": own} for name, shown, own, norm in pairs
            if shown.strip() and own.strip() and norm(shown) != norm(own)}
