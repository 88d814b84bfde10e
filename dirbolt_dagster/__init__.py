"""The Dagster layer: assets, checks, sensors and resources over dirbolt_core."""
