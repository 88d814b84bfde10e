"""Domain models shared by every layer (pydantic v2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from dirbolt_core.vocabulary import (
    MAX_PACKAGE_SIZE,
    JobStatus,
    Priority,
    SubmissionStatus,
)

# An SQS message may be up to 256 KiB; the profile inline in a message must be
# far smaller. Anything larger is refused before parsing.
MAX_MESSAGE_BYTES = 64 * 1024

# Catalog field limits: longer values are refused at import, never cut silently.
MAX_DIRECTORY_TEXT = 200
MAX_DIRECTORY_NOTES = 2000
MAX_SELECTOR = 500


class BusinessProfile(BaseModel):
    """A business as it is submitted to directories; keys are DESIGN.md's profile keys.

    Values are stored and typed verbatim (HTML or SQL in a description is just text).
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    business_name: str = Field(min_length=1, max_length=200)
    website: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    fax: str | None = Field(default=None, max_length=40)
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default="US", max_length=100)
    description: str | None = Field(default=None, max_length=5000)
    short_description: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=100)
    keywords: list[str] = Field(default_factory=list, max_length=50)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_first_name: str | None = Field(default=None, max_length=100)
    contact_last_name: str | None = Field(default=None, max_length=100)
    contact_title: str | None = Field(default=None, max_length=100)
    hours: str | None = Field(default=None, max_length=500)
    logo: str | None = Field(default=None, max_length=500)
    year_founded: int | None = Field(default=None, ge=1000, le=2100)
    facebook_url: str | None = Field(default=None, max_length=500)
    twitter_url: str | None = Field(default=None, max_length=500)
    linkedin_url: str | None = Field(default=None, max_length=500)
    instagram_url: str | None = Field(default=None, max_length=500)

    @field_validator("keywords", mode="before")
    @classmethod
    def _split_keywords(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def value_for(self, key: str) -> str | None:
        """The profile's value for a canonical key as text, deriving split names."""
        if key == "keywords":
            return ", ".join(self.keywords) or None
        if key == "contact_first_name" and not self.contact_first_name and self.contact_name:
            return self.contact_name.split()[0]
        if key == "contact_last_name" and not self.contact_last_name and self.contact_name:
            parts = self.contact_name.split()
            return parts[-1] if len(parts) > 1 else None
        if key == "contact_name" and not self.contact_name:
            joined = " ".join(p for p in (self.contact_first_name, self.contact_last_name) if p)
            return joined or None
        if key == "short_description" and not self.short_description and self.description:
            return self.description[:160]
        value = getattr(self, key, None)
        if value is None:
            return None
        return str(value)


class Directory(BaseModel):
    """One entry of the directory catalog."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=MAX_DIRECTORY_TEXT)
    url: HttpUrl  # at most 2083 characters (HttpUrl's own limit)
    submission_url: HttpUrl
    category: str = Field(default="general", max_length=MAX_DIRECTORY_TEXT)
    tier: int = Field(default=3, ge=1, le=5)  # 1 is best
    domain_authority: int = Field(default=0, ge=0, le=100)
    priority: int = Field(default=0)
    rate_limit_ms: int = Field(default=1000, ge=0)
    requires_login: bool = False
    has_captcha: bool = False
    is_active: bool = True
    # canonical key -> CSS selector, when the form is known.
    selectors: dict[str, str] = Field(default_factory=dict)
    # canonical key -> candidate CSS selectors from an imported catalog (the legacy list's
    # formMapping): the brain uses one only where it names a single fitting field of the live form.
    selector_hints: dict[str, list[str]] = Field(default_factory=dict)
    submit_selector: str | None = Field(default=None, max_length=MAX_SELECTOR)
    # Where a login-required directory signs in; None: the sign-in wall its submission page shows.
    login_url: HttpUrl | None = None
    notes: str | None = Field(default=None, max_length=MAX_DIRECTORY_NOTES)
    # Facts kept for people, not used to plan (difficulty, time to approval, success indicators).
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("selectors")
    @classmethod
    def _selector_length(cls, value: dict[str, str]) -> dict[str, str]:
        for key, selector in value.items():
            if len(selector) > MAX_SELECTOR:
                raise ValueError(f"selector for {key} is longer than {MAX_SELECTOR} characters")
        return value

    @field_validator("selector_hints")
    @classmethod
    def _hint_length(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, selectors in value.items():
            if any(len(s) > MAX_SELECTOR for s in selectors):
                raise ValueError(f"a selector hint for {key} is longer than {MAX_SELECTOR} characters")
        return value

    @property
    def origin(self) -> str:
        return f"{self.submission_url.scheme}://{self.submission_url.host}:{self.submission_url.port}"


class JobMessage(BaseModel):
    """The SQS message body that starts a job."""

    model_config = ConfigDict(extra="forbid")

    job_id: uuid.UUID
    customer_id: str = Field(min_length=1, max_length=100)
    package_size: int = Field(ge=1, le=MAX_PACKAGE_SIZE)
    priority: Priority
    business_data: BusinessProfile | None = None


class Job(BaseModel):
    id: uuid.UUID
    customer_id: str
    package_size: int
    priority: Priority
    status: JobStatus
    business_data: dict[str, Any]
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error: str | None = None
    # Directories the package lacks: it was larger than the directories that could be planned.
    short_by: int | None = None

    @property
    def profile(self) -> BusinessProfile:
        return BusinessProfile.model_validate(self.business_data)


class SubmissionOutcome(BaseModel):
    """What a submission attempt ended as, before it is written."""

    status: SubmissionStatus
    reason: str | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    listing_url: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    field_values: dict[str, str] = Field(default_factory=dict)
    screenshot_uri: str | None = None
    html_uri: str | None = None
    transient: bool = False  # a retry may succeed
    retry_after_s: float | None = None


class SubmissionResult(BaseModel):
    """One row of job_results as the new system reads it."""

    idempotency_key: str
    job_id: uuid.UUID
    directory_id: str
    directory_name: str | None = None
    status: SubmissionStatus
    reason: str | None = None
    listing_url: str | None = None
    attempts: int = 0
    confidence: float | None = None
    screenshot_uri: str | None = None
    html_uri: str | None = None
    field_values: dict[str, Any] = Field(default_factory=dict)
    evidence: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    processing_time_seconds: float | None = None
    rate_limit_wait_ms: int | None = None
