"""The manual queue's page of the operator web app: list what waits for a person, open its proof,
resolve it (once).

`manual_router(store, artifacts)` is a FastAPI APIRouter; the operator app mounts it with
`app.include_router(manual_router(store, artifacts), prefix="/manual")` behind its own sign-in.
Routes (relative to the prefix):
  GET  /                                   the queue (HTML); ?job=ID filters
  GET  /items.json                         the same as JSON
  GET  /{job}/{directory}/proof/screenshot the row's screenshot (image)
  GET  /{job}/{directory}/proof/html       the row's final page, as inert text
  GET  /{job}/{directory}/proof/mail       the confirmation mail that sent the row here, as inert text
  POST /{job}/{directory}/resolve          form: status, by, note, listing_url -> 303 back to the list,
                                           409 when the row was resolved already (the first stands)
Every value shown comes from the database or a directory site and is escaped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dirbolt_core.artifacts import ArtifactStore
from dirbolt_core.db.manual import RESOLVABLE, AlreadyResolvedError, ManualItem, NotInQueueError
from dirbolt_core.db.store import Store

CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f8fb}
header{background:#15233f;color:#fff;padding:16px 24px}main{padding:16px 24px}
table{border-collapse:collapse;width:100%;background:#fff}td,th{border-bottom:1px solid #e3e7ee;padding:8px;
text-align:left;vertical-align:top}th{background:#eef2f8;font-size:12px;text-transform:uppercase}
.values{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}.flash{padding:8px 12px;
border-radius:6px;margin-bottom:12px}.ok{background:#d3f5dd}.err{background:#ffe0e0}form.resolve input,
form.resolve select{display:block;margin:2px 0 6px;width:100%}.pressed{color:#9b1c1c;font-weight:600}"""
PROOF_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


def _age(seconds: float) -> str:
    return f"{int(seconds // 60)} min" if seconds < 3600 else (
        f"{seconds / 3600:.1f} h" if seconds < 86400 else f"{seconds / 86400:.1f} d")


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
                        f"<style>{CSS}</style></head><body><header><h1>{escape(title)}</h1></header>"
                        f"<main>{body}</main></body></html>", status_code=status_code)


def _row(base: str, item: ManualItem) -> str:
    path = f"{base}/{item.job_id}/{quote(item.directory_id, safe='')}"
    reason = escape(item.reason or "")
    if item.unknown_outcome and item.submit_pressed_at:
        reason += (f"<div class='pressed'>submit pressed at "
                   f"{item.submit_pressed_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC</div>")
    proofs = []
    if item.screenshot_uri:
        proofs.append(f"<a class='proof-screenshot' href='{path}/proof/screenshot' target='_blank'>screenshot</a>")
    if item.html_uri:
        proofs.append(f"<a class='proof-html' href='{path}/proof/html' target='_blank'>final page</a>")
    if item.evidence.get("verification_mail"):
        proofs.append(f"<a class='proof-mail' href='{path}/proof/mail' target='_blank'>confirmation mail</a>")
    submit = (f"<a href='{escape(item.submission_url, quote=True)}' rel='noopener noreferrer' target='_blank'>"
              f"{escape(item.submission_url)}</a>") if (item.submission_url or "").startswith(("http://", "https://")) \
        else escape(item.submission_url or "")
    values = "\n".join(f"{k}: {v}" for k, v in item.profile.items())
    options = "".join(f"<option value='{s.value}'>{s.value}</option>" for s in RESOLVABLE)
    return (f"<tr class='item' data-job='{item.job_id}' data-directory='{escape(item.directory_id, quote=True)}'>"
            f"<td><b>{escape(item.directory_name or item.directory_id)}</b><br><small>{escape(item.directory_id)}"
            f"</small><br><small>job {item.job_id}</small></td><td class='reason'>{reason}</td><td>{submit}</td>"
            f"<td>{' · '.join(proofs) or 'no proof'}</td><td class='values'>{escape(values)}</td>"
            f"<td>{_age(item.age_s)}</td>"
            f"<td><form class='resolve' method='post' action='{path}/resolve'>"
            f"<label>status<select name='status'>{options}</select></label>"
            f"<label>listing URL<input name='listing_url' type='url'></label>"
            f"<label>note<input name='note'></label><label>by<input name='by' required></label>"
            f"<button type='submit'>Resolve</button></form></td></tr>")


