"""Reports: the customer's per-job report (HTML + CSV with proof) and its check."""
