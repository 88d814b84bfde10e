"""Run processes forked from a warm process that has already imported the code location.

Dagster's code server starts each run in a fresh process with `multiprocessing`'s `spawn`: a new
interpreter that imports Dagster and this code location again (~1.7 CPU s of imports, 3-4 CPU s in
all), and the daemon launches queued runs one after the other, each launch returning once its run
process has loaded the code, so four jobs sent at once waited for four such starts in a row (issue
20). With `forkserver`, the code server starts one server process that imports the code location
once (`PRELOAD`); each run process is then forked from it, already imported, in milliseconds.

Everything else is Dagster's own: the code server still owns each run process as a
`multiprocessing.Process` (run monitoring asks it whether the process is alive; cancelling sets
the run's termination event), the daemon still launches runs one after the other in priority order.

Dagster sets the start method in `DagsterApiServer.__init__` and offers no setting for it; `enable()`
puts a property on the class that answers the forkserver context (a class's data descriptor wins
over the instance's attribute). It runs when the code location is imported in a code server.
`DIRBOLT_RUN_FORKSERVER=0` keeps spawn.
"""

from __future__ import annotations

import multiprocessing
import sys

from dirbolt_core.settings import get_settings

# What a run process imports before it submits (the code location, Dagster with it, the browser
# driver and the runner), imported once in the forkserver: see warm_preload.MODULES.
PRELOAD = ["dirbolt_dagster.warm_preload"]


def wanted() -> bool:
    return sys.platform.startswith("linux") and get_settings().run_forkserver


def enabled() -> bool:
    from dagster._grpc.server import DagsterApiServer

    return isinstance(DagsterApiServer.__dict__.get("_mp_ctx"), property)


def enable() -> bool:
    """Make Dagster's code server start run processes from a preloaded forkserver. Only in a process
    that serves code (Dagster's gRPC server already imported): not in run processes, the forkserver
    or the webserver's and daemon's own imports. False if not done."""
    if not wanted() or "dagster._grpc.server" not in sys.modules:
        return False
    from dagster._grpc.server import DagsterApiServer

    if enabled():
        return True
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    DagsterApiServer._mp_ctx = property(lambda self: context, lambda self, value: None)  # type: ignore[assignment]
    return True
