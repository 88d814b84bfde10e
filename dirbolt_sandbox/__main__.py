"""`python -m dirbolt_sandbox [options]` is `dirbolt sandbox [options]` (one command, one set of options)."""

import sys

from dirbolt_cli.app import main

sys.argv[1:1] = ["sandbox"]
main()
