"""Every sandbox site, in catalog order."""

from __future__ import annotations

from dirbolt_core.sandbox.base import Site
from dirbolt_core.sandbox.sites import conventions, flows, foundation, gates, languages

SITE_CLASSES: list[type[Site]] = [*foundation.SITES, *languages.SITES, *conventions.SITES, *flows.SITES,
                                  *gates.SITES]
SITES_BY_ID: dict[str, type[Site]] = {cls.id: cls for cls in SITE_CLASSES}
