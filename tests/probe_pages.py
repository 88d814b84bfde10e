"""Pages of every readiness kind, written apart from the sandbox (other markup, other words), for the
probe's tests: a page server in a thread, each page with the readiness a probe should find."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

_HEAD = ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
         "<style>body{{font-family:system-ui;max-width:640px;margin:2em auto}}.fl{{margin:.8em 0}}"
         "label{{display:block;font-size:.9em;color:#444}}input,textarea,select{{width:100%;padding:.4em}}"
         "</style></head><body><nav><a href='/'>Home</a> · <a href='/about'>About</a></nav>{body}</body></html>")

READY = """<main><h1>List your company on Trade Atlas</h1>
<form id="listing" action="/ready/thanks" method="post" class="needs-validation">
 <div class="fl"><label for="co">Company *</label><input id="co" name="org_title" required></div>
 <div class="fl"><label for="em">E-mail address *</label><input id="em" name="contact_mail" type="email" required></div>
 <div class="fl"><label for="tl">Telephone</label><input id="tl" name="tel_no" type="tel"></div>
 <div class="fl"><label for="wb">Web address</label><input id="wb" name="homepage_link" type="url"></div>
 <div class="fl"><label for="cy">Town / city</label><input id="cy" name="locality"></div>
 <div class="fl"><label for="ab">Tell us about your business</label><textarea id="ab" name="blurb"></textarea></div>
 <div class="fl"><input type="checkbox" id="tos" name="agree" required>
   <label for="tos" style="display:inline">I accept the listing terms</label></div>
 <button type="submit" class="btn btn-primary">Add my business</button>
</form></main>"""

UNMAPPABLE = """<main><h2>Supplier registration</h2><p>Registered companies only.</p>
<form action="/unmappable/go" method="post">
 <p><label>Company name <input name="firma" required></label></p>
 <p><label>Email <input name="mail" type="email" required></label></p>
 <p><label>VAT registration number * <input name="vatnr"></label></p>
 <p><label>Chamber of commerce file <input name="kvk" required></label></p>
 <p><label>Sector code (NACE) <select name="nace" required><option value="">--</option>
    <option value="A01">A01</option><option value="C10">C10</option></select></label></p>
 <p><input type="submit" value="Register supplier"></p>
</form></main>"""

SIGN_IN = """<main><h1>Welcome back</h1><p>Log in to manage or add your listings.</p>
<form action="/signin/session" method="post"><fieldset><legend>Account</legend>
 <label for="u">Username or e-mail</label><input id="u" name="login" autocomplete="username">
 <label for="p">Password</label><input id="p" name="pass" type="password" autocomplete="current-password">
 <label><input type="checkbox" name="remember"> Keep me signed in</label>
 <button>Log in</button></fieldset></form><p><a href="/signup">Create an account</a></p></main>"""

# Controls nothing names: only a catalog's selector hints can map them.
OPAQUE = """<main><h1>Eintrag</h1><form action="/opaque/x" method="post">
 <div class="row"><span class="ico ico-1"></span><input name="x1" required></div>
 <div class="row"><span class="ico ico-2"></span><input name="x2" required></div>
 <div class="row"><span class="ico ico-3"></span><input name="x3" required></div>
 <button type="submit">OK</button></form></main>"""

# A spam question a person answers (no widget).
QUESTION = """<main><h1>Add your shop</h1><form method="post" action="/question/add">
 <table><tr><td><label for="s1">Shop name</label></td><td><input id="s1" name="shopname" required></td></tr>
 <tr><td><label for="s2">Email</label></td><td><input id="s2" name="shopmail" type="email" required></td></tr>
 <tr><td><label for="s3">Image code: type the characters you see</label></td>
     <td><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt=""><input id="s3" name="sc" required></td></tr>
 </table><input type="submit" value="Add shop"></form></main>"""

# A logo the listing must carry: nothing a profile can type.
UPLOAD = """<main><h1>Join the guide</h1><form method="post" action="/upload/add" enctype="multipart/form-data">
 <label>Business <input name="bname" required></label><label>Mail <input name="bmail" type="email" required></label>
 <label>Your logo (PNG) * <input type="file" name="logo_file" required accept="image/png"></label>
 <button>Join</button></form></main>"""

# A bot-check interstitial in place of the page.
CHALLENGE = """<main><h1>Just a moment...</h1><p>Checking if the site connection is secure.</p>
<div id="challenge-stage"></div><script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>
</main>"""

# The form arrives by script a moment after the page.
LATE = """<main><h1>Free listing</h1><div id="mount">Loading…</div><script>
setTimeout(() => { document.getElementById('mount').innerHTML = `<form method="post" action="/late/add">
 <label for="n">Name of your business</label><input id="n" name="n" required>
 <label for="p">Phone number</label><input id="p" name="p" type="tel" required>
 <label for="w">Website</label><input id="w" name="w" type="url">
 <button type="submit">Create listing</button></form>`; }, 1200);
