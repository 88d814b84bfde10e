"""Directories: readiness from probes (asset, drift and ready-share checks), the weekly re-probe, the sensor
that probes what an import brought."""
