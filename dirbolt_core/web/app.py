"""The operator web app (read-only): proof and customer reports over HTTP, so every link in the Dagster
UI and in the customer report opens in a browser. `create_app` takes more routers (a manual queue, ...):
each is included under the same authentication dependency if it uses `require_access`.

    dirbolt web [--port]        serve it (uvicorn); `dirbolt dev` starts it too
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.settings import Settings, get_settings
from dirbolt_core.web.artifacts import artifacts_router


class WebConfigError(RuntimeError):
    """The app may not start as configured (outside dev without a token)."""


def create_app(settings: Settings | None = None, *, artifacts: ArtifactStore | None = None,
               routers: Iterable[APIRouter] = ()) -> FastAPI:
    from dirbolt_core import composition

    settings = settings or get_settings()
    if settings.web_token is None and settings.env != "dev":
        raise WebConfigError("DIRBOLT_WEB_TOKEN is required outside dev (DIRBOLT_ENV=production)")
    app = FastAPI(title="dirbolt operator web app", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web_token = settings.web_token.get_secret_value() if settings.web_token else None
    app.include_router(artifacts_router(artifacts or composition.artifact_store(settings)))
    for router in routers:
        app.include_router(router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
