"""Names and codes of places, so a value can match a select whichever way it is written."""

from __future__ import annotations

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia",
}
CA_PROVINCES: dict[str, str] = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "ON": "Ontario", "PE": "Prince Edward Island",
    "QC": "Quebec", "SK": "Saskatchewan", "NT": "Northwest Territories", "NU": "Nunavut", "YT": "Yukon",
}
# code -> names a form may use
COUNTRIES: dict[str, tuple[str, ...]] = {
    "US": ("United States", "United States of America", "USA", "U.S.A.", "U.S.", "America",
           "Vereinigte Staaten", "États-Unis", "Estados Unidos", "Stany Zjednoczone"),
    "CA": ("Canada", "Kanada"),
    "GB": ("United Kingdom", "UK", "Great Britain", "England", "Vereinigtes Königreich", "Royaume-Uni"),
    "DE": ("Germany", "Deutschland", "Allemagne", "Alemania", "Niemcy"),
    "FR": ("France", "Frankreich", "Francia", "Francja"),
    "ES": ("Spain", "España", "Spanien", "Espagne", "Hiszpania"),
    "PL": ("Poland", "Polska", "Polen", "Pologne", "Polonia"),
    "AU": ("Australia", "Australien", "Australie"),
    "MX": ("Mexico", "México", "Mexiko", "Mexique"),
    "IT": ("Italy", "Italia", "Italien", "Italie"),
}


def state_names(value: str) -> list[str]:
    """Every way a state or province may be written: code and name."""
    v = value.strip()
    for table in (US_STATES, CA_PROVINCES):
        if v.upper() in table:
            return [v.upper(), table[v.upper()]]
        for code, name in table.items():
            if name.lower() == v.lower():
                return [code, name]
    return [v]


def country_names(value: str) -> list[str]:
    v = value.strip()
    if v.upper() in COUNTRIES:
        return [v.upper(), *COUNTRIES[v.upper()]]
    for code, names in COUNTRIES.items():
        if v.lower() in (n.lower() for n in names):
            return [code, *names]
    return [v]
