"""`python -m dirbolt_sandbox [options]` is `dirbolt sandbox [options]`: one command, one set of options.

Run by module name, not imported: the sandbox package depends on nothing but dirbolt_core.
"""

import runpy
import sys

sys.argv[1:1] = ["sandbox"]
runpy.run_module("dirbolt_cli", run_name="__main__", alter_sys=True)
