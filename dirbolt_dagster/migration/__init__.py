"""Migration from the legacy poller: per-job comparison with its agreement check, the cross-job rollup."""
