"""Places and categories written the many ways forms write them.

States and provinces (code and name), countries (ISO alpha-2, alpha-3, numeric, names in
the languages directory forms come in, calling code), and business-category families
with their words in several languages, so that a select's option can be matched to the
profile's meaning rather than its spelling.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from dirbolt_core.geo import CA_PROVINCES, US_STATES

AU_STATES: dict[str, str] = {
    "NSW": "New South Wales", "VIC": "Victoria", "QLD": "Queensland", "WA": "Western Australia",
    "SA": "South Australia", "TAS": "Tasmania", "ACT": "Australian Capital Territory", "NT": "Northern Territory",
}
_STATE_TABLES = {"US": US_STATES, "CA": CA_PROVINCES, "AU": AU_STATES}

# alpha-2 -> (alpha-3, numeric, calling code, names: English first, then other languages)
COUNTRIES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "US": ("USA", "840", "1", ("United States", "United States of America", "USA", "U.S.A.", "U.S.", "America",
                               "Vereinigte Staaten", "États-Unis", "Etats-Unis", "Estados Unidos",
                               "Stany Zjednoczone", "Stati Uniti", "Verenigde Staten", "США",
                               "Соединённые Штаты", "Amerikai Egyesült Államok", "Spojené státy")),
    "CA": ("CAN", "124", "1", ("Canada", "Kanada", "Canadá", "Канада")),
    "MX": ("MEX", "484", "52", ("Mexico", "México", "Mexiko", "Mexique", "Meksyk", "Messico", "Мексика")),
    "GB": ("GBR", "826", "44", ("United Kingdom", "UK", "Great Britain", "England", "Vereinigtes Königreich",
                                "Royaume-Uni", "Reino Unido", "Wielka Brytania", "Regno Unito",
                                "Великобритания")),
    "IE": ("IRL", "372", "353", ("Ireland", "Irland", "Irlande", "Irlanda", "Irlandia")),
    "DE": ("DEU", "276", "49", ("Germany", "Deutschland", "Allemagne", "Alemania", "Niemcy", "Germania",
                                "Duitsland", "Германия")),
    "AT": ("AUT", "040", "43", ("Austria", "Österreich", "Autriche")),
    "CH": ("CHE", "756", "41", ("Switzerland", "Schweiz", "Suisse", "Suiza", "Svizzera", "Szwajcaria")),
    "FR": ("FRA", "250", "33", ("France", "Frankreich", "Francia", "Francja", "Франция")),
    "BE": ("BEL", "056", "32", ("Belgium", "Belgien", "Belgique", "Bélgica", "Belgia", "België")),
    "NL": ("NLD", "528", "31", ("Netherlands", "Niederlande", "Pays-Bas", "Países Bajos", "Holandia",
                                "Nederland", "Holland")),
    "LU": ("LUX", "442", "352", ("Luxembourg", "Luxemburg", "Luxemburgo")),
    "ES": ("ESP", "724", "34", ("Spain", "España", "Spanien", "Espagne", "Hiszpania", "Spagna", "Испания")),
    "PT": ("PRT", "620", "351", ("Portugal", "Portugalia", "Portogallo")),
    "IT": ("ITA", "380", "39", ("Italy", "Italia", "Italien", "Italie", "Włochy", "Италия")),
    "PL": ("POL", "616", "48", ("Poland", "Polska", "Polen", "Pologne", "Polonia", "Польша")),
    "CZ": ("CZE", "203", "420", ("Czech Republic", "Czechia", "Česko", "Česká republika", "Tschechien",
                                 "République tchèque", "Czechy")),
    "SK": ("SVK", "703", "421", ("Slovakia", "Slovensko", "Slowakei", "Slovaquie", "Słowacja")),
    "HU": ("HUN", "348", "36", ("Hungary", "Magyarország", "Ungarn", "Hongrie", "Węgry")),
    "DK": ("DNK", "208", "45", ("Denmark", "Danmark", "Dänemark", "Danemark", "Dania")),
    "SE": ("SWE", "752", "46", ("Sweden", "Sverige", "Schweden", "Suède", "Szwecja")),
    "NO": ("NOR", "578", "47", ("Norway", "Norge", "Norwegen", "Norvège", "Norwegia")),
    "FI": ("FIN", "246", "358", ("Finland", "Suomi", "Finnland", "Finlande", "Finlandia")),
    "RU": ("RUS", "643", "7", ("Russia", "Russian Federation", "Россия", "Russland", "Russie", "Rosja")),
    "UA": ("UKR", "804", "380", ("Ukraine", "Україна", "Украина", "Ukraina")),
    "TR": ("TUR", "792", "90", ("Turkey", "Türkiye", "Türkei", "Turquie", "Turcja")),
    "GR": ("GRC", "300", "30", ("Greece", "Ελλάδα", "Griechenland", "Grèce", "Grecja")),
    "AU": ("AUS", "036", "61", ("Australia", "Australien", "Australie")),
    "NZ": ("NZL", "554", "64", ("New Zealand", "Neuseeland", "Nouvelle-Zélande", "Nowa Zelandia")),
    "IN": ("IND", "356", "91", ("India", "Indien", "Inde", "Indie")),
    "BR": ("BRA", "076", "55", ("Brazil", "Brasil", "Brasilien", "Brésil", "Brazylia")),
    "AR": ("ARG", "032", "54", ("Argentina", "Argentinien", "Argentine")),
    "ZA": ("ZAF", "710", "27", ("South Africa", "Südafrika", "Afrique du Sud", "Sudáfrica")),
    "JP": ("JPN", "392", "81", ("Japan", "Japon", "Japón", "Japonia")),
    "CN": ("CHN", "156", "86", ("China", "Chine", "Chiny")),
}


def fold(text: str) -> str:
    """Lower case, accents off, punctuation to spaces: 'États-Unis' -> 'etats unis'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def state_forms(value: str | None, country: str | None = None) -> list[str]:
    """Code and name of a state or province: 'TX' -> ['TX', 'Texas']; unknown: [value]."""
    v = (value or "").strip()
    if not v:
        return []
    tables = [_STATE_TABLES[c] for c in (country_code(country),) if c in _STATE_TABLES] or list(
        _STATE_TABLES.values())
    for table in tables + [t for t in _STATE_TABLES.values() if t not in tables]:
        if v.upper() in table:
            return [v.upper(), table[v.upper()]]
        for code, name in table.items():
            if fold(name) == fold(v):
                return [code, name]
    return [v]


