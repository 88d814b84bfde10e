"""`python -m dirbolt_cli ...` is `dirbolt ...`."""

from dirbolt_cli.app import main

main()
