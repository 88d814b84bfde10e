"""Markup fragments several sites reuse (each site still has its own page)."""

from __future__ import annotations

US_STATES: list[tuple[str, str]] = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("FL", "Florida"), ("GA", "Georgia"),
    ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"),
    ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"),
    ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"),
    ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"), ("NC", "North Carolina"),
    ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"),
    ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"), ("DC", "District of Columbia"),
]


def state_options(*, by: str = "code", label: str = "name", placeholder: str = "Select a state") -> str:
    """<option>s whose value is the code or the name, and whose text is the other (or the same)."""
    rows = [f"<option value=''>{placeholder}</option>"]
    for code, name in US_STATES:
        value = code if by == "code" else name
        text = name if label == "name" else code
        rows.append(f"<option value='{value}'>{text}</option>")
    return "".join(rows)


def options(pairs: list[tuple[str, str]], placeholder: str | None = "Choose one") -> str:
    rows = [f"<option value=''>{placeholder}</option>"] if placeholder is not None else []
    rows += [f"<option value='{v}'>{t}</option>" for v, t in pairs]
    return "".join(rows)


CATEGORIES = [
    ("restaurants", "Restaurants & Food"),
    ("bakery", "Bakeries & Desserts"),
    ("retail", "Retail & Shopping"),
    ("health", "Health & Medical"),
    ("home", "Home Services"),
    ("legal", "Legal & Financial"),
    ("auto", "Automotive"),
    ("tech", "Computers & Technology"),
    ("other", "Other"),
]
