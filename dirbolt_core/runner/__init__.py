"""The submission runner: browser, filling, outcome analysis, proof, pacing, retries."""
