"""Directories for production: catalog import, readiness from probes, credentials, plans that say
when they fall short."""
