"""Proof storage: screenshots and final HTML of every attempt.

Local folder by default; S3 (any endpoint) or Supabase Storage in production.
Every store returns a URI that the result row keeps and `read` understands.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse


class ArtifactStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str | None = None) -> str: ...

    def read(self, uri: str) -> bytes: ...

    def exists(self, uri: str) -> bool: ...


def image_kind(data: bytes) -> tuple[str, str]:
    """The file suffix and content type of a screenshot, from its first bytes (JPEG or PNG)."""
    if data[:3] == b"\xff\xd8\xff":
        return ".jpg", "image/jpeg"
    return ".png", "image/png"


def _safe_key(key: str) -> str:
    parts = [p for p in key.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        raise ValueError("empty artifact key")
    return "/".join(parts)


class LocalArtifactStore:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
        path = self.root / _safe_key(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file
        return path.as_uri()

    def _path(self, uri: str) -> Path:
        parsed = urlparse(uri)
        if parsed.scheme != "file":
            raise ValueError(f"not a local artifact: {uri}")
        path = Path(parsed.path).resolve()
        if self.root not in path.parents:
            raise ValueError(f"{uri} is outside the artifact folder")
        return path

    def read(self, uri: str) -> bytes:
        return self._path(uri).read_bytes()

    def exists(self, uri: str) -> bool:
        try:
            return self._path(uri).is_file()
        except ValueError:
            return False


class S3ArtifactStore:
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str = "us-east-1", create_bucket: bool = False):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        if create_bucket:
            existing = {b["Name"] for b in self._s3.list_buckets().get("Buckets", [])}
            if bucket not in existing:
                self._s3.create_bucket(Bucket=bucket)

    @property
    def client(self):
        return self._s3

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_safe_key(key)}" if self.prefix else _safe_key(key)

    def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
        full = self._key(key)
        self._s3.put_object(Bucket=self.bucket, Key=full, Body=data,
                            ContentType=content_type or mimetypes.guess_type(key)[0] or "application/octet-stream")
        return f"s3://{self.bucket}/{full}"

    def _split(self, uri: str) -> tuple[str, str]:
        parsed = urlparse(uri)
        if parsed.scheme != "s3":
            raise ValueError(f"not an S3 artifact: {uri}")
        return parsed.netloc, parsed.path.lstrip("/")

    def read(self, uri: str) -> bytes:
        bucket, key = self._split(uri)
        return self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def exists(self, uri: str) -> bool:
        bucket, key = self._split(uri)
        try:
            self._s3.head_object(Bucket=bucket, Key=key)
            return True
        except self._s3.exceptions.ClientError:
            return False


class SupabaseArtifactStore:
    """Supabase Storage (production). Needs SUPABASE_URL and SUPABASE_SERVICE_KEY."""

    def __init__(self, bucket: str, prefix: str = "", *, url: str | None = None, key: str | None = None):
        from supabase import create_client

        if not url or not key:
            raise RuntimeError("supabase:// artifacts need SUPABASE_URL and SUPABASE_SERVICE_KEY")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = create_client(url, key).storage.from_(bucket)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_safe_key(key)}" if self.prefix else _safe_key(key)

    def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
        full = self._key(key)
        self._client.upload(full, data, {"content-type": content_type or "application/octet-stream",
                                         "upsert": "true"})
        return f"supabase://{self.bucket}/{full}"

    def read(self, uri: str) -> bytes:
        parsed = urlparse(uri)
        return self._client.download(parsed.path.lstrip("/"))

    def exists(self, uri: str) -> bool:
        try:
            self.read(uri)
            return True
        except Exception:  # the client raises its own error types for a missing object
            return False


def artifact_store_from_uri(uri: str, *, s3_endpoint_url: str | None = None, supabase_url: str | None = None,
                            supabase_service_key: str | None = None) -> ArtifactStore:
    parsed = urlparse(uri)
    if parsed.scheme == "s3":
        return S3ArtifactStore(parsed.netloc, parsed.path, endpoint_url=s3_endpoint_url)
    if parsed.scheme == "supabase":
        return SupabaseArtifactStore(parsed.netloc, parsed.path, url=supabase_url, key=supabase_service_key)
    if parsed.scheme == "file":
        return LocalArtifactStore(Path(parsed.path))
    if parsed.scheme == "":
        return LocalArtifactStore(Path(uri))
    raise ValueError(f"unsupported artifact store {uri!r} (use a folder, file://, s3:// or supabase://)")
