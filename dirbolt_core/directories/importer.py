"""Reading catalog files: dirbolt's own JSON, the legacy platform's list, CSV. Row by row, never all or nothing.

Every row becomes a `CatalogRow`: a `Directory` or the reason it was refused (missing or
non-http(s) URL, duplicate id, unknown tier, negative rate limit, over-long field, a value
that is not what its column says). A bad row never stops the others. Formats (docs/catalog.md):

* dirbolt: `{"format": "dirbolt-catalog", "version": 1, "directories": [entry, ...]}` or a bare
  list of entries; an entry has the fields of `models.Directory` (snake_case).
* legacy: `{"metadata": {...}, "directories": [{"id", "name", "url", "submissionUrl", "category",
  "domainAuthority", "difficulty", "priority", "requiresLogin", "hasCaptcha", "formMapping",
  "submitSelector", "successIndicators", "timeToApproval", "isActive", "requiresApproval", "tier"},
  ...]}` (or a bare list). Keys in any case or spelling style, numbers as strings, tiers as words;
  `formMapping` selectors become candidate hints for the brain; other keys are kept as details.
* csv: a header row (name, submission_url, category, tier, requires_login, has_captcha,
  rate_limit_ms; optional id, url, domain_authority, priority, is_active, login_url, notes).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from pydantic import ValidationError

from dirbolt_core.models import MAX_DIRECTORY_TEXT, MAX_SELECTOR, Directory
from dirbolt_core.vocabulary import CANONICAL_KEYS

SANDBOX_PLACEHOLDER = "${SANDBOX_URL}"
DIRBOLT_FORMAT = "dirbolt-catalog"
DIRBOLT_VERSION = 1
MAX_DETAILS_BYTES = 16_000
MAX_HINTS_PER_KEY = 10
MAX_ROWS = 100_000


class CatalogFormat(StrEnum):
    AUTO = "auto"
    DIRBOLT = "dirbolt"
    LEGACY = "legacy"
    CSV = "csv"


class CatalogFileError(ValueError):
    """The file as a whole cannot be read (not JSON/CSV, wrong shape, unknown version)."""


@dataclass
class CatalogRow:
    """One entry of the file: the directory it describes, or why it was refused."""

    row: int  # 1-based position in the file (CSV: the line number)
    source_id: str | None  # the id (or name) as the file spells it, for the report
    directory: Directory | None = None
    refused: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.directory.id if self.directory else (self.source_id or f"row {self.row}")


@dataclass
class ParsedCatalog:
    format: CatalogFormat
    rows: list[CatalogRow]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def directories(self) -> list[Directory]:
        return [r.directory for r in self.rows if r.directory is not None]

    @property
    def refused(self) -> list[CatalogRow]:
        return [r for r in self.rows if r.refused]


class RowRefused(ValueError):
    pass


# ------------------------------------------------------------------ entry point
def read_catalog(path: Path, fmt: CatalogFormat | str = CatalogFormat.AUTO, *,
                 sandbox_url: str | None = None) -> ParsedCatalog:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    return parse_catalog(text, fmt, sandbox_url=sandbox_url, name=path.name)


def parse_catalog(text: str, fmt: CatalogFormat | str = CatalogFormat.AUTO, *, sandbox_url: str | None = None,
                  name: str = "catalog") -> ParsedCatalog:
    fmt = CatalogFormat(fmt)
    if SANDBOX_PLACEHOLDER in text:
        if not sandbox_url:
            raise CatalogFileError(f"{name} names sandbox sites ({SANDBOX_PLACEHOLDER}); set DIRBOLT_SANDBOX_URL")
        text = text.replace(SANDBOX_PLACEHOLDER, sandbox_url.rstrip("/"))
    if fmt is CatalogFormat.AUTO:
        fmt = detect_format(text, name)
    if fmt is CatalogFormat.CSV:
        return ParsedCatalog(CatalogFormat.CSV, _dedupe(_csv_rows(text)))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFileError(f"{name}: not JSON ({exc.msg} at line {exc.lineno})") from None
    entries, metadata = _entries(data, fmt, name)
    convert = _dirbolt_entry if fmt is CatalogFormat.DIRBOLT else _legacy_entry
    rows = [_row(i, entry, convert) for i, entry in enumerate(entries, start=1)]
    return ParsedCatalog(fmt, _dedupe(rows), metadata)


def detect_format(text: str, name: str = "") -> CatalogFormat:
    head = text.lstrip()[:1]
    if name.lower().endswith(".csv") or head not in ("{", "["):
        return CatalogFormat.CSV
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return CatalogFormat.DIRBOLT  # reported as not JSON by the parser
    if isinstance(data, dict) and str(data.get("format", "")).lower() == DIRBOLT_FORMAT:
        return CatalogFormat.DIRBOLT
    entries = (data.get("directories") if isinstance(data.get("directories"), list) else _only_list(data)) \
        if isinstance(data, dict) else data
    if isinstance(entries, list):
        snake = camel = 0
        for entry in entries[:50]:
            if isinstance(entry, dict):
                keys = set(entry)
                snake += bool(keys & {"submission_url", "domain_authority", "requires_login", "rate_limit_ms"})
                camel += bool({_norm(k) for k in keys} & {"submissionurl", "domainauthority", "requireslogin",
                                                          "formmapping", "hascaptcha", "isactive"}
                              and not keys & {"submission_url"})
        if camel > snake:
            return CatalogFormat.LEGACY
    return CatalogFormat.DIRBOLT


def _entries(data: Any, fmt: CatalogFormat, name: str) -> tuple[list[Any], dict[str, Any]]:
    metadata: dict[str, Any] = {}
    if isinstance(data, list):
        entries = data
    elif isinstance(data, dict) and (isinstance(data.get("directories"), list) or _only_list(data) is not None):
        entries = data["directories"] if isinstance(data.get("directories"), list) else _only_list(data)
        if fmt is CatalogFormat.DIRBOLT and "format" in data:
            if str(data.get("format")).lower() != DIRBOLT_FORMAT:
                raise CatalogFileError(f"{name}: format {data.get('format')!r} is not {DIRBOLT_FORMAT!r}")
            version = data.get("version", DIRBOLT_VERSION)
            if version != DIRBOLT_VERSION:
                raise CatalogFileError(f"{name}: catalog version {version!r} is not supported "
                                       f"(this dirbolt reads version {DIRBOLT_VERSION})")
        raw_meta = data.get("metadata")
        metadata = raw_meta if isinstance(raw_meta, dict) else {}
    else:
        raise CatalogFileError(f"{name}: expected a list of directories or an object with a "
                               f"'directories' list")
    if len(entries) > MAX_ROWS:
        raise CatalogFileError(f"{name}: {len(entries)} directories; at most {MAX_ROWS} per file")
    return entries, metadata


def _only_list(data: dict[str, Any]) -> list[Any] | None:
    """The one list of objects in an object that names it otherwise ("items", "data", "directoryList")."""
    lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(e, dict) for e in v)]
    return lists[0] if len(lists) == 1 else None


def _row(index: int, entry: Any, convert: Callable[[Mapping[str, Any], list[str]], Directory]) -> CatalogRow:
    if not isinstance(entry, Mapping):
        return CatalogRow(index, None, refused=f"not an object but {type(entry).__name__}")
    source_id = _source_id(entry)
    warnings: list[str] = []
    try:
        return CatalogRow(index, source_id, directory=convert(entry, warnings), warnings=warnings)
    except RowRefused as exc:
        return CatalogRow(index, source_id, refused=str(exc), warnings=warnings)
    except ValidationError as exc:
        return CatalogRow(index, source_id, refused=_validation_reason(exc), warnings=warnings)


def _dedupe(rows: list[CatalogRow]) -> list[CatalogRow]:
    """The first row with an id wins; later ones are refused (they would overwrite it silently)."""
    first: dict[str, int] = {}
    for row in rows:
        if row.directory is None:
            continue
        seen = first.get(row.directory.id)
        if seen is not None:
            row.refused = f"duplicate id {row.directory.id!r} (row {seen} has it)"
            row.source_id = row.source_id or row.directory.id
            row.directory = None
        else:
            first[row.directory.id] = row.row
    return rows


# ------------------------------------------------------------------ dirbolt format
def _dirbolt_entry(entry: Mapping[str, Any], warnings: list[str]) -> Directory:
    data = dict(entry)
    for key in ("submission_url", "url"):
        data[key] = _http_url(data.get(key), key.replace("_", " "), required=key == "submission_url")
    if data.get("url") is None:
        data["url"] = _origin(data["submission_url"])
    if "tier" in data:
        data["tier"] = parse_tier(data["tier"])
    if "rate_limit_ms" in data:
        data["rate_limit_ms"] = _rate_limit(data["rate_limit_ms"])
    _check_lengths(data)
    return Directory.model_validate(data)


# ------------------------------------------------------------------ legacy format
# Legacy keys (normalised: lower case, no separators) -> the Directory field they fill.
_LEGACY_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "directoryid", "slug", "key"),
    "name": ("name", "title", "directoryname", "sitename"),
    "url": ("url", "website", "homepage", "siteurl", "homeurl", "domain"),
    "submission_url": ("submissionurl", "submiturl", "submissionpage", "formurl", "signupurl", "addurl"),
    "category": ("category", "categories", "type"),
    "tier": ("tier", "packagetier", "tierrequired", "level"),
    "domain_authority": ("domainauthority", "da", "authority"),
    "priority": ("priority", "prioritylevel"),
    "rate_limit_ms": ("ratelimitms", "ratelimit", "delayms", "throttlems"),
    "rate_limit_s": ("ratelimitseconds", "ratelimits", "delayseconds"),
    "requires_login": ("requireslogin", "loginrequired", "needslogin", "requiresaccount"),
    "has_captcha": ("hascaptcha", "captcha", "captcharequired", "requirescaptcha"),
    "is_active": ("isactive", "active", "enabled"),
    "selector_hints": ("formmapping", "fieldmapping", "selectors", "formselectors"),
    "login_url": ("loginurl", "signinurl"),
    "notes": ("notes", "note", "comments"),
}
# formMapping keys (normalised) that are not a canonical key spelled another way.
_FIELD_ALIASES = {
    "company": "business_name", "companyname": "business_name", "name": "business_name",
    "businessname": "business_name", "title": "business_name",
    "url": "website", "websiteurl": "website", "site": "website", "homepage": "website",
    "emailaddress": "email", "mail": "email",
    "phonenumber": "phone", "telephone": "phone", "tel": "phone",
    "address": "address_line1", "address1": "address_line1", "street": "address_line1",
    "streetaddress": "address_line1", "addressline1": "address_line1",
    "address2": "address_line2", "addressline2": "address_line2", "suite": "address_line2",
    "zip": "postal_code", "zipcode": "postal_code", "postcode": "postal_code", "postalcode": "postal_code",
    "province": "state", "region": "state",
    "desc": "description", "about": "description", "businessdescription": "description",
    "shortdescription": "short_description", "tagline": "short_description", "summary": "short_description",
    "contact": "contact_name", "contactname": "contact_name", "fullname": "contact_name",
    "firstname": "contact_first_name", "lastname": "contact_last_name",
    "tags": "keywords", "keyword": "keywords",
    "facebook": "facebook_url", "twitter": "twitter_url", "linkedin": "linkedin_url",
    "instagram": "instagram_url", "logourl": "logo", "founded": "year_founded", "yearfounded": "year_founded",
}
_PRIORITY_WORDS = {"critical": 4, "urgent": 4, "highest": 4, "high": 3, "medium": 2, "normal": 2,
                   "moderate": 2, "mid": 2, "low": 1, "lowest": 0, "none": 0}
# The legacy platform's package tiers (starter 1 .. enterprise 4, the packages a directory is
# sold in) and its result-table words; tier 1 is planned first, as the legacy starter set was.
TIER_WORDS = {"starter": 1, "basic": 1, "standard": 1, "free": 1, "growth": 2, "professional": 3, "pro": 3,
              "premium": 3, "enterprise": 4}
_TIER_RX = re.compile(r"^(?:tier|level|t|l)?[\s_-]*(\d+)(?:\.0+)?$", re.IGNORECASE)
_TIER_IN_TEXT = re.compile(r"\b(?:tier|level)\s*[-_#:]?\s*(\d+)\b", re.IGNORECASE)


def _legacy_entry(entry: Mapping[str, Any], warnings: list[str]) -> Directory:
    by_norm = {_norm(k): k for k in entry}
    used: set[str] = set()

    def take(target: str) -> Any:
        for alias in _LEGACY_ALIASES[target]:
            key = by_norm.get(alias)
            if key is not None and key not in used:
                used.add(key)
                value = entry[key]
                if value is not None and value != "":
                    return value
        return None

    name = _text(take("name"), "name")
    raw_url = take("url")
    url = _http_url(_absolute(raw_url, None), "url")
    submission_url = _http_url(_absolute(take("submission_url"), url), "submission URL (submissionUrl)",
                               required=True)
    url = url or _origin(submission_url)
    raw_id = take("id")
    data: dict[str, Any] = {
        "id": directory_id(raw_id, name=name, url=submission_url),
        "name": name or urlsplit(submission_url).hostname,
        "url": url,
        "submission_url": submission_url,
    }
    category = take("category")
    if isinstance(category, list):
        category = next((c for c in category if isinstance(c, str) and c.strip()), None)
    if category is not None:
        data["category"] = _text(category, "category")
    tier = take("tier")
    if tier is not None:
        data["tier"] = parse_tier(tier)
    authority = take("domain_authority")
    if authority is not None:
        data["domain_authority"] = _int_in(authority, "domainAuthority", 0, 100)
    priority = take("priority")
    if priority is not None:
        data["priority"] = _priority(priority, warnings)
    rate_ms, rate_s = take("rate_limit_ms"), take("rate_limit_s")
    if rate_ms is not None:
        data["rate_limit_ms"] = _rate_limit(rate_ms)
    elif rate_s is not None:
        data["rate_limit_ms"] = _rate_limit(_number(rate_s, "rate limit (seconds)") * 1000)
    for target, label in (("requires_login", "requiresLogin"), ("has_captcha", "hasCaptcha"),
                          ("is_active", "isActive")):
        value = take(target)
        if value is not None:
            data[target] = parse_bool(value, label)
    hints = take("selector_hints")
    if hints is not None:
        data["selector_hints"] = _hints(hints, warnings)
    login_url = _http_url(take("login_url"), "login URL", required=False)
    if login_url:
        data["login_url"] = login_url
    notes = take("notes")
    if notes is not None:
        data["notes"] = _text(notes, "notes")
    details = {k: v for k, v in entry.items() if k not in used}
    if raw_id is not None and str(raw_id) != data["id"]:
        details["legacy_id"] = raw_id
    if details:
        data["details"] = _details(details)
    _check_lengths(data)
    return Directory.model_validate(data)


def _hints(mapping: Any, warnings: list[str]) -> dict[str, list[str]]:
    if not isinstance(mapping, Mapping):
        warnings.append(f"formMapping is {type(mapping).__name__}, not an object: ignored")
        return {}
    hints: dict[str, list[str]] = {}
    for raw_key, raw_selectors in mapping.items():
        key = canonical_field_key(str(raw_key))
        if key is None:
            warnings.append(f"formMapping key {str(raw_key)[:40]!r} is no field of the vocabulary: ignored")
            continue
        if isinstance(raw_selectors, Mapping):  # {"selectors": [...]} or {"selector": "..."}
            raw_selectors = raw_selectors.get("selectors", raw_selectors.get("selector"))
        selectors = [raw_selectors] if isinstance(raw_selectors, str) else raw_selectors
        if not isinstance(selectors, list):
            warnings.append(f"formMapping {raw_key}: not a selector or a list of selectors: ignored")
            continue
        cleaned = []
        for s in selectors:
            if not isinstance(s, str) or not s.strip():
                continue
            if len(s) > MAX_SELECTOR:
                raise RowRefused(f"over-long field: a formMapping selector for {raw_key} is longer than "
                                 f"{MAX_SELECTOR} characters")
            cleaned.append(s.strip())
        if cleaned:
            merged = hints.setdefault(key, [])
            merged.extend(s for s in cleaned if s not in merged)
            del merged[MAX_HINTS_PER_KEY:]
    return hints


def canonical_field_key(raw: str) -> str | None:
    """A form-mapping key in any spelling (businessName, business-name, ZIP) as a vocabulary key."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", raw.strip()).lower().replace("-", "_").replace(" ", "_")
    if snake in CANONICAL_KEYS:
        return snake
    return _FIELD_ALIASES.get(_norm(raw))


