"""Keep secrets out of anything printed: passwords in URLs, keys in settings."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_SECRET_NAMES = re.compile(r"(PASSWORD|SECRET|TOKEN|API_KEY|_KEY$|SERVICE_KEY|DATABASE_URL|PG_URL|CREDENTIALS)",
                           re.IGNORECASE)


def redact_url(url: str) -> str:
    """postgresql://user:pw@host/db -> postgresql://user:***@host/db (query secrets too)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    query = re.sub(r"(password|sslpassword|token|key)=[^&]*", r"\1=***", parts.query, flags=re.IGNORECASE)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_conninfo(dsn: str) -> str:
    """host=db user=app password=pw -> host=db user=app password=*** (a libpq key=value DSN)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parts = conninfo_to_dict(dsn)
    except Exception:  # not a DSN after all: show nothing of it
        return "***"
    if "password" in parts:
        parts["password"] = "***"
    return make_conninfo(**parts)


def redact_env_value(name: str, value: str) -> str:
    """What may be shown of an environment variable's value: a database URL or key=value DSN without
    its password, any other secret not at all."""
    if "://" in value:
        return redact_url(value)
    if name.upper().endswith(("DATABASE_URL", "PG_URL")) and "=" in value:
        return redact_conninfo(value)
    return "***" if _SECRET_NAMES.search(name) else value
