"""The API manual (``/docs``, Swagger UI) served from local files, never from a CDN.

FastAPI's default page loads Swagger UI from jsDelivr, so on an offline server the manual is a blank
page. The assets come from the ``fastapi-offline`` package (a maintained PyPI package that vendors
Swagger UI), wired with FastAPI's own self-hosting pattern ("Custom Docs UI Static Assets"). Every URL
in the page is relative, so the manual also works behind a reverse proxy that serves memqa under a
sub-path (``/memqa/docs`` loads ``/memqa/openapi.json``). No ``/redoc``: ReDoc fetches its logo from
its vendor's CDN whatever the options, so it cannot be fully offline.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"


def assets_dir() -> Path:
    """The folder of Swagger UI files shipped by ``fastapi-offline``."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def install_docs(app: FastAPI) -> None:
    """Add ``/docs`` and its assets to ``app`` (created with ``docs_url=None, redoc_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")
    # Relative to /docs: "openapi.json" and "docs-assets/..." sit beside them, whatever the prefix.
    assets = ASSETS_URL.lstrip("/")
    openapi = (app.openapi_url or "/openapi.json").lstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi, title=f"{app.title} — API manual",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js", swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
        )
