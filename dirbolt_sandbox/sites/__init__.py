"""Every sandbox site, in catalog order."""

from __future__ import annotations

from dirbolt_sandbox.base import Site
from dirbolt_sandbox.sites import conventions, flows, foundation, gates, languages, realweb

SITE_CLASSES: list[type[Site]] = [*foundation.SITES, *languages.SITES, *conventions.SITES, *flows.SITES,
                                  *gates.SITES, *realweb.SITES]
SITES_BY_ID: dict[str, type[Site]] = {cls.id: cls for cls in SITE_CLASSES}


def mirror_id(site_id: str, copy: int) -> str:
    """The id of copy `copy` (2..N) of a site: `localpages-2`; `site_class` reads it back."""
    return f"{site_id}-{copy}"


def mirror_classes(copies: int) -> list[type[Site]]:
    """Every site `copies` times: the originals, then copies 2..N as distinct directories
    (`localpages-2`, ...) with their own path, record, rate-limit clock and duplicate register.
    Many real directories run the same software; for the sandbox, mirrors give jobs of more
    directories than there are site designs (benchmarks of large packages)."""
    if copies < 1:
        raise ValueError("copies must be at least 1")
    mirrors: list[type[Site]] = []
    for k in range(2, copies + 1):
        for cls in SITE_CLASSES:
            mirrors.append(type(f"{cls.__name__}Mirror{k}", (cls,),
                                {"id": mirror_id(cls.id, k), "name": f"{cls.name} {k}", "mirror_of": cls.id}))
    return [*SITE_CLASSES, *mirrors]


def site_class(site_id: str) -> type[Site]:
    """The class of a site id, a mirror's (`localpages-2`) included; KeyError if unknown."""
    if site_id in SITES_BY_ID:
        return SITES_BY_ID[site_id]
    base, _, copy = site_id.rpartition("-")
    if base in SITES_BY_ID and copy.isdigit() and int(copy) >= 2:
        return SITES_BY_ID[base]
    raise KeyError(site_id)
