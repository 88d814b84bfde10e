"""HTTP links to proof and reports, for the Dagster UI's metadata, the customer report and the CLI.

A local artifact (file://) is served by the operator web app at `{DIRBOLT_WEB_URL}/artifacts/<key>`; with
a `DIRBOLT_WEB_TOKEN` the link carries a signature of its key (HMAC-SHA256 with the token), so a browser
opens it without the token and a link to one file opens nothing else. An S3 artifact gets a presigned
URL; a Supabase one goes through the web app like a local file."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from urllib.parse import quote, urlparse

from dirbolt_core.artifacts import ArtifactStore, LocalArtifactStore, S3ArtifactStore
from dirbolt_core.settings import Settings

PRESIGNED_TTL_S = 7 * 24 * 3600  # S3's longest


def sign(key: str, token: str) -> str:
    return hmac.new(token.encode(), key.encode(), hashlib.sha256).hexdigest()


def artifact_key(store: ArtifactStore, uri: str) -> str | None:
    """The key of `uri` in `store` (what the web app serves), None when it is not one of its artifacts."""
    parsed = urlparse(uri)
    if isinstance(store, LocalArtifactStore):
        if parsed.scheme != "file":
            return None
        path = Path(parsed.path).resolve()
        return path.relative_to(store.root).as_posix() if store.root in path.parents else None
    if parsed.scheme in ("s3", "supabase"):
        key = parsed.path.lstrip("/")
        prefix = getattr(store, "prefix", "")
        return key.removeprefix(f"{prefix}/") if prefix else key
    return None


class ArtifactLinks:
    def __init__(self, store: ArtifactStore, *, base_url: str, token: str | None):
        self.store = store
        self.base_url = base_url.rstrip("/")
        self._token = token

    @classmethod
    def from_settings(cls, settings: Settings, store: ArtifactStore) -> ArtifactLinks:
        token = settings.web_token.get_secret_value() if settings.web_token else None
        return cls(store, base_url=settings.resolved_web_url(), token=token)

    def url(self, uri: str | None) -> str | None:
        """An http(s) URL that opens `uri`; the URI itself when it already is one; None for no URI."""
        if not uri:
            return None
        if urlparse(uri).scheme in ("http", "https"):
            return uri
        if isinstance(self.store, S3ArtifactStore) and uri.startswith("s3://"):
            parsed = urlparse(uri)
            return self.store.client.generate_presigned_url(
                "get_object", Params={"Bucket": parsed.netloc, "Key": parsed.path.lstrip("/")},
                ExpiresIn=PRESIGNED_TTL_S)
        key = artifact_key(self.store, uri)
        if key is None:
            return None
        link = f"{self.base_url}/artifacts/{quote(key)}"
        return f"{link}?sig={sign(key, self._token)}" if self._token else link
