"""What the forkserver imports once for every run process it forks (`warmstart.PRELOAD`).

Python's forkserver lets only an ImportError of a preloaded module pass; any other error would end
the forkserver and with it every run's start. Here a module that fails to import is logged and
left for the run process to import itself (as a spawned one would, and fail there visibly)."""

from __future__ import annotations

import importlib
import logging

MODULES = ("dirbolt_dagster.definitions", "dagster._grpc.impl", "playwright.async_api", "dirbolt_core.jobs",
           "dirbolt_core.runner.engine")

for _name in MODULES:
    try:
        importlib.import_module(_name)
    except Exception:  # logged; the run process imports it again and fails there, visibly
        logging.getLogger(__name__).warning("forkserver: %s not preloaded", _name, exc_info=True)
