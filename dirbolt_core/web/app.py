"""The operator web app (read-only): proof and customer reports over HTTP, so every link in the Dagster
UI and in the customer report opens in a browser. `create_app` takes more routers (a manual queue, ...):
each is included under the same authentication dependency if it uses `require_access`.

    dirbolt web [--port]        serve it (uvicorn) with the manual queue (`operator_app`); `dirbolt dev` starts it too
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.db.store import Store
from dirbolt_core.settings import Settings, get_settings
from dirbolt_core.web.artifacts import artifacts_router
from dirbolt_core.web.auth import TOKEN_COOKIE, require_access, token_matches


class WebConfigError(RuntimeError):
    """The app may not start as configured (outside dev without a token)."""


def _require_token_outside_dev(settings: Settings) -> None:
    if settings.web_token is None and settings.env != "dev":
        raise WebConfigError("DIRBOLT_WEB_TOKEN is required outside dev (DIRBOLT_ENV=production)")


def create_app(settings: Settings | None = None, *, artifacts: ArtifactStore | None = None,
               routers: Iterable[APIRouter] = ()) -> FastAPI:
    from dirbolt_core import composition

    settings = settings or get_settings()
    _require_token_outside_dev(settings)
    app = FastAPI(title="dirbolt operator web app", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web_token = settings.web_token.get_secret_value() if settings.web_token else None
    app.include_router(artifacts_router(artifacts or composition.artifact_store(settings)))
    for router in routers:
        app.include_router(router)

    @app.get("/login")
    def login(request: Request, token: str = "", next: str = "/manual/") -> Response:
        """A browser's sign-in: the token once in the address, then a cookie (HttpOnly, SameSite)."""
        if not token_matches(request, token):
            raise HTTPException(401, "wrong token")
        # Only a path of this app: "//host" and "/\\host" are another site to a browser.
        target = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/manual/"
        answer = RedirectResponse(target, status_code=303)
        if app.state.web_token is not None:
            answer.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return answer

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def operator_app(settings: Settings | None = None, *, store: Store | None = None,
                 artifacts: ArtifactStore | None = None) -> FastAPI:
    """What `dirbolt web` serves: proof and reports, and the manual work queue under /manual
    (behind the same access rule: sign in with /login?token=... outside dev)."""
    from dirbolt_core import composition
    from dirbolt_core.manual.web import manual_router

    settings = settings or get_settings()
    _require_token_outside_dev(settings)  # before a database pool is opened for nothing
    artifacts = artifacts or composition.artifact_store(settings)
    store = store or composition.open_store(settings, max_size=4)
    manual = APIRouter(prefix="/manual", dependencies=[Depends(require_access)])
    manual.include_router(manual_router(store, artifacts))
    return create_app(settings, artifacts=artifacts, routers=[manual])
