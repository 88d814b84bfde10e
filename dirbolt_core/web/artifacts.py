"""GET /artifacts/<key>: a proof screenshot, a page's final HTML or a customer report, read-only.

Only keys inside proof storage are served: a key with `..`, an absolute path or a link that leads out
of the artifact folder is refused (404), whatever its encoding. S3 artifacts are a redirect to a
presigned URL; Supabase ones are read through the store."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from dirbolt_core.artifacts import ArtifactStore, LocalArtifactStore, S3ArtifactStore, SupabaseArtifactStore
from dirbolt_core.web.auth import require_access
from dirbolt_core.web.links import PRESIGNED_TTL_S


def _local_file(store: LocalArtifactStore, key: str) -> Path:
    parts = key.replace("\\", "/").split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\x00" in key:
        raise HTTPException(404, "no such artifact")
    path = (store.root / key).resolve()
    if store.root not in path.parents or not path.is_file():
        raise HTTPException(404, "no such artifact")
    return path


def artifacts_router(store: ArtifactStore) -> APIRouter:
    router = APIRouter(tags=["artifacts"])

    @router.get("/artifacts/{key:path}", dependencies=[Depends(require_access)])
    def artifact(key: str, request: Request) -> Response:
        if isinstance(store, LocalArtifactStore):
            path = _local_file(store, key)
            return FileResponse(path, media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                                headers={"X-Content-Type-Options": "nosniff"})
        if ".." in key.split("/"):
            raise HTTPException(404, "no such artifact")
        if isinstance(store, S3ArtifactStore):
            url = store.client.generate_presigned_url(
                "get_object", Params={"Bucket": store.bucket, "Key": store._key(key)}, ExpiresIn=PRESIGNED_TTL_S)
            return RedirectResponse(url, status_code=307)
        if isinstance(store, SupabaseArtifactStore):
            try:
                data = store.read(f"supabase://{store.bucket}/{store._key(key)}")
            except Exception:
                raise HTTPException(404, "no such artifact") from None
            return Response(data, media_type=mimetypes.guess_type(key)[0] or "application/octet-stream",
                            headers={"X-Content-Type-Options": "nosniff"})
        raise HTTPException(404, "no such artifact")

    return router
