"""The browser's network policy on the real web: any public origin, never the machine's insides.

Two loopback origins serve the pages; production mode is tested with a resolver pointed at test
names (a 'public' name dialled to loopback, names resolving to loopback, metadata and private
addresses), so every refusal is judged on the resolved address, for the first URL, subresources,
frames, XHR and redirects, and listed in the attempt's evidence.
"""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import BlockedUrl, Resolver, UrlGuard
from tests.two_origins import TwoOrigins

PUBLIC = "93.184.215.14"  # a public address; the test resolver dials it on loopback


class Pages:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}
        self.redirects: dict[str, str] = {}

    def app(self) -> Starlette:
        async def serve(request: Request) -> Response:
            path = request.url.path
            if path in self.redirects:
                return RedirectResponse(self.redirects[path], status_code=302)
            body, kind = self.pages.get(path, ("ok", "text/plain"))
            return PlainTextResponse(body, media_type=kind)

        return Starlette(routes=[Route("/{rest:path}", serve, methods=["GET", "POST"])])


@pytest.fixture(scope="module")
def pages():
    p = Pages()
    with TwoOrigins(p.app()) as servers:
        servers.pages = p  # type: ignore[attr-defined]
        yield servers


def _visit(guard: UrlGuard, url: str, *, wait_s: float = 1.5, types: tuple[str, ...] = ("media", "font")
           ) -> tuple[list[dict[str, str]], str | None]:
    async def go() -> tuple[list[dict[str, str]], str | None]:
        async with BrowserPool(BrowserOptions(block_resource_types=types), guard) as pool:
            context = await pool.new_context()
            page = await context.new_page()
            error = None
            try:
                await page.goto(url, wait_until="load")
                await asyncio.sleep(wait_s)
            except Exception as exc:
                error = str(exc)
            blocked = pool.blocked_requests(context)
            await context.close()
            return blocked, error

    return asyncio.run(go())


def test_dev_mode_loads_from_any_origin_and_blocks_heavy_types_and_metadata(pages):
    p = pages.pages
    p.pages["/dev/page"] = (f"""<!doctype html><html><head>
<link rel=stylesheet href="{pages.b}/cdn/style.css"><script src="{pages.b}/cdn/app.js"></script>
<style>@font-face {{ font-family: X; src: url('{pages.b}/cdn/font.woff2'); }} body {{ font-family: X; }}</style>
</head><body>text<iframe src="{pages.b}/widget/frame"></iframe>
<video src="{pages.b}/cdn/movie.mp4" autoplay muted></video>
<script>fetch('{pages.b}/api/ping').catch(() => 0); fetch('http://169.254.169.254/latest/meta-data/').catch(() => 0);
fetch('http://meta.test:{pages.ports[1]}/x').catch(() => 0);</script></body></html>""", "text/html")
    p.pages["/cdn/app.js"] = ("window.loaded = 1;", "application/javascript")
    pages.log.clear()
    guard = UrlGuard(resolver=Resolver(hosts={"meta.test": ["169.254.169.254"]}))
    blocked, error = _visit(guard, f"{pages.a}/dev/page")
    assert error is None
    seen = pages.log.paths()
    # Every public (here: loopback, allowed outside production) origin's resources arrived.
    for path in ("/cdn/style.css", "/cdn/app.js", "/widget/frame", "/api/ping"):
        assert path in seen, (path, seen)
    # Heavy types were never fetched, and are listed with why.
    assert "/cdn/movie.mp4" not in seen and "/cdn/font.woff2" not in seen
    by_url = {b["url"]: b for b in blocked}
    assert "resource type media" in by_url[f"{pages.b}/cdn/movie.mp4"]["reason"]
    assert "resource type font" in by_url[f"{pages.b}/cdn/font.woff2"]["reason"]
    # Metadata: by address, and by a name that resolves to it, in every mode.
    assert "metadata" in by_url["http://169.254.169.254/latest/meta-data/"]["reason"]
    meta = next(b for b in blocked if "meta.test" in b["url"])
    assert "169.254.169.254" in meta["reason"] and meta["by"] == "proxy"
    assert "/x" not in seen