@lru_cache(maxsize=256)
def country_code(value: str | None) -> str | None:
    """ISO alpha-2 of a country however written ('USA', 'United States', 'Vereinigte Staaten', '840')."""
    v = fold(value or "")
    if not v:
        return None
    for code, (alpha3, numeric, _, names) in COUNTRIES.items():
        if v in (code.lower(), alpha3.lower(), numeric) or v in (fold(n) for n in names):
            return code
    return None


def country_forms(value: str | None) -> list[str]:
    """Every way to write the profile's country: codes, numeric, names; the profile's text when unknown."""
    code = country_code(value or "US")
    if code is None:
        return [value] if value else []
    alpha3, numeric, _, names = COUNTRIES[code]
    return [code, alpha3, numeric, *names]


def calling_code(country: str | None) -> str:
    code = country_code(country or "US") or "US"
    return COUNTRIES.get(code, ("", "", "1", ()))[2]



@lru_cache(maxsize=1)
def _state_names() -> frozenset[str]:
    return frozenset(fold(name) for table in _STATE_TABLES.values() for name in table.values())


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    return frozenset(fold(name) for *_, names in COUNTRIES.values() for name in names)


def list_kind(entries: list[str]) -> str | None:
    """What a long list of choices is, read from its entries, as browser autofill does: "state"
    (the states or provinces of a country), "country" (a list of countries), else None.

    Names only, not codes: two-letter state and country codes collide (CA, DE, IN, AR...)."""
    if len(entries) < 8:
        return None
    folded = [fold(e) for e in entries]
    states = sum(1 for t in folded if t in _state_names())
    countries = sum(1 for t in folded if len(t) > 3 and t in _country_names())
    if states >= 8 and states >= 2 * countries:
        return "state"
    if countries >= 8 and countries >= 2 * states:
        return "country"
    return None

