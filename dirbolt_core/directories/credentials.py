"""Per-directory sign-in credentials from the secret store: the environment or a mounted file.

    DIRBOLT_DIRECTORY_CREDENTIALS='{"proguild": {"username": "agency", "password": "..."}}'
    DIRBOLT_CREDENTIALS_FILE=/run/secrets/dirbolt-credentials.json   # same shape

Never written to the database, never logged: values are SecretStr, their repr is masked, and
they are registered with the log redactor the moment they are read. Errors name the source
and the directory, never a value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, model_validator

from dirbolt_core.logs import register_sensitive

log = logging.getLogger(__name__)


class CredentialsError(ValueError):
    pass


class DirectoryCredential(BaseModel):
    """One directory account. A sign-in form asks for a username or an e-mail; either is used for the other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: SecretStr | None = None
    email: SecretStr | None = None
    password: SecretStr

    @model_validator(mode="after")
    def _has_login(self) -> DirectoryCredential:
        if self.username is None and self.email is None:
            raise ValueError("needs a username or an email beside the password")
        return self

    def value_for(self, key: str) -> str | None:
        """The secret to type into a sign-in field the brain mapped to `key`."""
        if key == "password":
            return self.password.get_secret_value()
        if key in ("username", "email"):
            first, second = (self.username, self.email) if key == "username" else (self.email, self.username)
            chosen = first or second
            return chosen.get_secret_value() if chosen else None
        return None

    def secrets(self) -> list[str]:
        return [s.get_secret_value() for s in (self.username, self.email, self.password) if s is not None]


class CredentialStore:
    """Credentials by directory id; `error` says (without values) what could not be read."""

    def __init__(self, entries: Mapping[str, DirectoryCredential] | None = None, *, error: str | None = None):
        self._entries = dict(entries or {})
        self.error = error
        for credential in self._entries.values():
            register_sensitive(credential.secrets())

    def __repr__(self) -> str:
        return f"CredentialStore({len(self._entries)} directories)"

    def get(self, directory_id: str) -> DirectoryCredential | None:
        return self._entries.get(directory_id)

    def ids(self) -> frozenset[str]:
        return frozenset(self._entries)

    def __contains__(self, directory_id: object) -> bool:
        return directory_id in self._entries

    @classmethod
    def from_settings(cls, settings: Any = None) -> CredentialStore:
        """Both sources, the environment's entry winning for a directory named in both. A source
        that cannot be read is reported in `error` (and logged without its contents)."""
        if settings is None:
            from dirbolt_core.settings import get_settings

            settings = get_settings()
        entries: dict[str, DirectoryCredential] = {}
        errors: list[str] = []
        sources: list[tuple[str, str]] = []
        if settings.credentials_file is not None:
            try:
                sources.append((f"file {settings.credentials_file}", Path(settings.credentials_file).read_text()))
            except OSError as exc:
                errors.append(f"file {settings.credentials_file}: {exc.strerror or type(exc).__name__}")
        if settings.directory_credentials is not None:
            sources.append(("DIRBOLT_DIRECTORY_CREDENTIALS", settings.directory_credentials.get_secret_value()))
        for name, text in sources:
            try:
                entries.update(parse_credentials(text, source=name))
            except CredentialsError as exc:
                errors.append(str(exc))
        error = "; ".join(errors) or None
        if error:
            log.error("directory credentials: %s", error)
        return cls(entries, error=error)


def parse_credentials(text: str, *, source: str = "credentials") -> dict[str, DirectoryCredential]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # The message says where, never what: the text is a secret.
        raise CredentialsError(f"{source}: not JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"{source}: expected an object of directory id -> credentials")
    entries: dict[str, DirectoryCredential] = {}
    for directory_id, value in data.items():
        try:
            entries[str(directory_id)] = DirectoryCredential.model_validate(value)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or e["msg"] for e in exc.errors()[:3])
            raise CredentialsError(f"{source}: directory {str(directory_id)[:60]!r}: invalid ({fields})") from None
    return entries
