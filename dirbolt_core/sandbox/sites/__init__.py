"""Every sandbox site, in catalog order."""

from __future__ import annotations

from dirbolt_core.sandbox.base import Site
from dirbolt_core.sandbox.sites import foundation

SITE_CLASSES: list[type[Site]] = [*foundation.SITES]
