"""Migration from the legacy poller: routing, shadow mode, comparison, gates."""