# ------------------------------------------------------------------ CSV
_CSV_COLUMNS = {
    "id": "id", "name": "name", "url": "url", "submissionurl": "submission_url", "category": "category",
    "tier": "tier", "requireslogin": "requires_login", "hascaptcha": "has_captcha",
    "ratelimitms": "rate_limit_ms", "domainauthority": "domain_authority", "priority": "priority",
    "isactive": "is_active", "active": "is_active", "loginurl": "login_url", "notes": "notes",
}


def _csv_rows(text: str) -> list[CatalogRow]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogFileError("the CSV file is empty") from None
    columns = [_CSV_COLUMNS.get(re.sub(r"[^a-z0-9]", "", h.lower())) for h in header]
    missing = {"name", "submission_url"} - set(columns)
    if missing:
        raise CatalogFileError(f"the CSV header lacks {', '.join(sorted(missing))} (found: {', '.join(header)})")
    rows: list[CatalogRow] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise CatalogFileError(f"more than {MAX_ROWS} rows")
        record = {col: v.strip() for col, v in zip(columns, values, strict=False) if col and v.strip()}
        extra = [v for v in values[len(columns):] if v.strip()]
        warnings = [f"{len(extra)} value(s) beyond the header's columns ignored"] if extra else []
        source_id = record.get("id") or record.get("name")
        try:
            rows.append(CatalogRow(line, source_id, directory=_csv_entry(record), warnings=warnings))
        except RowRefused as exc:
            rows.append(CatalogRow(line, source_id, refused=str(exc), warnings=warnings))
        except ValidationError as exc:
            rows.append(CatalogRow(line, source_id, refused=_validation_reason(exc), warnings=warnings))
    return rows


