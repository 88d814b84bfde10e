"""Listing follow-up: the weeks after submission (is the listing live, and does it say what the profile says?)."""