def test_production_refuses_loopback_private_and_metadata_on_subresources_frames_xhr_and_redirects(pages):
    p = pages.pages
    b_port = pages.ports[1]
    p.pages["/prod/page"] = (f"""<!doctype html><html><head>
<script src="http://127.0.0.1:{b_port}/secret/script.js"></script>
<script src="http://rebind.test:{b_port}/secret/rebound.js"></script>
<script src="http://dir.public.test:{pages.ports[0]}/bounce"></script>
<script src="http://cdn.public.test:{b_port}/cdn/ok.js"></script>
</head><body><iframe src="http://10.0.0.5/widget"></iframe><iframe src="http://localhost:{b_port}/secret/frame">
</iframe><script>fetch('http://[::1]:{b_port}/secret/xhr').catch(() => 0);
fetch('http://169.254.169.254/latest/meta-data/').catch(() => 0);</script></body></html>""", "text/html")
    p.redirects["/bounce"] = f"http://127.0.0.1:{b_port}/secret/redirected.js"
    pages.log.clear()
    resolver = Resolver(hosts={"dir.public.test": [PUBLIC], "cdn.public.test": [PUBLIC],
                               "rebind.test": ["127.0.0.1"]}, dial={PUBLIC: "127.0.0.1"})
    guard = UrlGuard(production=True, resolver=resolver)
    blocked, error = _visit(guard, f"http://dir.public.test:{pages.ports[0]}/prod/page")
    assert error is None
    seen = pages.log.paths()
    assert "/prod/page" in seen and "/bounce" in seen and "/cdn/ok.js" in seen  # public: allowed
    assert not [s for s in seen if s.startswith("/secret/")], seen  # nothing internal was reached
    reasons = {b["url"]: b["reason"] for b in blocked}
    assert "production" in reasons[f"http://127.0.0.1:{b_port}/secret/script.js"]
    assert "resolves to 127.0.0.1" in reasons[f"http://rebind.test:{b_port}/secret/rebound.js"]
    # The redirect's target was refused although the first URL of the chain was allowed.
    assert "production" in reasons[f"http://127.0.0.1:{b_port}/secret/redirected.js"]
    assert "production" in reasons["http://10.0.0.5/widget"]
    assert "production" in reasons[f"http://localhost:{b_port}/secret/frame"]
    assert "production" in reasons[f"http://[::1]:{b_port}/secret/xhr"]
    assert "metadata" in reasons["http://169.254.169.254/latest/meta-data/"]


def test_production_refuses_a_page_redirecting_to_a_private_address(pages):
    pages.pages.redirects["/moved"] = f"http://127.0.0.1:{pages.ports[1]}/secret/admin"
    pages.log.clear()
    resolver = Resolver(hosts={"apex.test": [PUBLIC]}, dial={PUBLIC: "127.0.0.1"})
    blocked, _error = _visit(UrlGuard(production=True, resolver=resolver), f"http://apex.test:{pages.ports[0]}/moved",
                             wait_s=0.2)
    # The redirect's target was refused by the proxy (the page shows its 403, never the target).
    assert "/moved" in pages.log.paths() and "/secret/admin" not in pages.log.paths()
    assert any(b["url"] == f"http://127.0.0.1:{pages.ports[1]}/secret/admin" for b in blocked)


class FlipResolver(Resolver):
    """A name that answers a public address first and loopback afterwards (DNS rebinding)."""

    def __init__(self) -> None:
        super().__init__(dial={PUBLIC: "127.0.0.1"}, ttl_s=0)
        self.calls = 0

    async def resolve(self, host: str):
        if host != "flip.test":
            return await super().resolve(host)
        self.calls += 1
        return (ipaddress.ip_address(PUBLIC if self.calls == 1 else "127.0.0.1"),)