# Business categories: (family, parent, words). Words are folded stems matched at word starts,
# so "bakery" matches "Bakeries", "bäckerei" matches "Bäckereien".
CATEGORY_FAMILIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("bakery", "food", ("bakery", "bakeri", "baker", "pastry", "pastries", "patisserie", "dessert", "cake",
                        "backerei", "backer", "konditor", "boulangerie", "panaderia", "pasteleria", "piekarni",
                        "cukierni", "panetteria", "pasticceri", "bageri", "bakkerij", "pekarna")),
    ("cafe", "food", ("cafe", "coffee", "espresso", "tea room", "kaffee", "cafeteria", "kawiarni", "caffe")),
    ("restaurant", "food", ("restaurant", "dining", "diner", "bistro", "eatery", "pizzeria", "restaurante",
                            "restauracj", "ristorante", "gaststatte")),
    ("bar", "food", ("bar", "pub", "brewery", "winery", "tavern", "kneipe", "cerveceria")),
    ("catering", "food", ("catering", "caterer", "traiteur")),
    ("grocery", "food", ("grocery", "supermarket", "deli", "butcher", "market", "lebensmittel", "epicerie",
                         "spozywcz")),
    ("food", "food", ("food", "eat", "essen", "gastronom", "alimentation", "alimentacion", "jedzenie",
                      "restauration", "cibo", "comida")),
    ("retail", "retail", ("retail", "shop", "store", "boutique", "clothing", "fashion", "gift", "florist",
                          "einzelhandel", "geschaft", "commerce", "tienda", "sklep", "negozio", "shopping")),
    ("beauty", "health", ("beauty", "salon", "spa", "hair", "barber", "nail", "cosmetic", "friseur", "coiffure",
                          "peluqueria", "fryzjer", "kosmetyk")),
    ("health", "health", ("health", "medical", "doctor", "dentist", "dental", "clinic", "pharmacy", "physio",
                          "therap", "gesundheit", "arzt", "sante", "medecin", "salud", "medico", "zdrowie",
                          "lekarz", "wellness", "fitness", "gym")),
    ("home", "services", ("home service", "home", "plumb", "electric", "roof", "clean", "hvac", "contractor",
                          "construction", "landscap", "garden", "handyman", "repair", "handwerk", "sanitar",
                          "bau", "batiment", "plomb", "fontaner", "hydraulik", "remont", "hogar", "maison")),
    ("legal", "professional", ("legal", "law", "lawyer", "attorney", "notary", "anwalt", "recht", "avocat",
                               "juridique", "abogado", "prawn", "adwokat", "avvocat")),
    ("financial", "professional", ("financ", "bank", "insurance", "account", "tax", "versicherung", "steuer",
                                   "banque", "assurance", "comptab", "seguro", "contab", "ubezpiecz", "ksiegow")),
    ("auto", "services", ("auto", "car", "vehicle", "mechanic", "garage", "tire", "tyre", "motor", "kfz",
                          "werkstatt", "automobil", "voiture", "coche", "samoch", "warsztat")),
    ("tech", "professional", ("tech", "computer", "software", "it service", "it ", "web design", "electronic",
                              "digital", "informat", "edv", "telecom")),
    ("realestate", "professional", ("real estate", "realtor", "property", "immobili", "inmobiliari",
                                    "nieruchom")),
    ("education", "services", ("education", "school", "tutor", "training", "class", "course", "bildung",
                               "schule", "ecole", "formation", "educacion", "szkol", "edukac")),
    ("travel", "services", ("hotel", "travel", "lodging", "accommodation", "tourism", "reise", "hotel",
                            "voyage", "viaje", "turyst", "noclegi")),
    ("pets", "services", ("pet", "veterinar", "vet ", "animal", "tierarzt", "dog", "groom")),
    ("professional", "professional", ("professional", "business service", "consult", "marketing", "agency",
                                      "dienstleist", "services professionnels", "servicios profesionales",
                                      "uslugi")),
    ("services", "services", ("service", "dienst", "servic", "uslug")),
]
_OTHER_WORDS = ("other", "others", "miscellaneous", "misc", "general", "sonstige", "andere", "autre", "autres",
                "divers", "otro", "otros", "inne", "pozostale", "altro", "altri", "overig", "ostatni")


def category_families(text: str | None) -> tuple[set[str], set[str]]:
    """(families, parents) a text speaks of: 'Bakeries & Desserts' -> ({'bakery'}, {'food'})."""
    words = f" {fold(text or '')} "
    fams: set[str] = set()
    parents: set[str] = set()
    for family, parent, stems in CATEGORY_FAMILIES:
        # Short stems ("bar", "car", "spa") must be whole words: "barber" is not a bar.
        if any((f" {stem} " if len(stem) <= 3 else f" {stem}") in words for stem in stems):
            fams.add(family)
            parents.add(parent)
    return fams, parents


def is_other_option(text: str) -> bool:
    return fold(text) in _OTHER_WORDS or any(w in _OTHER_WORDS for w in fold(text).split()[:1])
