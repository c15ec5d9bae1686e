"""memqa's HTTP service: ``create_app(assistant)`` (FastAPI) and ``serve(...)`` behind ``memqa serve``."""
