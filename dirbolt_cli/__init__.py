"""`dirbolt`: the command line for operators and developers (one Typer app, a module per concern)."""
