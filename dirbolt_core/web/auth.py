"""Who may read: anyone in dev without a token; otherwise a bearer token, a link signed with it, or
the sign-in cookie a browser gets from `/login?token=...` (the manual queue's pages are used by people)."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from dirbolt_core.web.links import sign

TOKEN_COOKIE = "dirbolt_web_token"


def token_matches(request: Request, offered: str | None) -> bool:
    token: str | None = request.app.state.web_token
    return token is None or (bool(offered) and hmac.compare_digest(offered, token))


def require_access(request: Request) -> None:
    token: str | None = request.app.state.web_token
    if token is None:
        return  # dev without a token (create_app refuses to start so outside dev)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return
    cookie = request.cookies.get(TOKEN_COOKIE)
    if cookie and hmac.compare_digest(cookie, token):
        return
    key = request.path_params.get("key")
    sig = request.query_params.get("sig", "")
    if key is not None and sig and hmac.compare_digest(sig, sign(key, token)):
        return
    raise HTTPException(401, "a bearer token or a signed link is needed", headers={"WWW-Authenticate": "Bearer"})