</script></main>"""

ARTICLE = """<main><article><h1>Ten tips for local SEO</h1><p>Claim your listings, keep your name, address and
phone the same everywhere, collect reviews and answer them.</p><p>Our directory is closed to new submissions
this year.</p></article><aside><form role="search" action="/search"><input name="q" placeholder="Search articles">
<button>Search</button></form></aside></main>"""


def _captcha_form(widget: str) -> str:
    return f"""<main><h1>Submit a site</h1>
<form action="/captcha/post" method="post">
 <label>Site title<input name="site_title" required></label>
 <label>URL<input name="site_url" type="url" required></label>
 <label>Contact email<input name="owner_email" type="email" required></label>
 <label>Description<textarea name="site_desc"></textarea></label>
 {widget}
 <input type="submit" value="Submit site">
</form></main>"""


RECAPTCHA = _captcha_form('<div class="g-recaptcha" data-sitekey="6Lc_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"></div>'
                          '<script src="https://www.google.com/recaptcha/api.js" async defer></script>')
HCAPTCHA = _captcha_form('<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div>'
                         '<script src="https://js.hcaptcha.com/1/api.js" async defer></script>')


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_HEAD.format(title=title, body=body), status_code=status)


@dataclass
class PageServer:
    url: str
    port: int
    requests: list[tuple[float, str, str]] = field(default_factory=list)  # (time, method, path)

    def posts(self) -> list[str]:
        return [path for _, method, path in self.requests if method == "POST"]

    def gets(self, path: str) -> list[float]:
        return [t for t, method, p in self.requests if method == "GET" and p == path]


# Page path -> the readiness a probe must find there.
EXPECTED = {
    "/ready/": "ready",
    "/unmappable/": "needs_review",
    "/signin/": "login_required",
    "/members/add": "login_required",  # redirects to the sign-in page
    "/recaptcha/": "captcha",
    "/hcaptcha/": "captcha",
    "/article/": "no_form",
    "/question/": "captcha",
    "/upload/": "needs_review",
    "/challenge/": "captcha",
    "/late/": "ready",
    "/missing/": "unreachable",
    "/gone/": "unreachable",
    "/broken/": "unreachable",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_probe_pages() -> Iterator[PageServer]:
    port = free_port()
    server_state = PageServer(url=f"http://127.0.0.1:{port}", port=port)
    flaky_hits: dict[str, int] = {}

    async def route(request: Request) -> Response:
        path = request.url.path
        server_state.requests.append((time.monotonic(), request.method, path))
        if path in ("/ready/", "/paced/"):
            return _page("Trade Atlas — add a company", READY)
        if path == "/opaque/":
            return _page("Eintrag", OPAQUE)
        if path == "/unmappable/":
            return _page("Supplier registration", UNMAPPABLE)
        if path == "/signin/":
            return _page("Log in", SIGN_IN)
        if path == "/members/add":
            return RedirectResponse("/signin/?return=/members/add", status_code=302)
        if path == "/recaptcha/":
            return _page("Submit a site", RECAPTCHA)
        if path == "/hcaptcha/":
            return _page("Submit a site", HCAPTCHA)
        if path == "/question/":
            return _page("Add your shop", QUESTION)
        if path == "/upload/":
            return _page("Join the guide", UPLOAD)
        if path == "/challenge/":
            return _page("Just a moment...", CHALLENGE, 403)
        if path == "/late/":
            return _page("Free listing", LATE)
        if path == "/article/":
            return _page("Local SEO tips", ARTICLE)
        if path == "/gone/":
            return _page("Gone", "<h1>This directory has closed</h1>", 410)
        if path == "/broken/":
            return _page("Error", "<h1>Internal Server Error</h1>", 500)
        if path == "/flaky/":
            flaky_hits[path] = flaky_hits.get(path, 0) + 1
            if flaky_hits[path] == 1:
                return Response("busy", status_code=503, headers={"Retry-After": "1"})
            return _page("Trade Atlas — add a company", READY)
        return _page("Not found", "<h1>Page not found</h1><form action='/search'><input name='q'></form>", 404)

    app = Starlette(routes=[Route("/{path:path}", route, methods=["GET", "POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("probe page server did not start")
        time.sleep(0.05)
    try:
        yield server_state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
