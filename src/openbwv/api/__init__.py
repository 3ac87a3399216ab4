"""HTTP API: the FastAPI application, problem details, shared helpers."""
