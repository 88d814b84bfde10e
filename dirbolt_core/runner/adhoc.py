"""One form, outside any job: map, fill and (unless a dry run) submit; say what went where."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dirbolt_core.brain.protocols import Brain
from dirbolt_core.brain.values import value_for_field
from dirbolt_core.models import BusinessProfile, Directory
from dirbolt_core.runner.browser import BrowserOptions, BrowserPool
from dirbolt_core.runner.guard import UrlGuard
from dirbolt_core.runner.submit import SubmissionAttempt


async def try_form(url: str, profile: BusinessProfile, *, brain: Brain, dry_run: bool,
                   options: BrowserOptions | None = None, production: bool = False,
                   guard: UrlGuard | None = None) -> dict[str, Any]:
    guard = guard or UrlGuard([url], production=production)
    # Refuse file://, metadata addresses, private hosts in production, before any browser.
    guard.check_url_resolving(url)
    host = urlsplit(url).hostname or "form"
    directory = Directory(id="adhoc", name=host, url=url, submission_url=url)
    async with BrowserPool(options or BrowserOptions(), guard) as pool:
        context = await pool.new_context()
        try:
            result = await SubmissionAttempt(context=context, directory=directory, profile=profile, brain=brain,
                                             dry_run=dry_run).run()
            blocked = pool.blocked_requests(context)
        finally:
            await context.close()
    fields = []
    for form, mapping, _ in result.filled_forms:
        for field, m in zip(form.fields, mapping.fields, strict=True):
            if not (field.name or field.id) or m.key in ("submit", "unknown"):
                continue
            value = value_for_field(m, field, profile) if field.visible else None
            fields.append({"name": field.name, "id": field.id, "key": m.key, "strategy": m.strategy,
                           "confidence": round(m.confidence, 3), "value": value})
    a = result.analysis
    return {"url": url, "dry_run": dry_run, "status": a.status.value, "reason": a.reason,
            "confidence": round(a.confidence, 3), "listing_url": a.listing_url, "final_url": result.final_url,
            "fields": fields, "blocked_requests": blocked}
