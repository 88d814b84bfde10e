"""The human loop: the manual work queue's web page (db/manual.py holds its data)."""