def _csv_entry(record: dict[str, str]) -> Directory:
    submission_url = _http_url(record.get("submission_url"), "submission_url", required=True)
    name = _text(record.get("name"), "name")
    data: dict[str, Any] = {
        "id": directory_id(record.get("id"), name=name, url=submission_url),
        "name": name or urlsplit(submission_url).hostname,
        "submission_url": submission_url,
        "url": _http_url(record.get("url"), "url") or _origin(submission_url),
    }
    for key in ("category", "notes"):
        if key in record:
            data[key] = record[key]
    if "tier" in record:
        data["tier"] = parse_tier(record["tier"])
    if "rate_limit_ms" in record:
        data["rate_limit_ms"] = _rate_limit(record["rate_limit_ms"])
    if "domain_authority" in record:
        data["domain_authority"] = _int_in(record["domain_authority"], "domain_authority", 0, 100)
    if "priority" in record:
        data["priority"] = _priority(record["priority"], [])
    for key in ("requires_login", "has_captcha", "is_active"):
        if key in record:
            data[key] = parse_bool(record[key], key)
    if record.get("login_url"):
        data["login_url"] = _http_url(record["login_url"], "login_url")
    _check_lengths(data)
    return Directory.model_validate(data)


# ------------------------------------------------------------------ values
def _norm(key: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(key)).lower()


