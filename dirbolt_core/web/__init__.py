"""The operator web app: a small read-only FastAPI app that serves proof and reports over HTTP."""