def test_production_judges_every_request_on_its_own_resolution_dns_rebinding(pages):
    port = pages.ports[0]
    pages.pages.pages["/flip/page"] = (f"<!doctype html><script src='http://flip.test:{port}/secret/after.js'>"
                                       "</script><p>hi</p>", "text/html")
    pages.log.clear()
    resolver = FlipResolver()
    blocked, error = _visit(UrlGuard(production=True, resolver=resolver), f"http://flip.test:{port}/flip/page")
    assert error is None and resolver.calls >= 2
    assert "/flip/page" in pages.log.paths() and "/secret/after.js" not in pages.log.paths()
    assert any(b["url"].startswith(f"http://flip.test:{port}") and "127.0.0.1" in b["reason"] for b in blocked)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8710/", "http://localhost:9000/", "http://10.0.0.5/",
                                 "http://192.168.1.1/", "http://[::1]/", "http://rebind.test/",
                                 "http://169.254.169.254/", "http://meta.test/"])
def test_production_refuses_the_first_url_on_its_resolved_address(url):
    resolver = Resolver(hosts={"rebind.test": ["127.0.0.1"], "meta.test": ["169.254.169.254"]})
    with pytest.raises(BlockedUrl):
        UrlGuard(production=True, resolver=resolver).check_url_resolving(url)
    dev = UrlGuard(resolver=resolver)
    if "169.254" in url or "meta.test" in url:
        with pytest.raises(BlockedUrl, match="metadata"):
            dev.check_url_resolving(url)
    else:
        dev.check_url_resolving(url)  # test and sandbox mode: loopback and private hosts are allowed


async def _connect_through(proxy_port: int, target: str, then: bytes = b"") -> tuple[bytes, bytes]:
    """A CONNECT to `target` through the proxy; the answer's head and what the tunnel gives back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    body = b""
    if then and head.startswith(b"HTTP/1.1 200"):
        writer.write(then)
        await writer.drain()
        body = await asyncio.wait_for(reader.read(65536), timeout=10)
    writer.close()
    return head, body


def test_https_tunnels_are_judged_on_the_resolved_address_too(pages):
    """https (and wss) go through CONNECT: the tunnel opens only to an allowed address."""
    from dirbolt_core.runner.netproxy import BlockedList, NetworkProxy

    port = pages.ports[0]
    resolver = Resolver(hosts={"shop.public.test": [PUBLIC], "inside.test": ["10.1.2.3"]},
                        dial={PUBLIC: "127.0.0.1"})

    async def go() -> None:
        dev_blocked = BlockedList()
        dev = await NetworkProxy(UrlGuard(resolver=resolver), dev_blocked).start()
        prod_blocked = BlockedList()
        prod = await NetworkProxy(UrlGuard(production=True, resolver=resolver), prod_blocked).start()
        try:
            request = f"GET /tunnel HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
            head, body = await _connect_through(dev.port, f"127.0.0.1:{port}", request)
            assert head.startswith(b"HTTP/1.1 200") and b"ok" in body  # dev: loopback allowed
            head, body = await _connect_through(prod.port, f"shop.public.test:{port}", request)
            assert head.startswith(b"HTTP/1.1 200") and b"ok" in body  # a public address: allowed
            for target in (f"127.0.0.1:{port}", "inside.test:443", "[::1]:443", "169.254.169.254:443"):
                head, _ = await _connect_through(prod.port, target)
                assert head.startswith(b"HTTP/1.1 403"), (target, head)
            head, _ = await _connect_through(dev.port, "169.254.169.254:443")
            assert head.startswith(b"HTTP/1.1 403")  # metadata: in every mode
        finally:
            dev.close()
            prod.close()
        assert {b["url"] for b in prod_blocked.evidence()} == {
            f"https://127.0.0.1:{port}", "https://inside.test:443", "https://[::1]:443", "https://169.254.169.254:443"}
        assert [b["url"] for b in dev_blocked.evidence()] == ["https://169.254.169.254:443"]

    pages.log.clear()
    asyncio.run(go())
    assert pages.log.paths().count("/tunnel") == 2