def directory_id(raw: Any, *, name: str | None, url: str) -> str:
    """The catalog id: the file's id made safe (lower case, [a-z0-9_.-]), else the name's, else the host's."""
    for candidate in (raw, name, urlsplit(url).hostname):
        if candidate is None or isinstance(candidate, bool):
            continue
        if isinstance(candidate, float) and candidate.is_integer():
            candidate = int(candidate)
        slug = re.sub(r"[^a-z0-9_.-]+", "-", str(candidate).strip().lower()).strip("-._")
        if slug:
            if len(slug) > 100:
                raise RowRefused(f"over-long field: id {str(candidate)[:40]!r}... is longer than 100 characters")
            return slug
    raise RowRefused("no id, name or submission URL host to name the directory by")


def parse_tier(value: Any) -> int:
    """1..5 from a number, a numeric string, 'Tier 2', 't3', or a package word (starter .. enterprise)."""
    if isinstance(value, bool):
        raise RowRefused(f"unknown tier {value!r}")
    if isinstance(value, int | float) and not (isinstance(value, float) and not value.is_integer()):
        number = int(value)
    else:
        text = str(value).strip().lower()
        if text in TIER_WORDS:
            return TIER_WORDS[text]
        match = _TIER_RX.match(text) or _TIER_IN_TEXT.search(text)
        words = {TIER_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in TIER_WORDS}
        if match:
            number = int(match.group(1))
        elif len(words) == 1:  # "Premium package", "growth tier"
            return words.pop()
        else:
            raise RowRefused(f"unknown tier {str(value)[:40]!r} (1-5, 'tier N', or one of "
                             f"{', '.join(sorted(TIER_WORDS))})")
    if not 1 <= number <= 5:
        raise RowRefused(f"unknown tier {value!r} (tiers are 1 to 5)")
    return number