def manual_router(store: Store, artifacts: ArtifactStore | None) -> APIRouter:
    router = APIRouter()

    def item_or_404(job: uuid.UUID, directory: str) -> ManualItem:
        item = store.manual.get(job, directory)
        if item is None:
            raise HTTPException(404, "not in the manual queue")
        return item

    @router.get("/", response_class=HTMLResponse)
    def queue_page(request: Request, job: uuid.UUID | None = None, resolved: str | None = None,
                   error: str | None = None) -> HTMLResponse:
        base = str(request.url.path).rstrip("/")
        items = store.manual.list(job)
        flash = ""
        if resolved:
            flash = f"<p class='flash ok' id='flash'>{escape(resolved)}</p>"
        if error:
            flash = f"<p class='flash err' id='flash'>{escape(error)}</p>"
        rows = "".join(_row(base, i) for i in items)
        table = ("<table id='queue'><thead><tr><th>directory</th><th>reason</th><th>submission URL</th><th>proof</th>"
                 "<th>values to paste</th><th>age</th><th>resolve</th></tr></thead><tbody>"
                 f"{rows}</tbody></table>") if items else "<p id='empty'>Nothing waits for a person.</p>"
        return _page(f"Manual queue ({len(items)})", flash + table)

    @router.get("/items.json")
    def queue_json(job: uuid.UUID | None = None) -> JSONResponse:
        return JSONResponse([i.model_dump(mode="json") for i in store.manual.list(job)])

    @router.get("/{job}/{directory}/proof/{kind}")
    def proof(job: uuid.UUID, directory: str, kind: str) -> Response:
        item = item_or_404(job, directory)
        uri = {"screenshot": item.screenshot_uri, "html": item.html_uri,
               "mail": item.evidence.get("verification_mail")}.get(kind)
        if not uri or artifacts is None:
            raise HTTPException(404, "no such proof")
        try:
            data = artifacts.read(uri)
        except Exception as exc:  # a proof that cannot be read is a 404, never a crash of the page
            raise HTTPException(404, "proof unavailable") from exc
        if kind == "screenshot":
            kind_type = "image/jpeg" if uri.endswith((".jpg", ".jpeg")) else "image/png"
            return Response(data, media_type=kind_type, headers={"Content-Security-Policy": PROOF_CSP})
        # A directory's page or mail: shown as text, never run in the operator's origin.
        return Response(data, media_type="text/plain; charset=utf-8",
                        headers={"Content-Security-Policy": PROOF_CSP, "X-Content-Type-Options": "nosniff"})

    @router.post("/{job}/{directory}/resolve")
    async def resolve(request: Request, job: uuid.UUID, directory: str) -> Response:
        form = await request.form()
        base = str(request.url.path).rsplit("/", 3)[0]

        def field(name: str) -> str | None:
            value = str(form.get(name) or "").strip()
            return value or None

        try:
            resolution = store.manual.resolve(job, directory, status=field("status") or "", by=field("by") or "",
                                              note=field("note"), listing_url=field("listing_url"))
        except AlreadyResolvedError as exc:
            return _page("Already resolved", f"<p class='flash err' id='flash'>{escape(str(exc))}</p>"
                         f"<p><a href='{base}/'>back to the queue</a></p>", status_code=409)
        except NotInQueueError as exc:
            return _page("Not in the queue", f"<p class='flash err' id='flash'>{escape(str(exc))}</p>"
                         f"<p><a href='{base}/'>back to the queue</a></p>", status_code=404)
        except ValueError as exc:
            return _page("Not resolved", f"<p class='flash err' id='flash'>{escape(str(exc))}</p>"
                         f"<p><a href='{base}/'>back to the queue</a></p>", status_code=422)
        message = f"{directory}: {resolution.to_status.value} (by {resolution.resolved_by})"
        return RedirectResponse(f"{base}/?resolved={quote(message)}", status_code=303)

    return router