def parse_bool(value: Any, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "t", "on", "required", "active", "enabled"):
        return True
    if text in ("false", "no", "n", "0", "f", "off", "none", "not required", "inactive", "disabled"):
        return False
    raise RowRefused(f"{label} {str(value)[:40]!r} is not true or false")


def _number(value: Any, label: str) -> float:
    if isinstance(value, bool):
        raise RowRefused(f"{label} {value!r} is not a number")
    try:
        number = float(str(value).strip().replace(",", "")) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise RowRefused(f"{label} {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise RowRefused(f"{label} {value!r} is not a number")
    return number


def _int_in(value: Any, label: str, low: int, high: int) -> int:
    if isinstance(value, str):
        match = re.match(r"^\s*(?:da|dr)?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(?:/\s*100)?\s*$", value, re.IGNORECASE)
        value = match.group(1) if match else value
    number = round(_number(value, label))
    if not low <= number <= high:
        raise RowRefused(f"{label} {value!r} is outside {low}-{high}")
    return number


def _rate_limit(value: Any) -> int:
    number = _number(value, "rate limit")
    if number < 0:
        raise RowRefused(f"negative rate limit ({value!r} ms)")
    if number > 86_400_000:
        raise RowRefused(f"rate limit {value!r} ms is more than a day")
    return round(number)


def _priority(value: Any, warnings: list[str]) -> int:
    if isinstance(value, str) and value.strip().lower() in _PRIORITY_WORDS:
        return _PRIORITY_WORDS[value.strip().lower()]
    try:
        return round(_number(value, "priority"))
    except RowRefused:
        warnings.append(f"priority {str(value)[:40]!r} not understood: 0 used")
        return 0


def _text(value: Any, label: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise RowRefused(f"{label} is {type(value).__name__}, not text")
    text = str(value).strip()
    return text or None


def _http_url(value: Any, label: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowRefused(f"missing {label}")
        return None
    if not isinstance(value, str):
        raise RowRefused(f"{label} is {type(value).__name__}, not a URL")
    url = value.strip()
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc and re.match(r"^[a-z0-9.-]+\.[a-z]{2,}(/|$)", url, re.IGNORECASE):
        raise RowRefused(f"{label} {url[:80]!r} has no scheme (http:// or https://)")
    if parts.scheme.lower() not in ("http", "https"):
        raise RowRefused(f"{label} {url[:80]!r} is not an http(s) URL")
    if not parts.hostname:
        raise RowRefused(f"{label} {url[:80]!r} has no host")
    if len(url) > 2083:
        raise RowRefused(f"over-long field: {label} is longer than 2083 characters")
    return url


def _absolute(value: Any, base: str | None) -> Any:
    """'//host/path' as https; '/path' against the directory's own URL (lists often hold paths)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("//"):
        return "https:" + text
    if text.startswith("/") and base:
        return urljoin(base, text)
    return text


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _check_lengths(data: Mapping[str, Any]) -> None:
    for key, limit in (("name", MAX_DIRECTORY_TEXT), ("category", MAX_DIRECTORY_TEXT), ("notes", 2000),
                       ("submit_selector", MAX_SELECTOR)):
        value = data.get(key)
        if isinstance(value, str) and len(value) > limit:
            raise RowRefused(f"over-long field: {key} has {len(value)} characters (at most {limit})")


def _details(details: dict[str, Any]) -> dict[str, Any]:
    try:
        size = len(json.dumps(details, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        raise RowRefused("extra keys hold values that are not JSON") from None
    if size > MAX_DETAILS_BYTES:
        raise RowRefused(f"over-long field: the extra keys hold {size} bytes (at most {MAX_DETAILS_BYTES})")
    return json.loads(json.dumps(details, ensure_ascii=False, default=str))


def _source_id(entry: Mapping[str, Any]) -> str | None:
    for key in entry:
        if _norm(key) in ("id", "directoryid", "slug", "name", "title"):
            value = entry[key]
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)[:100]
    return None


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = ".".join(str(p) for p in error["loc"]) or "entry"
        message = error["msg"]
        if error["type"] in ("string_too_long", "url_too_long", "too_long"):
            message = f"over-long field ({message.lower()})"
        parts.append(f"{loc}: {message}")
    return "; ".join(parts)

